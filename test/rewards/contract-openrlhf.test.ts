/**
 * OpenRLHF's remote reward model contract (`--remote_rm_url http://HOST:PORT/openrlhf`) over real
 * HTTP on loopback with the real scorer (grading pool and sandbox). Bodies are shaped as OpenRLHF's
 * `remote_rm_fn` posts them: `query` is the templated prompt followed by the response, `prompts` the
 * templated prompt, `labels` the dataset's `--label_key` column. It reads `rewards`, `scores` and
 * the per-item lists of `extra_logs`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRealScorer } from "./service-helpers.ts";

interface OpenRlhfReply {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
}

const service = withRealScorer(
  { timeoutMs: 5000, workers: 2, shaping: { formatWeight: 0.1 } },
  { apiKeys: ["secret"] },
);

/** A Qwen-style chat template, as OpenRLHF applies it with `--apply_chat_template`. */
const template = (question: string) =>
  `<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;

const post = (body: unknown) => service().post<OpenRlhfReply>("/openrlhf", body, "secret");

test("math: the response after the prompt is graded; rewards, 0-1 scores and per-item extra_logs", async () => {
  const cases: Array<[question: string, response: string, label: string, reward: number]> = [
    ["What is 3 pens at $2 for 3, times 6?", "18 pens cost 6 × 2 = 12. \\boxed{12}<|im_end|>", "12", 1],
    ["Half of 1?", "<think>1/2 = 0.5</think>The answer is \\boxed{\\frac{1}{2}}<|im_end|>", "0.5", 1],
    ["2+2?", "It is \\boxed{5}<|im_end|>", "4", 0],
    // The prompt holds the gold's number; only the response is graded, and it has none.
    ["Is 7 prime? Answer 7 if so.", "I cannot tell.<|im_end|>", "7", 0],
  ];
  const reply = await post({
    query: cases.map(([q, r]) => template(q) + r),
    prompts: cases.map(([q]) => template(q)),
    labels: cases.map(([, , label]) => label),
  });
  assert.equal(reply.status, 200);
  const { rewards, scores, extra_logs } = reply.json;
  assert.deepEqual(
    scores,
    cases.map(([, , , reward]) => reward),
  );
  // The format term (weight 0.1) adds to correctness in `rewards`; `scores` stay 0/1 for filtering.
  for (const [i, reward] of rewards.entries()) {
    assert.ok(
      reward >= scores[i]! && reward <= scores[i]! + 0.1 + 1e-9,
      `reward ${reward}, score ${scores[i]}`,
    );
  }
  for (const [name, list] of Object.entries(extra_logs)) assert.equal(list.length, cases.length, name);
  assert.deepEqual(extra_logs.correctness, scores);
  assert.deepEqual(extra_logs.scored, [1, 1, 1, 1]);
  assert.deepEqual(extra_logs.verdict_correct, [1, 1, 0, 0]);
  assert.ok(extra_logs.format!.every((f) => f >= 0 && f <= 1));
  const verdictSums = Object.entries(extra_logs)
    .filter(([name]) => name.startsWith("verdict_"))
    .reduce((sum, [, list]) => sum + list.reduce((a, b) => a + b, 0), 0);
  assert.equal(verdictSums, cases.length, "each item has exactly one verdict");
});

test("a gold that does not parse never yields 1, whatever the response: bad-gold, counted, unscored", async () => {
  const labels = ["", "\\boxed{3", "The problem is ill-posed.", "\\boxed{}"];
  const responses = (label: string) => [label, "\\boxed{3}", `So the answer is ${label}`];
  const query = labels.flatMap((label) => responses(label).map((r) => template("Q") + r));
  const reply = await post({
    query,
    prompts: query.map(() => template("Q")),
    labels: labels.flatMap((label) => responses(label).map(() => label)),
  });
  assert.equal(reply.status, 200);
  assert.ok(
    reply.json.rewards.every((r) => r === 0),
    `rewards ${reply.json.rewards}`,
  );
  assert.ok(reply.json.scores.every((s) => s === 0));
  assert.ok(reply.json.extra_logs.verdict_bad_gold!.every((b) => b === 1));
  assert.ok(reply.json.extra_logs.scored!.every((s) => s === 0));
});

test("code labels: a JSON label with tests; crashed code and a refused import get 0, passing code 1", async () => {
  const tests = JSON.stringify({
    kind: "code",
    tests: { language: "python", code: "assert add(2, 3) == 5\nassert add(-1, 1) == 0" },
  });
  const responses = [
    "```python\ndef add(a, b):\n    return a + b\n```",
    "```python\ndef add(a, b):\n    return 1 / 0\n```",
    "```python\nimport ctypes\ndef add(a, b):\n    return a + b\n```",
    "```python\ndef add(a, b) return a + b\n```",
    "```python\nimport sys\nsys.exit(0)\n```",
  ];
  const reply = await post({
    query: responses.map((r) => template("Write add(a, b).") + r),
    prompts: responses.map(() => template("Write add(a, b).")),
    labels: responses.map(() => tests),
  });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json.scores, [1, 0, 0, 0, 0]);
  assert.equal(reply.json.extra_logs.verdict_correct![0], 1);
});

test("choice labels; a JSON-looking gold; a query that does not start with its prompt is graded whole", async () => {
  const choice = JSON.stringify({ kind: "choice", gold: "B", choices: ["Paris", "Lyon", "Nice"] });
  const reply = await post({
    query: [
      "The answer is (B).",
      "The answer is Paris.",
      "no template here: \\boxed{9}",
      "So \\boxed{\\{1, 2\\}}",
    ],
    prompts: ["Which city? ", "Which city? ", "a different prompt", ""],
    // A label that looks like JSON but names no item field is a gold answer like any other.
    labels: [choice, choice, "9", '{"1": 1}'],
  });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json.scores.slice(0, 3), [1, 0, 1]);
  assert.equal(reply.json.extra_logs.verdict_bad_gold![3], 0, "a JSON-looking gold is graded, not refused");
});

test("without prompts (OpenRLHF's older client sends only query and labels) the query is graded", async () => {
  const reply = await post({ query: ["so \\boxed{42}"], labels: ["42"] });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json.scores, [1]);
});
