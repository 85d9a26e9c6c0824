/**
 * verl's reward contract through `POST /verl/compute_score`, over real HTTP on loopback with the
 * real scorer. Bodies are shaped as verl's batch reward manager hands a batch to
 * `compute_score(data_sources=…, solution_strs=…, ground_truths=…, extra_infos=…)` (the shim in
 * docs/rewards/ forwards exactly that): numeric ground truths as datasets store them, `extra_info`
 * with verl's own `index`/`split` beside our item fields. Each result is a dict verl accepts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRealScorer } from "./service-helpers.ts";

interface VerlReply {
  scores: number[];
  results: Array<Record<string, number | string>>;
}

const service = withRealScorer({ timeoutMs: 5000, workers: 2 });

const post = (body: unknown) => service().post<VerlReply>("/verl/compute_score", body);

test("a batch as verl's batch reward manager passes it: scores, and one dict per item with the same keys", async () => {
  const batch = [
    // [data_source, solution_str, ground_truth, extra_info, score]
    ["openai/gsm8k", "Natalia sold 48 + 24 = 72 clips.\n#### 72", "72", { split: "train", index: 0 }, 1],
    ["openai/gsm8k", "She earned $10.\n#### 10", 10, { split: "train", index: 1 }, 1],
    ["DigitalLearningGmbH/MATH-lighteval", "So $x = \\boxed{\\dfrac{3}{4}}$.", "\\frac34", null, 1],
    ["DigitalLearningGmbH/MATH-lighteval", "<think>maybe 2</think> \\boxed{3}", "2", null, 0],
    ["mmlu", "The answer is (C).", "C", { index: 4, kind: "choice", choices: ["1", "2", "3", "4"] }, 1],
    [
      "code",
      "```python\ndef square(x):\n    return x * x\n```",
      "",
      { index: 5, kind: "code", tests: { language: "python", code: "assert square(3) == 9" } },
      1,
    ],
    [
      "code",
      "```python\ndef square(x):\n    raise RuntimeError('crash')\n```",
      "",
      { index: 6, kind: "code", tests: { language: "python", code: "assert square(3) == 9" } },
      0,
    ],
  ] as const;
  const reply = await post({
    data_source: batch.map((b) => b[0]),
    solution_str: batch.map((b) => b[1]),
    ground_truth: batch.map((b) => b[2]),
    extra_info: batch.map((b) => b[3]),
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.deepEqual(
    reply.json.scores,
    batch.map((b) => b[4]),
  );
  const keys = Object.keys(reply.json.results[0]!).sort();
  assert.deepEqual(keys, ["acc", "bad_gold", "pred", "score", "scored", "timeout"]);
  for (const [i, result] of reply.json.results.entries()) {
    assert.deepEqual(Object.keys(result).sort(), keys, "verl needs the same keys for every item");
    assert.equal(result.score, reply.json.scores[i]);
    assert.equal(result.scored, 1);
  }
  assert.equal(reply.json.results[0]!.pred, "72");
});

test("a ground truth that does not parse never yields 1: bad_gold, unscored", async () => {
  const golds = ["", "\\boxed{", "see the solution above"];
  const reply = await post({
    data_source: golds.map(() => "math"),
    solution_str: golds.map((gold) => `${gold} \\boxed{1}`),
    ground_truth: golds,
  });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json.scores, [0, 0, 0]);
  for (const result of reply.json.results) {
    assert.equal(result.bad_gold, 1);
    assert.equal(result.scored, 0);
  }
});

test("an empty batch is an empty answer", async () => {
  const reply = await post({ data_source: [], solution_str: [], ground_truth: [], extra_info: [] });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json, { scores: [], results: [] });
});
