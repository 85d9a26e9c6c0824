/**
 * Synthetic problem sets: seeded, reproducible generators with exact answers and several valid
 * step-by-step solutions per item. Type-only.
 *
 * Solution trace format (shared by every generator, read by the tiny-model lab and by graders):
 * - plain ASCII, one step per line, lines joined with "\n", no trailing newline;
 * - a step is compact arithmetic such as `3+4=7`, `x=15/3=5`, `not 0=1`, `391 mod 7=6`;
 * - the last line is `#### ANSWER` (the GSM8K convention, which graders already extract).
 * At difficulty 1 the question plus its shortest solution fit in about 100 characters, so the
 * lab's smallest model (a context of ~80–128 characters) can see both.
 */
import type { Rng } from "./rng.ts";

export interface SyntheticItem {
  /** `NAME-dD-sSEED-INDEX`; the same (name, difficulty, seed, index) always gives the same item. */
  id: string;
  question: string;
  /** The exact answer, in the form the solutions' last line gives it. */
  answer: string;
  /** 1 = easiest; there is no upper bound, but generators stop growing somewhere around 8. */
  difficulty: number;
  /** A finer slice than the generator, e.g. `two-sided` linear equations. */
  category?: string;
  /** Several distinct valid traces (different orders, decompositions, lengths), each ending in `#### ANSWER`. */
  solutions: string[];
  /** Generator-specific data a checker needs (countdown: the numbers and target). */
  meta?: Record<string, unknown>;
}

export interface GenerateOptions {
  /** Difficulty knob, an integer >= 1. Default 1. */
  difficulty?: number;
  /** How many items, >= 0. Default 100. */
  n?: number;
  /**
   * The easiest level, 1 <= from <= difficulty: items cycle through levels from..difficulty
   * (item j at level from + j mod levels), so a mixed set has equal shares. Default: difficulty.
   */
  from?: number;
  /** Seed; item i depends only on (generator, difficulty, seed, i), so a larger `n` extends a smaller one. Default 1. */
  seed?: number;
}

/** Makes item `index` of a set from its own random stream. */
export type ItemMaker = (rng: Rng, difficulty: number) => Omit<SyntheticItem, "id" | "difficulty">;

/** The generators' names, as used in `synthetic:NAME` dataset specs. */
export type SyntheticName =
  | "arithmetic"
  | "linear"
  | "fractions"
  | "countdown"
  | "modular"
  | "logic"
  | "sums"
  | "chain";
