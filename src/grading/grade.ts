/**
 * `grade`: like `gradeSync`, but in a worker thread under a hard time limit (GradeOptions.timeoutMs,
 * default 5 s), so a pathological answer resolves as verdict "timeout" instead of hanging the caller.
 * Without an explicit `pool` it uses one shared pool, whose idle workers never keep the process alive.
 */
import { GradePool } from "./pool.ts";
import type { GradeOptions, GradeResult } from "./types.ts";

export interface GradeCallOptions extends GradeOptions {
  /** The pool to grade in. Default: a shared pool started on first use. */
  pool?: GradePool;
}

let shared: GradePool | null = null;

export function grade(candidate: string, gold: string, options: GradeCallOptions = {}): Promise<GradeResult> {
  const { pool, ...gradeOptions } = options;
  if (pool) return pool.grade(candidate, gold, gradeOptions);
  shared ??= new GradePool();
  return shared.grade(candidate, gold, gradeOptions);
}

/** Closes the shared pool (if started). Optional: idle workers do not keep the process alive anyway. */
export async function closeSharedGradePool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
