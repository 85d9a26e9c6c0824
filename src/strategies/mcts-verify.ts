/**
 * rStar's mutual verification (Qi et al., 2024, arXiv:2408.06195, §3.3): a second model, the
 * discriminator, is shown the first part of a finished path and asked to complete it; a path whose
 * completion reaches the same answer is mutually consistent, since two models agree on it from the
 * same partial hint. The discriminator is the `verifier` backend, the policy when there is none.
 *
 * rStar hides a random 20–80% of the steps; here the share shown is an option and fixed, so a
 * solve reproduces without another seed stream. The discriminator completes greedily (its most
 * likely completion is its opinion, not a sample of it).
 */
import { toDeliberateError } from "../errors.ts";
import { readAnswer } from "../run/answers.ts";
import { isBudgetError } from "../run/budget.ts";
import { callModel } from "../run/call-model.ts";
import { buildMessages } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import type { BackendRole, Problem, RunContext } from "../run/types.ts";
import { splitSteps } from "../verifiers/step-scorers/split-steps.ts";
import type { MctsNode } from "./mcts-tree.ts";
import { answerOf } from "./mcts-value.ts";

/**
 * Defaults: half the steps shown (rStar's split is drawn between 20% and 80%, so half on average);
 * the top four paths checked (beyond those, a path the discriminator agrees with is rarely the best).
 */
export const MUTUAL_DEFAULTS = { prefix: 0.5, top: 4 } as const;

export interface MutualCheck {
  node: number;
  /** Steps of the path the discriminator was shown. */
  shown: number;
  /** The answer key the discriminator's completion reached. */
  key: string | null;
  /** Whether it is the path's own answer key (a path without an answer never agrees). */
  agrees: boolean;
}

export interface MutualOptions {
  /** Share of a path's steps shown to the discriminator, rounded down. */
  prefix: number;
  maxTokens: number;
  stepBreak: string;
}

/** The role that discriminates: `verifier` when the context has one, else the policy itself. */
export function discriminatorRole(ctx: RunContext): BackendRole {
  return ctx.backends.verifier ? "verifier" : "policy";
}

/** `text` up to and including its `count`-th step break ("" for none). */
export function stepPrefix(text: string, stepBreak: string, count: number): string {
  let end = 0;
  for (let i = 0; i < count; i++) {
    const at = text.indexOf(stepBreak, end);
    if (at < 0) return text.slice(0, end);
    end = at + stepBreak.length;
  }
  return text.slice(0, end);
}

/**
 * Checks each path in parallel, each under a `score` span (value 1 when it agrees). Checks the
 * budget refused are left out, and `budget` says why; an abort or any other failure is thrown.
 */
export async function mutualVerify(
  problem: Problem,
  ctx: RunContext,
  paths: MctsNode[],
  options: MutualOptions,
): Promise<{ checks: MutualCheck[]; budget?: string }> {
  const role = discriminatorRole(ctx);
  const id = problemKey(problem);
  const settled = await Promise.allSettled(
    paths.map(async (path): Promise<MutualCheck> => {
      const own = answerOf(problem, path).key;
      const shown = Math.floor(splitSteps(path.text, options.stepBreak).length * options.prefix);
      const prefix = stepPrefix(path.text, options.stepBreak, shown);
      const span = ctx.trace.start(
        "score",
        "mutual-verification",
        { candidate: path.sample, answer: own, details: { node: path.id, shown } },
        ctx.parentId,
      );
      try {
        const { completions } = await callModel(
          { ...ctx, parentId: span.id },
          {
            role,
            purpose: "judge",
            request: {
              messages: buildMessages(problem),
              assistantPrefix: prefix || undefined,
              temperature: 0,
              maxTokens: options.maxTokens,
              seed: deriveSeed({
                runSeed: ctx.seed,
                problemId: id,
                index: path.sample,
                stream: "mcts-mutual",
              }),
            },
            tags: { node: path.id },
          },
        );
        const completion = completions[0];
        const key = completion ? readAnswer(problem, prefix + completion.text).key : null;
        const agrees = own !== null && key === own;
        span.end({ value: agrees ? 1 : 0, method: "mutual", details: { node: path.id, shown, key } });
        return { node: path.id, shown, key, agrees };
      } catch (error) {
        const failure = toDeliberateError(error);
        span.end({ error: failure.message, code: failure.code });
        throw failure;
      }
    }),
  );
  const failures = settled.flatMap((r) => (r.status === "rejected" ? [toDeliberateError(r.reason)] : []));
  const fatal = failures.find((f) => f.code === "ABORTED") ?? failures.find((f) => !isBudgetError(f));
  if (fatal) throw fatal;
  const checks = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  return failures.length > 0 ? { checks, budget: failures[0].message } : { checks };
}
