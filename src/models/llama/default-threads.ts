/** The default llama.cpp thread count (no node-llama-cpp import: `--help` reads it). */
import { availableParallelism } from "node:os";

/** Weights below this size decode fastest on one thread (measured: see `defaultThreads`). */
const SMALL_MODEL_BYTES = 256 * 1024 * 1024;

/**
 * Threads per context when the caller does not say, from the model's size and the cores this
 * process may use. Small models are memory-light and step in well under a millisecond, so extra
 * threads mostly spin-wait on each other: on a busy 2-core machine 2 threads ran a 16-sample solve
 * of `builtin:tiny-reasoner` ~35x slower than 1. Larger models get up to 4, leaving a core for Node.
 *
 * The choice never follows the moment's load: llama.cpp's rounding depends on the thread count, so
 * a default that changed with load would change the samples a seed gives.
 */
export function defaultThreads(modelBytes: number, cores = availableParallelism()): number {
  if (modelBytes < SMALL_MODEL_BYTES) return 1;
  return Math.min(4, Math.max(1, cores - 1));
}

/** What `defaultThreads` picks on this machine, for `--help`. */
export function describeDefaultThreads(cores = availableParallelism()): string {
  const large = defaultThreads(SMALL_MODEL_BYTES, cores);
  return `default: 1 for models under 256 MB, ${large} for larger ones on this machine's ${cores} cores; samples reproduce for the same thread count`;
}
