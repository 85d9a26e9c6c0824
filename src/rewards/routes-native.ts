/**
 * `POST /v1/rewards`: deliberate's own contract. `{items: RewardItem[]}` → `{results: RewardResult[]}`,
 * the full verdict per item (reward, verdict, scored, predicted and gold answers, method, reason,
 * components, ms). The TRL reward function (`docs/rewards/trl_reward_func.py`) calls it. The item
 * schemas here are the boundary for every route that builds items.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { readJsonBody } from "../server/json-body.ts";
import type { RewardEnv, RewardState } from "./reward-app.ts";
import type { RewardItem } from "./types.ts";

const codeTestsSchema = z.object({
  language: z.enum(["javascript", "python"]),
  code: z.string(),
});

/** What an item must equal or pass, without the output: the fields a label or `extra_info` may carry. */
export const rewardSpecSchema = z.object({
  gold: z.string().optional(),
  kind: z.enum(["math", "choice", "code"]).optional(),
  choices: z.array(z.string()).optional(),
  tests: codeTestsSchema.optional(),
});

/** One `RewardItem`; unknown fields are refused, so a misspelt `gold` is a 400, not a bad-gold item. */
export const rewardItemSchema = rewardSpecSchema
  .extend({ output: z.string(), prompt: z.string().optional() })
  .strict();

const requestSchema = z.object({ items: z.array(rewardItemSchema) });

export function nativeRoute(app: Hono<RewardEnv>, state: RewardState): void {
  app.post("/v1/rewards", async (c) => {
    const { items } = await readJsonBody(c, requestSchema);
    const results = await state.score("/v1/rewards", items satisfies RewardItem[], c.req.raw.signal);
    return c.json({ results });
  });
}
