/**
 * The numbers a dataset card shows: histograms over fixed edges, and a length summary (mean,
 * median, p90, max) of the kept traces' completion tokens.
 */
import { DeliberateError } from "../errors.ts";
import type { Histogram } from "./types.ts";

/**
 * Counts `values` per bin. `edges` are the bins' lower edges, strictly increasing: bin i holds
 * `edges[i] <= v < edges[i + 1]`, and the last bin holds everything from its edge up (closed), so
 * `histogram([0, 0.5, 1], [0, 0.5])` is `{edges: [0, 0.5], counts: [1, 2]}`. Values below the first
 * edge count in the first bin, so the counts always add up to the number of values.
 */
export function histogram(values: readonly number[], edges: readonly number[]): Histogram {
  if (edges.length === 0) throw new DeliberateError("BAD_REQUEST", "a histogram needs at least one edge");
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `histogram edges must increase: ${edges[i - 1]} then ${edges[i]} at index ${i}`,
      );
    }
  }
  const counts = new Array<number>(edges.length).fill(0);
  for (const v of values) {
    // Bins are few (tens): a scan from the top is simpler than a binary search and as fast.
    let bin = edges.length - 1;
    while (bin > 0 && v < edges[bin]) bin--;
    counts[bin]++;
  }
  return { edges: [...edges], counts };
}

/** Pass-rate bins: tenths, [0, 0.1), …, [0.9, 1]. */
export const passRateEdges: readonly number[] = Array.from({ length: 10 }, (_, i) => i / 10);

/**
 * Token-length bins that stay readable from 10-token answers to 30k-token thinking traces: 0, then
 * powers of two from 16 while they are at most `max` (so the last bin is never empty for max > 0):
 * `lengthEdges(100)` is `[0, 16, 32, 64]`.
 */
export function lengthEdges(max: number): number[] {
  const edges = [0];
  for (let edge = 16; edge <= max; edge *= 2) edges.push(edge);
  return edges;
}

/** `Histogram & {mean, median, p90, max}` of token counts; all zero for none. */
export function lengthSummary(tokens: readonly number[]): Histogram & {
  mean: number;
  median: number;
  p90: number;
  max: number;
} {
  const sorted = [...tokens].sort((a, b) => a - b);
  const max = sorted.at(-1) ?? 0;
  const mean = sorted.length ? sorted.reduce((s, t) => s + t, 0) / sorted.length : 0;
  return {
    ...histogram(sorted, lengthEdges(max)),
    mean: round(mean),
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max,
  };
}

/** The nearest-rank quantile (a value that occurs in the data) of sorted numbers; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Two decimals: means in a card do not need more, and JSON stays short. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
