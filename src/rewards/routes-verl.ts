/**
 * `POST /verl/compute_score`: verl's reward function, batched. verl calls
 * `compute_score(data_source, solution_str, ground_truth, extra_info)` per item, or with the batch
 * reward manager `compute_score(data_sources=…, solution_strs=…, ground_truths=…, extra_infos=…)`;
 * `docs/rewards/verl_compute_score.py` forwards either here as lists:
 * `{data_source: [str], solution_str: [str], ground_truth: [str | number], extra_info: [object | null]}`.
 *
 * The answer: `{scores: [float], results: [{score, acc, pred, scored, …}]}`. `results[i]`
 * is the dict verl accepts from `compute_score` (`score` is the reward, the other keys are logged;
 * every item has the same keys, as verl requires). `extra_info` may carry item fields: `kind`
 * (`math` by default), `choices`, `tests` (`{language, code}` for code), and `prompt`.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { readJsonBody } from "../server/json-body.ts";
import type { RewardEnv, RewardState } from "./reward-app.ts";
import { rewardSpecSchema } from "./routes-native.ts";
import type { RewardItem, RewardResult } from "./types.ts";

/**
 * `extra_info`'s fields we read; verl's own (`index`, `split`, …) are ignored. A field that is null
 * is absent: verl hands a parquet struct's field that is null in this row as None (a mixed dataset's
 * math rows have no `tests`).
 */
const extraInfoSchema = z.preprocess(
  (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null))
      : value,
  rewardSpecSchema.omit({ gold: true }).extend({ prompt: z.string().optional() }),
);

const requestSchema = z.object({
  data_source: z.array(z.string()).optional(),
  solution_str: z.array(z.string()),
  // Datasets store numeric answers as numbers; they are graded as the text JSON gives them.
  ground_truth: z.array(z.union([z.string(), z.number().transform(String)])),
  extra_info: z.array(extraInfoSchema.nullable()).optional(),
});

/**
 * The dict verl logs for one item: the reward as `score`, then accuracy and the answer read (as
 * verl's own math scorers return them), and 0/1 flags whose batch means verl logs: scored, timed
 * out, bad gold. Numbers only besides `pred`, so verl's metric reductions take every key.
 */
function verlResult(result: RewardResult, shaped: { format: boolean; length: boolean }) {
  return {
    score: result.reward,
    acc: result.components.correctness,
    pred: result.predicted ?? "",
    scored: result.scored ? 1 : 0,
    timeout: result.verdict === "timeout" ? 1 : 0,
    bad_gold: result.verdict === "bad-gold" ? 1 : 0,
    ...(shaped.format ? { format: result.components.format ?? 0 } : {}),
    ...(shaped.length ? { length: result.components.length ?? 0 } : {}),
  };
}

export function verlRoute(app: Hono<RewardEnv>, state: RewardState): void {
  app.post("/verl/compute_score", async (c) => {
    const body = await readJsonBody(c, requestSchema);
    const count = body.solution_str.length;
    for (const name of ["data_source", "ground_truth", "extra_info"] as const) {
      const list = body[name];
      if (list !== undefined && list.length !== count) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `request body field \`${name}\` has ${list.length} entries and \`solution_str\` has ${count}`,
          { param: name },
        );
      }
    }
    const items: RewardItem[] = body.solution_str.map((output, i) => ({
      output,
      gold: body.ground_truth[i],
      ...(body.extra_info?.[i] ?? {}),
    }));
    const results = await state.score("/verl/compute_score", items, c.req.raw.signal);
    const shaped = {
      format: results.some((r) => r.components.format !== undefined),
      length: results.some((r) => r.components.length !== undefined),
    };
    return c.json({
      scores: results.map((r) => r.reward),
      results: results.map((r) => verlResult(r, shaped)),
    });
  });
}
