/** The eval harness's public surface: datasets, synthetic sets, metrics, the store, runs and reports. */

export { RawQuestionBackend, type RawQuestionOptions } from "../models/raw-question-backend.ts";
export {
  checkCountdown,
  type GenerateOptions,
  generateSynthetic,
  type SyntheticItem,
  type SyntheticName,
  syntheticNames,
} from "../tasks/index.ts";
export { CachingBackend, type CachingBackendOptions, sampleKey } from "./caching-backend.ts";
export { cellKey, modelLabel, type StrategySpec, strategyLabel } from "./cell-key.ts";
export {
  type CellBudget,
  type ComputeCurve,
  type ComputePoint,
  computeCurves,
  paretoFlags,
} from "./compute-curves.ts";
export { type CellCompute, cellCompute, formatFlops, type RoleCompute } from "./compute-flops.ts";
export { type FieldMapping, type LayoutName, layoutNames } from "./datasets/layouts.ts";
export { type LoadDatasetOptions, loadDataset } from "./datasets/load-dataset.ts";
export {
  type EvalPlan,
  type EvalPlanInput,
  parseEvalPlan,
  parseStrategySpec,
  readEvalFile,
} from "./eval-plan.ts";
export { createItemGrader, type ItemGrader, type ItemGraderOptions } from "./grade-item.ts";
export {
  accuracy,
  bootstrapCI,
  type CascadeSummary,
  type CurvePoint,
  curves,
  majAtK,
  passAtK,
  type Summary,
  summarize,
  weightedAtK,
} from "./metrics.ts";
export { type WriteReportOptions, type WriteReportResult, writeReport } from "./report.ts";
export {
  type CellResult,
  type EvalResults,
  type LargeBaseline,
  readResults,
  resultsSchema,
} from "./results.ts";
export { type RunEvalPlanOptions, runEvalPlan } from "./run-plan.ts";
export {
  type ModelEntry,
  type RoleModel,
  type RunEvalOptions,
  type RunEvalResult,
  runEval,
} from "./runner.ts";
export {
  type AppliedMigration,
  isPostgresSpec,
  openStore,
  type ResultStore,
  redactStoreSpec,
  type SampleOrigin,
  SqliteStore,
  type StoredSample,
  type StoreVerification,
} from "./store.ts";
export { parseStrategyEntry, type StrategyEntry, type StrategySweep } from "./strategy-sweep.ts";
export type {
  CascadeOutcome,
  Dataset,
  EvalItem,
  EvalRecord,
  ModelRole,
  RoleUsage,
  RoleUsageMap,
  SampleRecord,
} from "./types.ts";
