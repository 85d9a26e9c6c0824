/**
 * `doStream` of a model with a strategy inside: while the strategy works, honest progress as
 * reasoning parts (samples done, the answer leading, the vote), read from the trace as
 * `deliberate solve` shows it; then the chosen answer's text parts and a finish part with usage summed
 * over every call and `providerMetadata.deliberate`.
 *
 * Cancelling the stream (or the call's abort signal) aborts the solve, and through it every model
 * call in flight.
 */
import type { LanguageModelV3StreamPart, LanguageModelV3StreamResult } from "@ai-sdk/provider";
import { readAnswer } from "../../run/answers.ts";
import { solve } from "../../strategies/registry.ts";
import { TraceRecorder } from "../../trace/recorder.ts";
import { SolveProgressTracker, solveProgressLine } from "../../trace/solve-progress.ts";
import type { StrategyCall } from "./generate-with-strategy.ts";
import { prepareRun } from "./prepare-run.ts";
import { metadataJson, solutionFinishReason, solutionMetadata, solutionUsage } from "./solution-result.ts";

/** The answer arrives in pieces of this many characters, so clients render it as it comes. */
const ANSWER_CHUNK_CHARS = 64;
const PROGRESS_ID = "deliberate-progress";
const ANSWER_ID = "deliberate-answer";

/** Checks the call (throwing before any stream exists), then streams the solve. */
export function streamWithStrategy(call: StrategyCall): LanguageModelV3StreamResult {
  const { params, run, backends, modelId } = call;
  const prepared = prepareRun(params, run, backends);
  const cancel = new AbortController();
  const signal = params.abortSignal ? AbortSignal.any([params.abortSignal, cancel.signal]) : cancel.signal;
  const trace = new TraceRecorder();
  let open = true;

  const stream = new ReadableStream<LanguageModelV3StreamPart>({
    start(out) {
      const emit = (part: LanguageModelV3StreamPart) => {
        if (open) out.enqueue(part);
      };
      emit({ type: "stream-start", warnings: prepared.warnings });

      // Progress only for strategies that draw several samples, a line per change, as `solve --progress lines`.
      const tracker = new SolveProgressTracker((text) => readAnswer(prepared.problem, text).key);
      let reasoning = false;
      let last = "";
      const unsubscribe = trace.on((event) => {
        if (!tracker.apply(event, trace) || (tracker.state.total ?? 0) <= 1) return;
        const line = solveProgressLine({ ...tracker.state, inFlight: 0 });
        if (line === last) return;
        last = line;
        if (!reasoning) emit({ type: "reasoning-start", id: PROGRESS_ID });
        reasoning = true;
        emit({ type: "reasoning-delta", id: PROGRESS_ID, delta: `${line}\n` });
      });

      solve(prepared.problem, {
        strategy: prepared.strategy,
        options: prepared.options,
        backends,
        budget: run.budget,
        seed: prepared.seed,
        signal,
        trace,
      }).then(
        (solution) => {
          unsubscribe();
          if (reasoning) emit({ type: "reasoning-end", id: PROGRESS_ID });
          emit({
            type: "response-metadata",
            id: solution.traceId,
            modelId,
            timestamp: new Date(trace.trace.startedAt),
          });
          emit({ type: "text-start", id: ANSWER_ID });
          for (let at = 0; at < solution.text.length; at += ANSWER_CHUNK_CHARS) {
            emit({
              type: "text-delta",
              id: ANSWER_ID,
              delta: solution.text.slice(at, at + ANSWER_CHUNK_CHARS),
            });
          }
          emit({ type: "text-end", id: ANSWER_ID });
          emit({
            type: "finish",
            finishReason: solutionFinishReason(solution),
            usage: solutionUsage(solution),
            providerMetadata: { deliberate: metadataJson(solutionMetadata(solution, backends)) },
          });
          if (open) out.close();
          open = false;
        },
        (error: unknown) => {
          unsubscribe();
          emit({ type: "error", error });
          if (open) out.close();
          open = false;
        },
      );
    },
    cancel() {
      open = false;
      cancel.abort();
    },
  });
  return { stream };
}
