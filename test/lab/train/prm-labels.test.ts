import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCacheDecoder } from "../../../src/lab/model/kv-cache-decoder.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import { buildTaskData, type TaskExample } from "../../../src/lab/tasks/task-data.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { hardLabel, labelProblems, labelSteps } from "../../../src/lab/train/prm-labels.ts";
import { type StepPolicy, samplingPolicy } from "../../../src/lab/train/prm-policy.ts";
import { generateSynthetic } from "../../../src/tasks/index.ts";

// "Compute 3+9+9." = 21.
const [item] = generateSynthetic("sums", { difficulty: 2, n: 1, seed: 4 });
const example: TaskExample = { item, prompt: [], solutions: [] };

/**
 * A policy with a known chance of finishing right from each prefix: from a prefix with rate r it
 * writes round(r·count) right completions and the rest wrong, and records what it was asked.
 */
function scriptedPolicy(solutions: string[], rates: Record<string, number>) {
  const asked: string[][] = [];
  const policy: StepPolicy = {
    solve: (_, count) => solutions.slice(0, count),
    continueFrom: (_, steps, count) => {
      asked.push([...steps]);
      const rate = rates[steps.join("\n")];
      assert.ok(rate !== undefined, `unscripted prefix ${JSON.stringify(steps)}`);
      const right = Math.round(rate * count);
      return Array.from({ length: count }, (_, c) => `${steps.join("\n")}\n#### ${c < right ? 21 : 20}`);
    },
  };
  return { policy, asked };
}

const rates = {
  "3+9=12": 0.75,
  "3+9=12\n12+9=21": 1,
  "3+9=12\n12+9=22": 0,
  "9+9=18": 0.25,
  "9+9=18\n18+3=21": 0.875,
};

test("MC step labels: each prefix's value is the share of its rollouts that end right; the solution's own is its correctness", () => {
  const { policy, asked } = scriptedPolicy([], rates);
  const right = labelSteps(policy, example, 0, "3+9=12\n12+9=21\n#### 21", { rollouts: 8 });
  assert.deepEqual(right.steps, ["3+9=12", "12+9=21", "#### 21"]);
  assert.deepEqual(right.correct, [6, 8, 1]);
  assert.deepEqual(right.rollouts, [8, 8, 0]);
  assert.deepEqual(right.values, [0.75, 1, 1]);
  assert.equal(right.label, 1);
  assert.equal(right.predicted, "21");
  // Wrong at the second step: the prefix through it never finishes right.
  const wrong = labelSteps(policy, example, 0, "3+9=12\n12+9=22\n#### 22", { rollouts: 8 });
  assert.deepEqual(wrong.values, [0.75, 0, 0]);
  assert.equal(wrong.label, 0);
  assert.deepEqual(
    [0, 1, 2].map((i) => hardLabel(wrong, i)),
    [1, 0, 0],
  );
  // The policy continued exactly the trimmed prefixes, never the whole solution.
  assert.deepEqual(asked, [["3+9=12"], ["3+9=12", "12+9=21"], ["3+9=12"], ["3+9=12", "12+9=22"]]);
});

test("MC step labels: an unfinished solution (no answer line) ends on a wrong last prefix; blank lines are no steps", () => {
  const { policy } = scriptedPolicy([], rates);
  const cut = labelSteps(policy, example, 2, "9+9=18\n\n 18+3=21 \n", { rollouts: 8 });
  assert.deepEqual(cut.steps, ["9+9=18", "18+3=21"]);
  assert.deepEqual(cut.values, [0.25, 0]);
  assert.equal(cut.label, 0);
  assert.equal(cut.problem, 2);
  const empty = labelSteps(policy, example, 0, "", { rollouts: 8 });
  assert.deepEqual([empty.steps, empty.values, empty.label], [[], [], 0]);
});

test("MC step labels: a problem's samples share the rollouts of a common prefix; every sample is labelled", () => {
  const solutions = ["3+9=12\n12+9=21\n#### 21", "3+9=12\n12+9=22\n#### 22", "9+9=18\n18+3=21\n#### 21"];
  const { policy, asked } = scriptedPolicy(solutions, rates);
  const problems: number[] = [];
  const samples = labelProblems(policy, [example, example], {
    samplesPerProblem: 3,
    rollouts: 8,
    onProblem: (done, total) => problems.push(done, total),
  });
  assert.equal(samples.length, 6);
  assert.deepEqual(
    samples.map((s) => s.problem),
    [0, 0, 0, 1, 1, 1],
  );
  const perProblem = [
    [0.75, 1, 1],
    [0.75, 0, 0],
    [0.25, 0.875, 1],
  ];
  assert.deepEqual(
    samples.map((s) => s.values),
    [...perProblem, ...perProblem],
  );
  // Six unfinished prefixes per problem, "3+9=12" twice: rolled out once per problem (the memo is
  // per problem), so 5 × 2 calls.
  assert.equal(asked.length, 10);
  assert.equal(asked.filter((steps) => steps.join("\n") === "3+9=12").length, 2);
  assert.deepEqual(problems, [1, 2, 2, 2]);
});

test("sampling policy: rollouts branch from the fed prefix exactly as a fresh decode of prefix + continuation would", () => {
  const data = buildTaskData({
    task: "sums",
    difficulty: 2,
    trainSize: 20,
    validSize: 2,
    seed: 3,
    contextLength: 48,
  });
  const model = new LlamaModel(
    {
      vocabSize: data.tokenizer.vocabSize,
      dim: 16,
      layers: 1,
      heads: 2,
      ffnDim: 32,
      contextLength: 48,
      ropeTheta: 10_000,
      normEps: 1e-5,
    },
    { seed: 4 },
  );
  const chosen = data.train[0];
  const steps = chosen.item.solutions[0].split("\n").slice(0, 1);
  const policy = samplingPolicy(model, data.tokenizer, { temperature: 1, random: new Random(21) });
  const rollouts = policy.continueFrom(chosen, steps, 3);
  // The same random stream through plain `generate`, one rollout at a time from scratch.
  const random = new Random(21);
  const decoder = new KvCacheDecoder(model);
  const prompt = [...chosen.prompt, ...data.tokenizer.encode(`${steps[0]}\n`)];
  const fresh = [0, 1, 2].map(() => {
    const ids = decoder.generate(prompt, {
      maxTokens: 48 - prompt.length,
      temperature: 1,
      random,
      stopId: CharTokenizer.eosId,
    });
    return `${steps[0]}\n${data.tokenizer.decode(ids.filter((id) => id !== CharTokenizer.eosId))}`;
  });
  assert.deepEqual(rollouts, fresh);
  for (const rollout of rollouts) assert.ok(rollout.startsWith(`${steps[0]}\n`));
  // An untrained model at temperature 1: the three rollouts are not one text repeated.
  assert.ok(new Set(rollouts).size > 1);
  const solved = samplingPolicy(model, data.tokenizer, { temperature: 1, random: new Random(5) }).solve(
    chosen,
    2,
  );
  assert.equal(solved.length, 2);
});
