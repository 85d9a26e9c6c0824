/** Running model-written code: JavaScript in QuickJS (worker thread), Python in pyodide (child process). */
export { programAnswer } from "./program-answer.ts";
export { closeSandboxes, runCode } from "./run-code.ts";
export { closeJavaScriptSandbox, runJavaScript } from "./run-javascript.ts";
export { closePythonSandbox, runPython, warmPython } from "./run-python.ts";
export type {
  RunCodeOptions,
  RunJavaScriptOptions,
  RunPythonOptions,
  SandboxLanguage,
  SandboxLimits,
  SandboxReason,
  SandboxResult,
} from "./types.ts";
