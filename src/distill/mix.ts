/**
 * Mixing short and long traces by ratio (`--mix-long R`): long traces (thinking-style, or more than
 * `longTokens` completion tokens) become a share R of the output. All traces of the scarcer side are
 * kept, and as many of the plentiful side as the ratio allows (rounded to the nearest count): with
 * 10 long and 90 short traces and R = 0.5, the 10 long ones and 10 short ones. Which of the
 * plentiful side stay is decided by a seeded hash of each trace's id, so the choice is spread over
 * problems and teachers rather than taking the first ones, and the same seed keeps the same traces.
 * Kept traces stay in their input order.
 *
 * With R strictly between 0 and 1 and one side empty, no subset has share R except the empty one;
 * the traces are then kept whole and `reached` is false.
 */
import { DeliberateError } from "../errors.ts";
import { fnv1a, mix32 } from "../util/fnv1a.ts";
import type { DistilledTrace } from "./types.ts";

export interface MixOptions {
  /** The share of long traces in the output, in [0, 1]. */
  longShare: number;
  /** A trace with more completion tokens than this is long (thinking-style traces always are). */
  longTokens: number;
  /** Seed of the choice among the plentiful side. Default 0. */
  seed?: number;
}

export interface MixResult {
  kept: DistilledTrace[];
  dropped: DistilledTrace[];
  /** Long and short traces before mixing, and kept. */
  long: number;
  short: number;
  keptLong: number;
  keptShort: number;
  /** Whether the kept traces have share `longShare` (to the nearest count). */
  reached: boolean;
}

/** Long: thinking-style, or over `longTokens` completion tokens. */
export function isLong(trace: Pick<DistilledTrace, "thinking" | "tokens">, longTokens: number): boolean {
  return trace.thinking || trace.tokens > longTokens;
}

export function mixByLength(traces: readonly DistilledTrace[], options: MixOptions): MixResult {
  const { longShare: share, longTokens, seed = 0 } = options;
  if (!(share >= 0 && share <= 1)) {
    throw new DeliberateError("BAD_REQUEST", `\`mixLong\` must be in [0, 1], got ${share}`, {
      param: "mixLong",
    });
  }
  const long = traces.filter((t) => isLong(t, longTokens));
  const short = traces.filter((t) => !isLong(t, longTokens));
  let keepLong = long.length;
  let keepShort = short.length;
  const oneSideEmpty = long.length === 0 || short.length === 0;
  if (share === 1) keepShort = 0;
  else if (share === 0) keepLong = 0;
  else if (!oneSideEmpty) {
    // Too many long traces for the share: keep every short one and long = share/(1-share) of them.
    if (long.length / traces.length > share)
      keepLong = Math.min(long.length, Math.round((share * short.length) / (1 - share)));
    else keepShort = Math.min(short.length, Math.round(((1 - share) * long.length) / share));
  }
  const chosen = new Set([...pick(long, keepLong, seed), ...pick(short, keepShort, seed)]);
  const kept = traces.filter((t) => chosen.has(t));
  const total = keepLong + keepShort;
  return {
    kept,
    dropped: traces.filter((t) => !chosen.has(t)),
    long: long.length,
    short: short.length,
    keptLong: keepLong,
    keptShort: keepShort,
    // Nearest count: off by less than one trace of the share asked for.
    reached: total > 0 && Math.abs(keepLong - share * total) < 1,
  };
}

/** `count` of `traces`: those with the least seeded hash of their id. */
function pick(traces: readonly DistilledTrace[], count: number, seed: number): DistilledTrace[] {
  if (count >= traces.length) return [...traces];
  return traces
    .map((trace) => ({ trace, rank: mix32((fnv1a(trace.id) ^ seed) >>> 0) }))
    .sort((a, b) => a.rank - b.rank || (a.trace.id < b.trace.id ? -1 : 1))
    .slice(0, count)
    .map((r) => r.trace);
}
