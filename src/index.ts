/**
 * deliberate's public surface: an explicit list. Subpaths: `deliberate/server` (the OpenAI-compatible
 * server), `deliberate/testing` (scripted backends and a loopback OpenAI server for your own tests).
 */

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
export { createOpenAIBackend, type OpenAIBackend, type OpenAIBackendOptions } from "./models/openai/index.ts";
export { ModelRegistry, type ResolveModelOptions, resolveModel } from "./models/registry.ts";
export type * from "./models/types.ts";
// Sandbox
export { programAnswer, runCode } from "./sandbox/index.ts";
export type { SandboxResult } from "./sandbox/types.ts";
// Strategies and verifiers
export { describeStrategies, type SolveOptions, solve, strategies } from "./strategies/index.ts";
export type * from "./strategies/types.ts";
export { generateSynthetic, type SyntheticItem, syntheticNames } from "./tasks/index.ts";
// Traces
export { TraceRecorder } from "./trace/recorder.ts";
export type * from "./trace/types.ts";
export { verifiers } from "./verifiers/index.ts";
