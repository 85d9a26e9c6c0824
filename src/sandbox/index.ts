/** Running model-written code: JavaScript in QuickJS (worker thread), Python in pyodide (child process). */
export { limitSchemas, MAX_MEMORY_MB, MAX_OUTPUT_BYTES, MAX_TIMEOUT_MS } from "./check-limits.ts";
export { programAnswer } from "./program-answer.ts";
export { closeSandboxes, runCode } from "./run-code.ts";
export { closeJavaScriptSandbox, runJavaScript, runJavaScriptTests } from "./run-javascript.ts";
export { closePythonSandbox, runPython, runPythonTests, warmPython } from "./run-python.ts";
export { runTests } from "./run-tests.ts";
export type {
  RunCodeOptions,
  RunJavaScriptOptions,
  RunPythonOptions,
  RunTestsOptions,
  SandboxLanguage,
  SandboxLimits,
  SandboxReason,
  SandboxResult,
  TestsFailure,
  TestsResult,
} from "./types.ts";
