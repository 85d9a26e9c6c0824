/**
 * `POST /openrlhf`: OpenRLHF's remote reward model (`--remote_rm_url http://HOST:PORT/openrlhf`).
 * OpenRLHF posts `{query, prompts, labels}`: `query[i]` is the prompt and the response together,
 * `prompts[i]` the prompt alone, `labels[i]` the dataset's `--label_key` column (the gold answer).
 * It reads `rewards` (for advantages), `scores` (0–1, for dynamic filtering) and `extra_logs` (logged
 * to wandb, split with the batch, so every entry is a per-item list).
 *
 * A label is a gold answer, or a JSON object with the fields of a `RewardItem` for other kinds:
 * `{"kind": "code", "tests": {"language": "python", "code": "assert add(2, 3) == 5"}}`,
 * `{"kind": "choice", "gold": "B", "choices": ["3", "4", "5"]}`.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { readJsonBody } from "../server/json-body.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import type { RewardEnv, RewardState } from "./reward-app.ts";
import { rewardSpecSchema } from "./routes-native.ts";
import type { RewardItem, RewardResult, RewardVerdict } from "./types.ts";

const requestSchema = z.object({
  query: z.array(z.string()),
  prompts: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
});

const VERDICTS: readonly RewardVerdict[] = [
  "correct",
  "incorrect",
  "unparseable",
  "error",
  "timeout",
  "bad-gold",
];

/** The item a label describes: a plain gold answer, or a JSON object of item fields. */
function itemOf(output: string, label: string, index: number, prompt: string | undefined): RewardItem {
  const base = { output, ...(prompt === undefined ? {} : { prompt }) };
  if (!label.trimStart().startsWith("{")) return { ...base, gold: label };
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    // Not JSON: a LaTeX set such as `{1, 2}` is a gold answer like any other.
    return { ...base, gold: label };
  }
  // Only an object naming an item field is a spec: `{}` (an empty set) stays a gold answer.
  const isSpec =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.keys(parsed).some((key) => key in rewardSpecSchema.shape);
  if (!isSpec) return { ...base, gold: label };
  return {
    ...base,
    ...parseOrBadRequest(rewardSpecSchema.strict(), parsed, {
      subject: `\`labels.${index}\` (a JSON label)`,
      paramPrefix: ["labels", index],
    }),
  };
}

/** The response text: the query after its prompt, when it starts with it (OpenRLHF's `query` = prompt + response). */
function responseOf(query: string, prompt: string | undefined): string {
  return prompt !== undefined && query.startsWith(prompt) ? query.slice(prompt.length) : query;
}

/** Per-item lists for wandb: each component, whether the item was scored, one 0/1 list per verdict. */
function extraLogs(results: readonly RewardResult[]): Record<string, number[]> {
  const logs: Record<string, number[]> = {
    correctness: results.map((r) => r.components.correctness),
    scored: results.map((r) => (r.scored ? 1 : 0)),
  };
  if (results.some((r) => r.components.format !== undefined)) {
    logs.format = results.map((r) => r.components.format ?? 0);
  }
  if (results.some((r) => r.components.length !== undefined)) {
    logs.length = results.map((r) => r.components.length ?? 0);
  }
  // Their sums are the verdict counts; OpenRLHF logs the batch mean, the share of each verdict.
  for (const verdict of VERDICTS) {
    logs[`verdict_${verdict.replace("-", "_")}`] = results.map((r) => (r.verdict === verdict ? 1 : 0));
  }
  return logs;
}

export function openrlhfRoute(app: Hono<RewardEnv>, state: RewardState): void {
  app.post("/openrlhf", async (c) => {
    const { query, prompts, labels } = await readJsonBody(c, requestSchema);
    if (labels === undefined) {
      throw new DeliberateError(
        "BAD_REQUEST",
        "request body field `labels` is missing: start OpenRLHF with `--label_key` naming the gold answers' column",
        { param: "labels" },
      );
    }
    for (const [name, list] of [
      ["labels", labels],
      ["prompts", prompts],
    ] as const) {
      if (list !== undefined && list.length !== query.length) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `request body field \`${name}\` has ${list.length} entries and \`query\` has ${query.length}`,
          { param: name },
        );
      }
    }
    const items = query.map((text, i) => itemOf(responseOf(text, prompts?.[i]), labels[i]!, i, prompts?.[i]));
    const results = await state.score("/openrlhf", items, c.req.raw.signal);
    return c.json({
      rewards: results.map((r) => r.reward),
      scores: results.map((r) => r.components.correctness),
      extra_logs: extraLogs(results),
    });
  });
}
