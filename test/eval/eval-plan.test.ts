import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { defaultOutDir, parseEvalPlan, parseStrategySpec, readEvalFile } from "../../src/eval/eval-plan.ts";
import { runEvalPlan } from "../../src/eval/run-plan.ts";

function writeYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-plan-"));
  const path = join(dir, "eval.yaml");
  writeFileSync(path, text);
  return path;
}

test("strategy specs: options as a query string, typed", () => {
  assert.deepEqual(parseStrategySpec("cot"), { name: "cot" });
  assert.deepEqual(
    parseStrategySpec('self-consistency?samples=8&temperature=0.7&inner=cot&stopping={"rule":"none"}'),
    {
      name: "self-consistency",
      options: { samples: 8, temperature: 0.7, inner: "cot", stopping: { rule: "none" } },
    },
  );
  assert.deepEqual(parseStrategySpec("x?flag=true"), { name: "x", options: { flag: true } });
});

test("a YAML eval file: defaults applied, paths relative to the file, synthetic specs kept", () => {
  const path = writeYaml(
    [
      "models: [tiny.gguf, { spec: 'openai:q@http://h/v1', name: q, concurrency: 8, price: { prompt: 1, completion: 2 } }]",
      "strategies: [cot, { name: self-consistency, options: { samples: 4 } }]",
      "datasets:",
      "  - synthetic:linear?difficulty=2&n=5",
      "  - { path: data/gsm8k.jsonl, layout: gsm8k, limit: 10 }",
      "seeds: 3",
      "out: runs/x",
    ].join("\n"),
  );
  const plan = readEvalFile(path);
  const dir = join(path, "..");
  assert.equal(plan.seeds, 3);
  assert.equal(plan.concurrency, 4);
  assert.equal(plan.grader, "pool");
  assert.deepEqual(plan.datasets, [
    "synthetic:linear?difficulty=2&n=5",
    { path: join(dir, "data/gsm8k.jsonl"), layout: "gsm8k", limit: 10 },
  ]);
  assert.equal(plan.out, join(dir, "runs/x"));
  assert.deepEqual(plan.strategies[1], { name: "self-consistency", options: { samples: 4 } });
});

test("eval file errors name the file, line and key", () => {
  const cases: Array<[string, RegExp]> = [
    ["models: [a.gguf]\ndatasets: [d.jsonl]\nseeds: 0\n", /eval\.yaml:3: `seeds`/],
    [
      "models: [a.gguf]\ndatasets: [d.jsonl]\nsamples: 2\nbogus: 1\n",
      /eval\.yaml:4: the file: .*bogus|eval\.yaml:4/,
    ],
    [
      "models: [a.gguf]\ndatasets:\n  - { path: d.jsonl, layout: nope }\n",
      /eval\.yaml:3: `datasets\.0\.layout`/,
    ],
    ["models: [a.gguf\n", /eval\.yaml:\d+:\d+:/],
    ["datasets: [d.jsonl]\n", /`models`/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => readEvalFile(writeYaml(text)),
      (error: unknown) => DeliberateError.isInstance(error) && pattern.test(error.message),
      text,
    );
  }
  assert.throws(() => parseEvalPlan({ models: ["m"], datasets: ["d"], limit: -1 }), /eval option `limit`/);
});

test("the default run folder is a hash of the grid: the same command resumes the same run", () => {
  const plan = parseEvalPlan({ models: ["m"], datasets: ["synthetic:linear"] });
  assert.equal(
    defaultOutDir(plan),
    defaultOutDir(parseEvalPlan({ models: ["m"], datasets: ["synthetic:linear"] })),
  );
  assert.notEqual(
    defaultOutDir(plan),
    defaultOutDir(parseEvalPlan({ models: ["m"], datasets: ["synthetic:linear"], seeds: 2 })),
  );
  assert.match(defaultOutDir(plan), /^runs\/eval-[0-9a-f]{10}$/);
});

test("large and verifier models: per entry in YAML, or for every entry; part of the default run folder", () => {
  const path = writeYaml(
    [
      "models:",
      "  - { spec: tiny.gguf, large: big.gguf, verifier: judge.gguf, largePrice: { prompt: 3, completion: 15 } }",
      "  - big.gguf",
      "strategies: [cascade, cot]",
      "datasets: [synthetic:arithmetic]",
    ].join("\n"),
  );
  const plan = readEvalFile(path);
  assert.deepEqual(plan.models[0], {
    spec: "tiny.gguf",
    large: "big.gguf",
    verifier: "judge.gguf",
    largePrice: { prompt: 3, completion: 15 },
  });
  const bad = writeYaml("models:\n  - { spec: a.gguf, larger: b.gguf }\ndatasets: [synthetic:linear]\n");
  assert.throws(() => readEvalFile(bad), /eval\.yaml:2: `models\.0`: .*larger/);

  const base = { models: ["a.gguf"], datasets: ["synthetic:linear"] };
  const plain = parseEvalPlan(base);
  const withLarge = parseEvalPlan({ ...base, large: "b.gguf" });
  assert.equal(withLarge.large, "b.gguf");
  assert.notEqual(defaultOutDir(withLarge), defaultOutDir(plain));
  assert.notEqual(defaultOutDir(parseEvalPlan({ ...base, verifier: "b.gguf" })), defaultOutDir(withLarge));
  // Plans without large or verifier models keep the folder they had before these options existed.
  const before = JSON.stringify([
    plain.models,
    plain.strategies,
    plain.datasets,
    plain.seeds,
    undefined,
    undefined,
    undefined,
  ]);
  assert.equal(
    defaultOutDir(plain),
    join("runs", `eval-${createHash("sha256").update(before).digest("hex").slice(0, 10)}`),
  );
});

test("a model entry naming a strategy the plan does not run is refused, naming both", async () => {
  const plan = parseEvalPlan({
    models: [{ spec: "a.gguf", strategies: ["cascade"] }],
    strategies: ["cot"],
    datasets: ["synthetic:sums?n=2"],
  });
  await assert.rejects(runEvalPlan(plan), (error: DeliberateError) => {
    assert.equal(error.code, "BAD_REQUEST");
    assert.match(error.message, /`a\.gguf` lists strategy `cascade`.*\(cot\)/);
    return true;
  });
});
