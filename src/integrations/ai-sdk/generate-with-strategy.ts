/**
 * `doGenerate` of a model with a strategy inside (the middleware's `wrapGenerate`, the provider's
 * models): one solve over the given backends, answered as one V3 result: the chosen answer's text,
 * usage summed over every call, and `providerMetadata.deliberate`.
 */
import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { solve } from "../../strategies/registry.ts";
import type { Backends } from "../../strategies/types.ts";
import { TraceRecorder } from "../../trace/recorder.ts";
import { prepareRun, type StrategyRun } from "./prepare-run.ts";
import {
  metadataJson,
  solutionFinishReason,
  solutionMetadata,
  solutionUsage,
  traceWarnings,
} from "./solution-result.ts";

export interface StrategyCall {
  params: LanguageModelV3CallOptions;
  run: StrategyRun;
  backends: Backends;
  /** The model id the result's response metadata names. */
  modelId: string;
}

export async function generateWithStrategy(call: StrategyCall): Promise<LanguageModelV3GenerateResult> {
  const { params, run, backends, modelId } = call;
  const prepared = prepareRun(params, run, backends);
  const trace = new TraceRecorder();
  const solution = await solve(prepared.problem, {
    strategy: prepared.strategy,
    options: prepared.options,
    backends,
    budget: run.budget,
    seed: prepared.seed,
    signal: params.abortSignal,
    trace,
  });
  return {
    content: [{ type: "text", text: solution.text }],
    finishReason: solutionFinishReason(solution),
    usage: solutionUsage(solution),
    providerMetadata: { deliberate: metadataJson(solutionMetadata(solution, backends)) },
    response: { id: solution.traceId, modelId, timestamp: new Date(trace.trace.startedAt) },
    warnings: [...prepared.warnings, ...traceWarnings(trace)],
  };
}
