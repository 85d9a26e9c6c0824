/**
 * Near-duplicate detection in one pass, first kept wins: each text is compared only with the kept
 * texts that share an LSH band with it (see `bandsFor`), and is a near-duplicate when its estimated
 * Jaccard similarity with one of them reaches the threshold. Adding texts in a stable order gives
 * the same result every time.
 */
import { DeliberateError } from "../errors.ts";
import { mix32 } from "../util/fnv1a.ts";
import { bandsFor, estimateJaccard, MinHasher, type MinHashOptions } from "./minhash.ts";

export interface NearDuplicateOptions extends MinHashOptions {
  /** Estimated Jaccard similarity at or above which a text is a near-duplicate, in (0, 1]. Default 0.8. */
  threshold?: number;
  /** A hasher to share between indexes (one per problem); its settings replace the MinHash options. */
  hasher?: MinHasher;
}

/** What `add` decided: kept, or a near-copy of the kept text at `of` (its index among those added). */
export type NearDuplicateVerdict = { duplicate: false } | { duplicate: true; of: number; similarity: number };

export class NearDuplicateIndex {
  readonly threshold: number;
  private readonly hasher: MinHasher;
  private readonly rows: number;
  /** Per band: band hash → indices of kept texts with that band. */
  private readonly buckets: Array<Map<number, number[]>>;
  /** Signatures of added texts, by index (kept or not; only kept ones are in buckets). */
  private readonly signatures: Int32Array[] = [];

  constructor({ threshold = 0.8, hasher, ...minhash }: NearDuplicateOptions = {}) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new DeliberateError("BAD_REQUEST", `\`threshold\` must be in (0, 1], got ${threshold}`, {
        param: "threshold",
      });
    }
    this.threshold = threshold;
    this.hasher = hasher ?? new MinHasher(minhash);
    const { bands, rows } = bandsFor(threshold, this.hasher.permutations);
    this.rows = rows;
    this.buckets = Array.from({ length: bands }, () => new Map());
  }

  /** Decides whether `text` near-duplicates a text kept before it; keeps it when not. */
  add(text: string): NearDuplicateVerdict {
    const index = this.signatures.length;
    const signature = this.hasher.signature(text);
    this.signatures.push(signature);
    const keys = this.buckets.map((_, band) => this.bandKey(signature, band));
    const checked = new Set<number>();
    let best: { of: number; similarity: number } | undefined;
    for (const [band, key] of keys.entries()) {
      for (const candidate of this.buckets[band].get(key) ?? []) {
        if (checked.has(candidate)) continue;
        checked.add(candidate);
        const similarity = estimateJaccard(signature, this.signatures[candidate]);
        // The earliest kept text wins ties, so the verdict does not depend on bucket order.
        if (
          similarity >= this.threshold &&
          (!best || similarity > best.similarity || (similarity === best.similarity && candidate < best.of))
        ) {
          best = { of: candidate, similarity };
        }
      }
    }
    if (best) return { duplicate: true, ...best };
    for (const [band, key] of keys.entries()) {
      const bucket = this.buckets[band].get(key);
      if (bucket) bucket.push(index);
      else this.buckets[band].set(key, [index]);
    }
    return { duplicate: false };
  }

  /** A band's rows hashed to one number; a collision only adds a candidate, which is then checked. */
  private bandKey(signature: Int32Array, band: number): number {
    let h = mix32(band + 1);
    for (let i = band * this.rows; i < (band + 1) * this.rows; i++) h = mix32((h ^ signature[i]) >>> 0);
    return h >>> 0;
  }
}
