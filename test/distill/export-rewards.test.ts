/**
 * The RL prompt sets scored by the real `deliberate rewards serve` (grading pool and sandbox, on
 * loopback), as each trainer would send them: OpenRLHF's `labels` from `openrlhf/prompts.jsonl`,
 * verl's `ground_truth` and `extra_info` from the parquet read back, and TRL's columns from
 * `trl/grpo.jsonl` as `docs/rewards/trl_reward_func.py` forwards them. A right answer of every kind
 * earns 1 and a wrong one 0, so the labels carry what the service needs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { withRealScorer } from "../rewards/service-helpers.ts";
import { exported, readJsonl } from "./fixtures/read-export.ts";
import { sampleDataset, subset } from "./fixtures/sample-dataset.ts";

const service = withRealScorer({ timeoutMs: 10_000, workers: 2 });

/** A right and a wrong response per problem of the sample, by problem id. */
const responses: Record<string, [right: string, wrong: string]> = {
  "add-1": ["<think>17 + 25 = 42</think>\nThe answer is \\boxed{42}.", "\\boxed{32}"],
  "roots-2": ["The roots are 1 and 2: \\boxed{\\{1, 2\\}}", "\\boxed{\\{3\\}}"],
  "planet-3": ["The answer is B.", "The answer is A."],
  "code-4": [
    "```python\ndef add(a, b):\n    return a + b\n```",
    "```python\ndef add(a, b):\n    return a - b\n```",
  ],
  "symbol-5": ["<think>Gold is aurum.</think>\nAu", "Ag"],
  "hard-6": ["\\boxed{121932631112635269}", "\\boxed{121932631112635260}"],
};

/** A Qwen-style chat template, as OpenRLHF renders `input` with `--apply_chat_template`. */
const template = (messages: Array<{ role: string; content: string }>) =>
  `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("")}<|im_start|>assistant\n`;

test("openrlhf/prompts.jsonl: labels the service grades, for every kind", async () => {
  const data = sampleDataset();
  const rows = readJsonl(join(await exported(data), "openrlhf/prompts.jsonl")) as Array<{
    input: Array<{ role: string; content: string }>;
    label: string;
  }>;
  const ids = data.prompts.map((p) => p.id);
  const prompts = rows.flatMap((row) => [template(row.input), template(row.input)]);
  const query = ids.flatMap((id, i) => responses[id].map((response, j) => prompts[2 * i + j] + response));
  const reply = await service().post<{ scores: number[] }>("/openrlhf", {
    query,
    prompts,
    labels: rows.flatMap((row) => [row.label, row.label]),
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.deepEqual(
    reply.json.scores,
    ids.flatMap(() => [1, 0]),
  );
});

test("verl parquet rows: ground_truth and extra_info as verl hands them to the reward function", async () => {
  // Every kind at once (null kind and tests where a row has none), and a code-only set.
  for (const data of [sampleDataset(), subset((p) => p.kind === "code")]) {
    const file = await asyncBufferFromFile(join(await exported(data), "verl/train.parquet"));
    const rows = (await parquetReadObjects({ file })) as Array<{
      reward_model: { ground_truth: string };
      extra_info: Record<string, unknown>;
    }>;
    // As pyarrow hands them to the shim, which posts JSON: ints for hyparquet's bigints, None (null)
    // for a null struct, which hyparquet gives as undefined.
    const extraInfo = rows.map((row) => ({
      ...row.extra_info,
      index: Number(row.extra_info.index),
      tests: row.extra_info.tests ?? null,
    }));
    const ids = data.prompts.map((p) => p.id);
    const reply = await service().post<{ scores: number[] }>("/verl/compute_score", {
      data_source: rows.flatMap(() => ["deliberate/distill", "deliberate/distill"]),
      solution_str: ids.flatMap((id) => responses[id]),
      ground_truth: rows.flatMap((row) => [row.reward_model.ground_truth, row.reward_model.ground_truth]),
      extra_info: extraInfo.flatMap((info) => [info, info]),
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.json));
    assert.deepEqual(
      reply.json.scores,
      ids.flatMap(() => [1, 0]),
      ids.join(","),
    );
  }
});

test("trl/grpo.jsonl: ground_truth, kind and tests forwarded as trl_reward_func.py does", async () => {
  const data = sampleDataset();
  const rows = readJsonl(join(await exported(data), "trl/grpo.jsonl")) as Array<Record<string, unknown>>;
  const ids = data.prompts.map((p) => p.id);
  // The shim's item: output and prompt, `gold` from the first gold column, then kind and tests when not None.
  const items = rows.flatMap((row, i) =>
    responses[ids[i]].map((output) => ({
      output,
      gold: row.ground_truth,
      ...(row.kind === undefined ? {} : { kind: row.kind }),
      ...(row.tests === undefined ? {} : { tests: row.tests }),
    })),
  );
  const reply = await service().post<{ results: Array<{ reward: number; scored: boolean }> }>("/v1/rewards", {
    items,
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.deepEqual(
    reply.json.results.map((r) => [r.reward, r.scored]),
    ids.flatMap(() => [
      [1, true],
      [0, true],
    ]),
  );
});
