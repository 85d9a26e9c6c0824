/**
 * What an upstream supports, learned from its answers once and cached for the backend's life:
 * a 400 that names a parameter we sent turns that feature off (and the call is retried without it);
 * fewer choices than `n` means `n` is ignored (Ollama), so samples fan out instead.
 */
import type { DeliberateError } from "../../errors.ts";
import type { PrefillMode, UpstreamFeatures } from "./request-body.ts";

export interface LearnedFeatures {
  /** Undefined until the first call with n > 1 tells. */
  nativeN?: boolean;
  logprobs: boolean;
  samplingExtensions: boolean;
  streamUsage: boolean;
  maxTopLogprobs: number;
  prefill: PrefillMode;
}

export type Feature = "nativeN" | "logprobs" | "samplingExtensions" | "streamUsage";

/** The features to build the next body with: an unknown `nativeN` is tried. */
export function currentFeatures(learned: LearnedFeatures): UpstreamFeatures {
  return { ...learned, nativeN: learned.nativeN !== false };
}

/** The feature an upstream's 400/422 rejects, if the body used it and the message names it. */
export function rejectedFeature(error: DeliberateError, body: Record<string, unknown>): Feature | null {
  if (error.code !== "UPSTREAM" || (error.status !== 400 && error.status !== 422)) return null;
  // Our message is "<url> answered <status> <upstream message>"; only the upstream's part is evidence.
  const said = error.message.slice(error.message.indexOf(" answered ") + 1);
  if (typeof body.n === "number" && body.n > 1 && /\bn\b|choices?\b/i.test(said)) return "nativeN";
  if (body.logprobs !== undefined && /logprob/i.test(said)) return "logprobs";
  if (
    (body.top_k !== undefined || body.min_p !== undefined) &&
    /top_k|min_p|unrecognized|extra/i.test(said)
  ) {
    return "samplingExtensions";
  }
  if (body.stream_options !== undefined && /stream_options/i.test(said)) return "streamUsage";
  return null;
}

export function disable(learned: LearnedFeatures, feature: Feature): void {
  learned[feature] = false;
}
