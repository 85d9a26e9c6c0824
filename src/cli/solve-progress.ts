/**
 * `deliberate solve`'s progress for multi-sample strategies, on stderr (stdout is the answer or the
 * JSON): the state folded from the trace by `trace/solve-progress.ts`, drawn as a bar or lines.
 */
import type { TraceRecorder } from "../trace/recorder.ts";
import { SolveProgressTracker, solveProgressLine } from "../trace/solve-progress.ts";

export type SolveProgressMode = "auto" | "bar" | "lines" | "none";

export interface SolveProgressOptions {
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Reads a sample's answer key (the problem's grader). */
  keyOf: (text: string) => string | null;
  /** Milliseconds between redraws of the bar's clock. Default 200. */
  tickMs?: number;
  /** Default Date.now. */
  now?: () => number;
}

/**
 * Shows a solve's progress while `trace` records it: `bar` redraws one line on a terminal (and clears
 * it at the end, before the answer is printed), `lines` prints a line per change, `auto` is `bar` on a
 * terminal and nothing elsewhere. Returns the function that stops it.
 */
export function showSolveProgress(
  trace: TraceRecorder,
  mode: SolveProgressMode,
  options: SolveProgressOptions,
): () => void {
  const { stream = process.stderr, keyOf, tickMs = 200, now = Date.now } = options;
  const resolved = mode === "auto" ? (stream.isTTY ? "bar" : "none") : mode;
  if (resolved === "none") return () => {};
  const tracker = new SolveProgressTracker(keyOf);
  // The clock starts with the strategy, not with the command (loading a model is not solving).
  let started: number | undefined;
  // Only strategies that draw several samples: one greedy call needs no progress line.
  const shown = () => (tracker.state.total ?? 0) > 1;
  let drawn = false;
  const draw = () => {
    if (!shown()) return;
    stream.write(`\r\x1b[K${solveProgressLine(tracker.state, now() - (started ?? now()))}`);
    drawn = true;
  };
  let last = "";
  const unsubscribe = trace.on((event) => {
    if (!tracker.apply(event, trace) || !shown()) return;
    started ??= now();
    if (resolved === "bar") return draw();
    // Lines only for what is done: a call starting is no news in a log.
    const line = solveProgressLine({ ...tracker.state, inFlight: 0 });
    if (line !== last) stream.write(`${line}\n`);
    last = line;
  });
  const timer = resolved === "bar" ? setInterval(draw, tickMs) : undefined;
  timer?.unref();
  return () => {
    unsubscribe();
    if (timer) clearInterval(timer);
    if (drawn) stream.write("\r\x1b[K");
    drawn = false;
  };
}
