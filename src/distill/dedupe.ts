/**
 * Duplicate removal over verified traces, in their order (the first of a group is kept):
 * exact copies (the same text once whitespace is normalised), then near-copies (MinHash estimate of
 * word n-gram Jaccard similarity at or above the threshold; see near-duplicates.ts).
 *
 * Traces are compared within their problem only: two traces of one question that say the same thing
 * teach nothing twice, but the same words under another question are another example (short answers
 * such as "12+7=19 #### 19" recur across problems by design).
 */
import { MinHasher } from "./minhash.ts";
import { NearDuplicateIndex } from "./near-duplicates.ts";
import type { DistilledTrace } from "./types.ts";

export interface DedupeOptions {
  /** Near-duplicate threshold on the estimated Jaccard similarity, in (0, 1]. Default 0.8. */
  threshold?: number;
  /** Words per shingle. Default 3. */
  ngram?: number;
  /** MinHash signature length. Default 128. */
  permutations?: number;
  /** Seed of the hash functions. Default 0. */
  seed?: number;
}

export interface DedupeResult {
  kept: DistilledTrace[];
  /** Removed as exact copies of an earlier kept trace. */
  exact: DistilledTrace[];
  /** Removed as near-copies of an earlier kept trace, with the trace each copies and the estimate. */
  near: Array<{ trace: DistilledTrace; of: DistilledTrace; similarity: number }>;
}

/** The text two exact copies share: trimmed, every run of whitespace one space. */
export function normalizeText(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

export function dedupeTraces(traces: readonly DistilledTrace[], options: DedupeOptions = {}): DedupeResult {
  const result: DedupeResult = { kept: [], exact: [], near: [] };
  // One hasher for every problem's index: its seeded hash functions are made once.
  const { threshold, ...minhash } = options;
  const hasher = new MinHasher(minhash);
  // Per problem: texts seen, the near-duplicate index, and the traces in the order the index got them.
  const byProblem = new Map<
    string,
    { seen: Set<string>; index: NearDuplicateIndex; added: DistilledTrace[] }
  >();
  for (const trace of traces) {
    let group = byProblem.get(trace.problemId);
    if (!group) {
      group = { seen: new Set(), index: new NearDuplicateIndex({ threshold, hasher }), added: [] };
      byProblem.set(trace.problemId, group);
    }
    const normalized = normalizeText(trace.text);
    if (group.seen.has(normalized)) {
      result.exact.push(trace);
      continue;
    }
    group.seen.add(normalized);
    const verdict = group.index.add(trace.text);
    group.added.push(trace);
    if (verdict.duplicate) {
      result.near.push({ trace, of: group.added[verdict.of], similarity: verdict.similarity });
      continue;
    }
    result.kept.push(trace);
  }
  return result;
}
