/**
 * The seeded randomness generators draw from: the shared mulberry32 stream (`src/util/mulberry32.ts`)
 * with the helpers generators need. Math.random is never used: an item must be the same on every
 * machine and every run.
 */
import { fnv1a, mix32 } from "../util/fnv1a.ts";
import { Mulberry32 } from "../util/mulberry32.ts";

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** True with probability p. */
  chance(p: number): boolean;
}

/** Mixes several values into one 32-bit seed: FNV-1a over `"part|"` for each part, then a murmur finaliser. */
export function mixSeed(...parts: Array<number | string>): number {
  return mix32(fnv1a(parts.map((part) => `${part}|`).join("")));
}

export function createRng(seed: number): Rng {
  const generator = new Mulberry32(seed);
  const next = (): number => generator.next();
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)],
    shuffle: (items) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    },
    chance: (p) => next() < p,
  };
}
