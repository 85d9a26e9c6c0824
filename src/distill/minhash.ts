/**
 * MinHash (Broder, 1997): a text becomes the set of its word n-grams (shingles), and a signature of
 * `permutations` minimums, one per seeded hash function; the share of positions where two
 * signatures agree estimates the Jaccard similarity of the two shingle sets (standard error
 * sqrt(J(1-J)/permutations), ~0.035 at J = 0.8 with 128). Banding the signature (LSH) finds the
 * pairs worth comparing without comparing all pairs: see `bandsFor`.
 */
import { DeliberateError } from "../errors.ts";
import { fnv1a, mix32 } from "../util/fnv1a.ts";
import { mulberry32 } from "../util/mulberry32.ts";

export interface MinHashOptions {
  /** Hash functions (signature length), >= 1. Default 128. */
  permutations?: number;
  /** Words per shingle, >= 1. Default 3. */
  ngram?: number;
  /** Seed of the hash functions: the same seed gives the same signatures everywhere. Default 0. */
  seed?: number;
}

/**
 * Words and single punctuation marks, lower-cased: `"12+7=19, so"` → `12 + 7 = 19 , so`. Math
 * traces are mostly symbols; splitting them keeps a changed number from hiding a whole line.
 */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/**
 * The hashes of a text's word n-grams. A text shorter than `ngram` words is one shingle (all of
 * it), so short texts still compare; an empty text has none.
 */
export function shingles(text: string, ngram: number): Set<number> {
  // Each word hashed once; an n-gram's hash chains its words' hashes through the mixer, so order
  // matters (`a b` ≠ `b a`) and `ab c` ≠ `a bc` without building n-gram strings.
  const tokens = words(text).map((word) => fnv1a(word));
  const out = new Set<number>();
  if (tokens.length === 0) return out;
  const span = Math.min(ngram, tokens.length);
  for (let start = 0; start + span <= tokens.length; start++) {
    let h = span;
    for (let i = start; i < start + span; i++) h = mix32((h ^ tokens[i]) + 0x9e3779b9);
    // Signed 32-bit values: V8 keeps them as small integers, not heap numbers (see `signature`).
    out.add(h | 0);
  }
  return out;
}

export class MinHasher {
  readonly permutations: number;
  readonly ngram: number;
  /** One 32-bit salt per hash function: h_i(x) = mix32(x XOR salt_i), a permutation of 32-bit values. */
  private readonly salts: Int32Array;

  constructor({ permutations = 128, ngram = 3, seed = 0 }: MinHashOptions = {}) {
    if (!Number.isInteger(permutations) || permutations < 1) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `\`permutations\` must be an integer >= 1, got ${permutations}`,
        {
          param: "permutations",
        },
      );
    }
    if (!Number.isInteger(ngram) || ngram < 1) {
      throw new DeliberateError("BAD_REQUEST", `\`ngram\` must be an integer >= 1, got ${ngram}`, {
        param: "ngram",
      });
    }
    this.permutations = permutations;
    this.ngram = ngram;
    const random = mulberry32(seed);
    this.salts = Int32Array.from({ length: permutations }, () => Math.floor(random() * 2 ** 32) | 0);
  }

  /**
   * The signature: per hash function, the least hash over the text's shingles (the largest value
   * for none). Hashes are compared as signed 32-bit integers: any fixed order of the values serves
   * MinHash, and int32 arithmetic keeps this loop (permutations × shingles per text, most of
   * dedupe's time) free of floating point, ~4x faster than unsigned values.
   */
  signature(text: string): Int32Array {
    const permutations = this.permutations;
    const salts = this.salts;
    const signature = new Int32Array(permutations).fill(0x7fffffff);
    for (const shingle of shingles(text, this.ngram)) {
      for (let i = 0; i < permutations; i++) {
        // mix32, written out and kept signed.
        let h = shingle ^ salts[i];
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        if (h < signature[i]) signature[i] = h;
      }
    }
    return signature;
  }
}

/** The share of positions where two signatures agree: the Jaccard similarity estimate. */
export function estimateJaccard(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) {
    throw new DeliberateError("BAD_REQUEST", `signatures of different lengths (${a.length}, ${b.length})`);
  }
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? 0 : same / a.length;
}

/**
 * LSH bands for a threshold: `bands × rows = permutations`, and two texts become candidates when
 * all `rows` values of some band agree, which happens with probability 1 - (1 - J^rows)^bands, an
 * S-curve steepest near (1/bands)^(1/rows). We take the most rows whose curve point is still at or
 * below the threshold, so pairs at the threshold are found with high probability (at 0.8 with 128
 * permutations: 16 bands of 8 rows, curve point 0.71, a pair at J = 0.8 is a candidate with
 * probability 0.95, at 0.85 with 0.99) while pairs far below it rarely are. Candidates are then
 * checked against the full signature.
 */
export function bandsFor(threshold: number, permutations: number): { bands: number; rows: number } {
  let best = { bands: permutations, rows: 1 };
  for (let rows = 1; rows <= permutations; rows++) {
    if (permutations % rows !== 0) continue;
    const bands = permutations / rows;
    if ((1 / bands) ** (1 / rows) <= threshold) best = { bands, rows };
  }
  return best;
}
