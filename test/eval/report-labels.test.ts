import assert from "node:assert/strict";
import { test } from "node:test";
import { datasetNames, formatOption, reportLabels, shortModelName } from "../../src/eval/report-labels.ts";
import type { ReportRow } from "../../src/eval/report-rows.ts";

/** A row with only what labels read; numbers do not matter here. */
function row(fields: Partial<ReportRow> & Pick<ReportRow, "strategyName">): ReportRow {
  const policy = fields.policy ?? "builtin:tiny-reasoner";
  return {
    run: "run",
    cell: "",
    model: fields.model ?? policy,
    policy,
    strategy: fields.strategyName,
    strategyOptions: {},
    dataset: "synthetic:sums?difficulty=6&seed=7",
    n: 12,
    items: 12,
    seeds: 1,
    errors: 0,
    accuracy: 0.5,
    ci95: [0.2, 0.8],
    completionTokens: 0,
    tokens: 0,
    policyTokens: 0,
    calls: 1,
    cost: 0,
    costPerItem: 0,
    wallMs: 0,
    curves: [],
    byDifficulty: {},
    ...fields,
  };
}

const small = "builtin:tiny-reasoner";
const large = "builtin:tiny-reasoner-large";
const verifier = "builtin:tiny-reasoner-verifier";
const smallWithRoles = {
  policy: small,
  model: `${small} (large ${large}, verifier ${verifier})`,
  largeModel: large,
  verifierModel: verifier,
};
const sampling = { samples: 8, temperature: 1, maxTokens: 120 };

test("the demo's grid: strategy and key options first, the policy only because it varies, settings once", () => {
  const { labels, shared } = reportLabels([
    row({ ...smallWithRoles, strategyName: "cot", strategyOptions: { maxTokens: 120 } }),
    row({ ...smallWithRoles, strategyName: "self-consistency", strategyOptions: sampling }),
    row({
      ...smallWithRoles,
      strategyName: "weighted-best-of-n",
      strategyOptions: { ...sampling, verifier: "reward" },
    }),
    row({ ...smallWithRoles, strategyName: "cascade", strategyOptions: { ...sampling, threshold: 0.5 } }),
    row({ policy: large, strategyName: "cot", strategyOptions: { maxTokens: 120 } }),
    row({ policy: large, strategyName: "self-consistency", strategyOptions: sampling }),
  ]);
  assert.deepEqual(labels, [
    "cot · tiny-reasoner",
    "self-consistency · 8 samples · tiny-reasoner",
    "weighted-best-of-n · 8 samples · verifier reward · tiny-reasoner",
    "cascade · 8 samples · threshold 0.5 · tiny-reasoner",
    "cot · tiny-reasoner-large",
    "self-consistency · 8 samples · tiny-reasoner-large",
  ]);
  assert.deepEqual(shared, [
    [
      "models",
      "tiny-reasoner (policy) = builtin:tiny-reasoner · tiny-reasoner-large (large, policy) = builtin:tiny-reasoner-large · tiny-reasoner-verifier (verifier) = builtin:tiny-reasoner-verifier",
    ],
    ["dataset", "synthetic:sums?difficulty=6&seed=7 (12 problems × 1 seed)"],
    ["settings", "maxTokens 120 · temperature 1"],
  ]);
});

test("one model: no model in any label; a setting that differs between rows is in their labels", () => {
  const { labels, shared } = reportLabels([
    row({ strategyName: "self-consistency", strategyOptions: { samples: 8, temperature: 0.7 } }),
    row({ strategyName: "self-consistency", strategyOptions: { samples: 8, temperature: 1 } }),
    row({ strategyName: "self-consistency", strategyOptions: { samples: 16, stopping: { rule: "beta" } } }),
  ]);
  assert.deepEqual(labels, [
    "self-consistency · 8 samples · temperature 0.7",
    "self-consistency · 8 samples · temperature 1",
    "self-consistency · 16 samples · stopping beta",
  ]);
  assert.equal(shared[0][1], "tiny-reasoner (policy) = builtin:tiny-reasoner");
});

test("rows that differ only in run, dataset or large model are told apart; exact twins get a number", () => {
  const twins = reportLabels([
    row({ strategyName: "cot", run: "a" }),
    row({ strategyName: "cot", run: "b", dataset: "gsm8k" }),
  ]);
  assert.deepEqual(twins.labels, ["cot · sums · a", "cot · gsm8k · b"]);
  assert.deepEqual(
    twins.shared.find(([k]) => k === "datasets"),
    [
      "datasets",
      "sums = synthetic:sums?difficulty=6&seed=7 (12 problems × 1 seed) · gsm8k (12 problems × 1 seed)",
    ],
  );
  const cascades = reportLabels([
    row({ strategyName: "cascade", model: "s (large l1)", policy: "s", largeModel: "l1" }),
    row({ strategyName: "cascade", model: "s (large l2)", policy: "s", largeModel: "l2" }),
  ]);
  assert.deepEqual(cascades.labels, ["cascade · s → l1", "cascade · s → l2"]);
  assert.deepEqual(reportLabels([row({ strategyName: "cot" }), row({ strategyName: "cot" })]).labels, [
    "cot",
    "cot #2",
  ]);
});

test("datasets are named by what tells them apart", () => {
  const table: Array<[string[], string[]]> = [
    [
      ["synthetic:sums?difficulty=6&seed=11", "synthetic:sums?difficulty=4&seed=12"],
      ["difficulty 6, seed 11", "difficulty 4, seed 12"],
    ],
    [
      ["synthetic:sums?difficulty=6&seed=1", "synthetic:sums?difficulty=4&seed=1", "data/gsm8k.jsonl"],
      ["sums difficulty 6", "sums difficulty 4", "gsm8k"],
    ],
    [
      ["a/test.jsonl", "b/test.jsonl"],
      ["a/test.jsonl", "b/test.jsonl"],
    ],
  ];
  for (const [specs, names] of table) {
    const named = datasetNames(specs);
    assert.deepEqual(
      specs.map((s) => named.get(s)),
      names,
    );
  }
});

test("model specs shorten to a name unless two would share it", () => {
  const table: Array<[string, string]> = [
    ["builtin:tiny-reasoner", "tiny-reasoner"],
    ["/models/qwen2.5-0.5b-instruct-q4_k_m.gguf", "qwen2.5-0.5b-instruct-q4_k_m"],
    ["openai:qwen2.5-32b@http://10.0.0.5:8000/v1", "qwen2.5-32b"],
    ["hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M", "Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M"],
    ["small", "small"],
  ];
  for (const [spec, name] of table) assert.equal(shortModelName(spec), name, spec);
  const { labels } = reportLabels([
    row({ strategyName: "cot", policy: "a/model.gguf" }),
    row({ strategyName: "cot", policy: "b/model.gguf" }),
  ]);
  assert.deepEqual(labels, ["cot · a/model.gguf", "cot · b/model.gguf"]);
  assert.equal(
    formatOption("stopping", { rule: "dirichlet", threshold: 0.9 }),
    "stopping dirichlet (threshold 0.9)",
  );
});
