/**
 * `rollout`: a step's value by Monte-Carlo (Math-Shepherd, Wang et al., 2024, arXiv:2312.08935):
 * from each prefix, the policy finishes the solution k times, and the prefix scores the share of its
 * rollouts that reach the right answer. At inference there is no gold answer, so "right" is the
 * majority answer over every rollout of this solution (the soft estimate against a self-consistency
 * vote). We do not use the share reaching the candidate's own final answer: step search scores
 * unfinished traces, which have no final answer yet, and a wrong final answer would then count its
 * own mistakes as agreement. A prefix whose rollouts scatter scores low; one whose rollouts all land
 * on the consensus scores 1.
 *
 *   3 steps × 4 rollouts, answers [42 41 41 41] [42 42 42 41] [42 42 42 42] → majority 42 (8 of 12)
 *   → scores [0.25, 0.75, 1]
 */
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";
import type { Completion } from "../../models/types.ts";
import { readAnswer } from "../../run/answers.ts";
import { backendFor, callModel } from "../../run/call-model.ts";
import { buildMessages } from "../../run/prompts.ts";
import { deriveSeed, problemKey } from "../../run/seeds.ts";
import type { Problem, RunContext } from "../../run/types.ts";
import { strictObject } from "../../strict-object.ts";
import { fnv1a } from "../../util/fnv1a.ts";
import { parseOrBadRequest } from "../../util/parse-or-bad-request.ts";
import { concurrently } from "./concurrently.ts";
import type { StepScorer } from "./types.ts";

/** The options' fields, for `rolloutValueOptions` and the registry's `{ name: "rollout", … }`. */
export const rolloutValueShape = {
  rollouts: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe("Completions sampled from each prefix (k), 1–64. Default 4."),
  temperature: z.number().min(0).default(0.8).describe("Rollout sampling temperature. Default 0.8."),
  maxTokens: z
    .number()
    .int()
    .positive()
    .default(256)
    .describe("Most tokens per rollout (the rest of the solution). Default 256."),
  // No zod default: the registry fills in the strategy's own step break when this is not given.
  stepBreak: z
    .string()
    .min(1)
    .optional()
    .describe(
      'What separates steps in the prefix the policy continues. Default: the strategy\'s, else "\\n\\n".',
    ),
  role: z.enum(["policy", "large"]).default("policy").describe("Which model rolls out. Default policy."),
};
export const rolloutValueOptions = strictObject(rolloutValueShape, "option");
export type RolloutValueOptions = z.input<typeof rolloutValueOptions>;

export function rolloutValue(options: RolloutValueOptions = {}): StepScorer {
  const parsed = parseOrBadRequest(rolloutValueOptions, options, { subject: "step scorer `rollout`" });
  const { rollouts, temperature, maxTokens, stepBreak = "\n\n", role } = parsed;
  return {
    name: "rollout",
    async scoreSteps(problem, steps, ctx) {
      const backend = backendFor(ctx, role);
      if (!backend.capabilities.prefill) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `backend \`${backend.id}\` cannot prefill the assistant's reply, and rollouts continue a solution's prefix`,
          { param: role },
        );
      }
      const keys = await concurrently(steps.length, async (prefix) => {
        const text = `${steps.slice(0, prefix + 1).join(stepBreak)}${stepBreak}`;
        const done = await rollOut(problem, ctx, { text, prefix, rollouts, temperature, maxTokens, role });
        // The prefix may already hold the answer (a finished solution's last step).
        return done.map((completion) => readAnswer(problem, `${text}${completion.text}`).key);
      });
      const majority = majorityKey(keys.flat());
      const agreeing = keys.map((prefix) => prefix.filter((key) => key !== null && key === majority).length);
      return {
        scores: keys.map((prefix, i) => (prefix.length === 0 ? 0 : agreeing[i] / prefix.length)),
        method: "rollout",
        data: { majority, rollouts: keys.map((prefix) => prefix.length), agreeing },
      };
    },
  };
}

interface RollOutOptions {
  /** The prefix the policy continues, ending in a step break. */
  text: string;
  prefix: number;
  rollouts: number;
  temperature: number;
  maxTokens: number;
  role: "policy" | "large";
}

/** k completions of one prefix: one call with native `n`, else k calls; failed samples are dropped. */
async function rollOut(problem: Problem, ctx: RunContext, options: RollOutOptions): Promise<Completion[]> {
  const { text, prefix, rollouts, temperature, maxTokens, role } = options;
  // Seeds follow the prefix's text: the same prefix rolls out alike whichever solution it is part of.
  const stream = `rollout:${fnv1a(text).toString(16)}`;
  const seed = (index: number) =>
    deriveSeed({ runSeed: ctx.seed, problemId: problemKey(problem), index, stream });
  const request = { messages: buildMessages(problem), assistantPrefix: text, temperature, maxTokens };
  // Purpose `judge`: a verifier's calls, so nothing counts the rollouts as the strategy's candidates.
  const call = (n: number, index: number) =>
    callModel(ctx, {
      role,
      purpose: "judge",
      request: { ...request, n, seed: seed(index) },
      tags: { rollout: prefix },
    });
  const results = backendFor(ctx, role).capabilities.nativeN
    ? [await call(rollouts, 0)]
    : await concurrently(rollouts, (index) => call(1, index));
  return results
    .flatMap((result) => result.completions)
    .filter((c) => c.finishReason !== "error" && c.finishReason !== "abort");
}

/** The most frequent non-null key; the first seen wins a tie, so the choice is deterministic. */
function majorityKey(keys: Array<string | null>): string | null {
  const counts = new Map<string, number>();
  for (const key of keys) if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  let best: string | null = null;
  for (const [key, count] of counts) if (best === null || count > (counts.get(best) ?? 0)) best = key;
  return best;
}
