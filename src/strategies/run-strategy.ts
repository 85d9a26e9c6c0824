/**
 * The frame every strategy runs in: a `strategy` span in the trace (nested under the caller's span),
 * a shared usage ledger, and the Solution assembled the same way for all. A strategy body only
 * proposes, scores and selects; it returns the chosen text and a confidence.
 */
import { toDeliberateError } from "../errors.ts";
import { readAnswer } from "./answers.ts";
import { ledgerOf } from "./call-model.ts";
import { usageSnapshot } from "./ledger.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

export interface StrategyOutcome {
  /** The chosen candidate's full text. */
  text: string;
  /** In [0, 1]; what it means is the strategy's (vote share, verifier score, token probability). */
  confidence: number;
  /** Overrides the answer key read from `text` (e.g. a vote winner whose text is one representative). */
  key?: string | null;
  /** Extra data for the strategy span (samples used, why it stopped). */
  data?: Record<string, unknown>;
}

/**
 * Runs `body` inside a `strategy` span named `name`. The body gets a context whose `parentId` is the
 * span, so its model calls, votes and nested strategies hang under it.
 */
export async function runStrategy(
  name: string,
  problem: Problem,
  ctx: StrategyContext,
  options: unknown,
  body: (ctx: StrategyContext) => Promise<StrategyOutcome>,
): Promise<Solution> {
  const started = Date.now();
  const ledger = ledgerOf(ctx);
  const span = ctx.trace.start(
    "strategy",
    name,
    { options, seed: ctx.seed, problemId: problem.id },
    ctx.parentId,
  );
  try {
    const outcome = await body({ ...ctx, ledger, parentId: span.id });
    const read = readAnswer(problem, outcome.text);
    const key = outcome.key === undefined ? read.key : outcome.key;
    const confidence = Math.min(1, Math.max(0, outcome.confidence));
    span.end({ answer: read.answer, key, confidence, ...outcome.data });
    return {
      text: outcome.text,
      answer: read.answer,
      key,
      confidence,
      usage: usageSnapshot(ledger),
      wallMs: Date.now() - started,
      traceId: ctx.trace.id,
      strategy: name,
    };
  } catch (error) {
    const failure = toDeliberateError(error);
    span.end({ error: failure.message, code: failure.code });
    throw failure;
  }
}
