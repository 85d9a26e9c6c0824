/**
 * The choices of one upstream call (from a JSON answer or an accumulated stream) → Completions.
 */
import type { Completion, TokenLogprob } from "../types.ts";
import { mapFinishReason, splitUsage } from "./map-upstream.ts";
import type { UpstreamUsage } from "./upstream-schema.ts";

/** One choice as read from the upstream, in either API's shape. */
export interface UpstreamChoice {
  text: string;
  reasoning?: string;
  rawFinishReason?: string | null;
  logprobs?: TokenLogprob[];
  /** Tokens generated, when known (stream chunks, logprob entries); weights the usage split. */
  tokenCount?: number;
  /** Set when the choice failed (a stream that died), overriding the finish reason. */
  error?: string;
  /** Set when the caller aborted this choice. */
  aborted?: boolean;
}

export interface CallMeta {
  backend: string;
  endpoint?: string;
  /** Our index of the call's i-th choice (offset for a fan-out sample). */
  firstIndex: number;
  /** The seed of this call, sent upstream. */
  seed?: number;
  /** Whether each choice used `seed + i` (fan-out) or the call's one seed (native n). */
  seedPerChoice: boolean;
  warnings: string[];
  startedAt: number;
  firstTokenAt?: number;
}

export function buildCompletions(
  choices: UpstreamChoice[],
  usage: UpstreamUsage,
  meta: CallMeta,
): Completion[] {
  const now = performance.now();
  const usages = splitUsage(
    usage,
    choices.map((choice) => ({
      completionWeight: choice.tokenCount ?? choice.logprobs?.length ?? 1,
      reasoningWeight: choice.reasoning?.length ?? 0,
    })),
  );
  return choices.map((choice, i) => {
    const mapped = choice.aborted
      ? { finishReason: "abort" as const }
      : choice.error !== undefined
        ? { finishReason: "error" as const, error: choice.error }
        : mapFinishReason(choice.rawFinishReason);
    const completion: Completion = {
      index: meta.firstIndex + i,
      text: choice.text,
      finishReason: mapped.finishReason,
      usage: usages[i],
      timings: {
        totalMs: now - meta.startedAt,
        ...(meta.firstTokenAt !== undefined ? { firstTokenMs: meta.firstTokenAt - meta.startedAt } : {}),
      },
      backend: meta.backend,
    };
    if (choice.rawFinishReason) completion.rawFinishReason = choice.rawFinishReason;
    if (choice.reasoning) completion.reasoning = choice.reasoning;
    if (choice.logprobs) completion.logprobs = choice.logprobs;
    if (meta.endpoint) completion.endpoint = meta.endpoint;
    if (meta.seed !== undefined) completion.seed = meta.seedPerChoice ? meta.seed + i : meta.seed;
    if (meta.warnings.length > 0) completion.warnings = [...meta.warnings];
    if (mapped.error !== undefined) completion.error = mapped.error;
    return completion;
  });
}

/** Completions for samples that never ran or were cut off because the caller aborted. */
export function abortedCompletions(indices: number[], backend: string, startedAt: number): Completion[] {
  const totalMs = performance.now() - startedAt;
  return indices.map((index) => ({
    index,
    text: "",
    finishReason: "abort",
    usage: { promptTokens: 0, completionTokens: 0 },
    timings: { totalMs },
    backend,
  }));
}
