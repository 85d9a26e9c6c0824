/**
 * One run at a time per sandbox: the warm worker (QuickJS) and child (pyodide) each hold one
 * interpreter, and a run's limits count from when it starts, not from when it was queued.
 */
import type { SandboxResult, TestsResult } from "./types.ts";

/** A function that runs each task after the previous one settled, in call order. */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** A run's result without the test fields (`passed`, `stage`, `failure`), for program mode. */
export function programResult(run: TestsResult): SandboxResult {
  const { passed: _, stage: __, failure: ___, ...result } = run;
  return result;
}
