/**
 * deliberate's public surface: an explicit list. Subpaths: `deliberate/server` (the OpenAI-compatible
 * server), `deliberate/testing` (scripted backends and a loopback OpenAI server for your own tests).
 */

// Distillation: teachers → verified, deduplicated traces → SFT/DPO/prompt sets and trainer exports
export { type DistillOptions, type DistillResult, distill } from "./distill/index.ts";
export type {
  DistilledProblem,
  DistilledTrace,
  DistillManifest,
  DpoRow,
  PromptRow,
  SftRow,
} from "./distill/types.ts";
// Errors
export { DeliberateError, type DeliberateErrorOptions, type ErrorCode, toDeliberateError } from "./errors.ts";
// Evaluation
export {
  type EvalResults,
  loadDataset,
  readResults,
  runEvalPlan,
  writeReport,
} from "./eval/index.ts";
// Grading
export { answerKey, extractAnswer, GradePool, grade, gradeSync } from "./grading/index.ts";
export type { AnswerKind, GradeOptions, GradeResult, Verdict } from "./grading/types.ts";
// Models
export { type DeliberateConfig, loadConfig, parseConfig } from "./models/config.ts";
export {
  inspectGguf,
  readGgufMetadata,
  validateGgufFile,
  writeGguf,
  writeLlamaGguf,
} from "./models/gguf/index.ts";
export { createLlamaBackend, type LlamaBackendOptions } from "./models/llama/index.ts";
export { type ModelSpec, parseModelSpec } from "./models/model-spec.ts";
export {
  createOpenAIBackend,
  type OpenAIBackend,
  type OpenAIBackendOptions,
  type SlotLimiter,
} from "./models/openai/index.ts";
export { ModelRegistry, type ResolveModelOptions, resolveModel } from "./models/registry.ts";
export type * from "./models/types.ts";
// Scale-out: eval items on BullMQ workers over Redis (`runEvalPlan` with `queue`; `deliberate worker`)
export { BullmqQueue, type BullmqQueueOptions } from "./queue/bullmq-queue.ts";
export { inProcessQueue } from "./queue/in-process.ts";
// Scale-out: static shards of an eval (`runEvalPlan` with `shard`) and their merge
export { type MergeRunsOptions, type MergeRunsResult, mergeRuns } from "./queue/merge-runs.ts";
export {
  type QueueWorker,
  type QueueWorkerOptions,
  startQueueWorker,
  type WorkerItemEvent,
} from "./queue/queue-worker.ts";
export { RedisSlotLimiter, type RedisSlotLimiterOptions } from "./queue/redis-limiter.ts";
export { parseShard, type Shard, shardOf } from "./queue/shard.ts";
export type { QueuedRun, WorkBatch, WorkDone, WorkFailed, WorkQueue } from "./queue/types.ts";
export { readAnswer } from "./run/answers.ts";
export { isBudgetError } from "./run/budget.ts";
// The call layer: what a strategy or verifier author calls a model with
export {
  backendFor,
  type CallModelOptions,
  type CallModelResult,
  callModel,
  scoreModel,
} from "./run/call-model.ts";
export { buildMessages, questionText } from "./run/prompts.ts";
export { deriveSeed, problemKey } from "./run/seeds.ts";
export { answerText } from "./run/thinking.ts";
export type * from "./run/types.ts";
// Sandbox
export { programAnswer, runCode } from "./sandbox/index.ts";
export type { SandboxResult } from "./sandbox/types.ts";
// Strategies: solve() and the registry, defineStrategy and the helpers strategies are made of
export {
  type Candidate,
  candidateConfidence,
  type DefinedStrategy,
  defineStrategy,
  describeStrategies,
  evidence,
  fromCompletion,
  recordVote,
  type SolveOptions,
  type StrategyDeclaration,
  type StrategyName,
  sampleCandidates,
  settle,
  shouldStop,
  solve,
  strategies,
  strategyDefinition,
  vote,
} from "./strategies/index.ts";
export { samplesShape, samplingShape, strategyOptions } from "./strategies/options.ts";
export type * from "./strategies/types.ts";
export type { VoteResult } from "./strategies/voting.ts";
export { generateSynthetic, type SyntheticItem, syntheticNames } from "./tasks/index.ts";
// Traces
export { TraceRecorder } from "./trace/recorder.ts";
export type * from "./trace/types.ts";
// Verifiers
export {
  codeTests,
  constraints,
  llmJudge,
  resolveVerifier,
  rewardModel,
  stepJudge,
  type Verifier,
  type VerifierScore,
  type VerifyCandidate,
  verifiers,
  verify,
} from "./verifiers/index.ts";
