/**
 * Runs a verifier inside a `score` trace node, so every verifier's model calls nest under the score
 * they produced and every score is traced, whichever verifier made it.
 */
import { toDeliberateError } from "../errors.ts";
import type { Problem, RunContext } from "../run/types.ts";
import type { Verifier, VerifierScore, VerifyCandidate } from "./types.ts";

export async function verify(
  verifier: Verifier,
  problem: Problem,
  candidate: VerifyCandidate,
  ctx: RunContext,
): Promise<VerifierScore> {
  const span = ctx.trace.start(
    "score",
    verifier.name,
    { candidate: candidate.index, answer: candidate.answer },
    ctx.parentId,
  );
  try {
    const result = await verifier.score(problem, candidate, { ...ctx, parentId: span.id });
    const score = Number.isFinite(result.score) ? Math.min(1, Math.max(0, result.score)) : 0;
    span.end({ value: score, method: result.method, ...(result.data ? { details: result.data } : {}) });
    return { ...result, score };
  } catch (error) {
    const failure = toDeliberateError(error);
    span.end({ error: failure.message, code: failure.code });
    throw failure;
  }
}
