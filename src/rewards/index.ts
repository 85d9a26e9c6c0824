/** Verified rewards for RL trainers: the scorer, the gold check, shaping, JSONL scoring and the gold audit. */
export {
  type AuditDatasetOptions,
  type AuditFinding,
  type AuditGoldOptions,
  type AuditItem,
  type AuditProblem,
  type AuditReport,
  ambiguity,
  auditDataset,
  auditGold,
  auditProblems,
} from "./audit.ts";
export { type CreateRewardScorerOptions, createRewardScorer } from "./create-reward-scorer.ts";
export { type GoldCheck, GoldChecker, type GoldCheckerOptions, type GoldProblem } from "./gold-check.ts";
export {
  describeSummary,
  type ScoreJsonlOptions,
  type ScoreJsonlSummary,
  scoreJsonl,
} from "./score-jsonl.ts";
export { DEFAULT_SHAPING, formatScore, lengthPenalty, type ResolvedShaping, shapeReward } from "./shaping.ts";
export type {
  RewardComponents,
  RewardItem,
  RewardKind,
  RewardOptions,
  RewardResult,
  RewardScorer,
  RewardShaping,
  RewardVerdict,
} from "./types.ts";
