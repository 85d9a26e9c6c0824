/**
 * Seed derivation, in one place: every sampled call takes a seed derived from (run seed, problem id,
 * sample index) so a run reproduces exactly and caches hit, and no two samples share a seed.
 */
import type { Problem } from "./types.ts";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 code units: tiny, stable across platforms, good enough to spread seeds. */
function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/** The problem's stable id: its own `id`, else a hash of its messages (same question → same seeds). */
export function problemKey(problem: Problem): string {
  if (problem.id !== undefined) return problem.id;
  const text = problem.messages.map((m) => `${m.role}\u0000${m.content}`).join("\u0001");
  return `h${fnv1a(text).toString(16)}`;
}

export interface SeedOptions {
  /** The run's base seed (`ctx.seed`). */
  runSeed: number;
  /** From `problemKey(problem)`. */
  problemId: string;
  /** Index of the sample within the strategy, 0-based. */
  index: number;
  /** Separates seed streams of different purposes in one solve (e.g. `judge`, `refine:2`). Default "". */
  stream?: string;
}

/** A non-negative 31-bit seed, accepted by llama.cpp and OpenAI-compatible servers alike. */
export function deriveSeed({ runSeed, problemId, index, stream = "" }: SeedOptions): number {
  return fnv1a(`${runSeed}\u0000${problemId}\u0000${stream}\u0000${index}`) & 0x7fffffff;
}
