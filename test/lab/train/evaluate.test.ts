import assert from "node:assert/strict";
import { test } from "node:test";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { buildTaskData } from "../../../src/lab/tasks/task-data.ts";
import { evaluateAccuracy, majorityVote } from "../../../src/lab/train/evaluate.ts";

test("majority vote: the most common final answer wins, ties go to the first, unanswered outputs abstain", () => {
  assert.equal(majorityVote(["a\n#### 3", "b\n#### 4", "c\n#### 4", "no answer", "no answer"]), "b\n#### 4");
  assert.equal(majorityVote(["x\n#### 1", "y\n#### 2"]), "x\n#### 1");
  assert.equal(majorityVote(["nothing", ""]), null);
});

test("evaluate: an untrained model scores 0 and reports greedy, maj@k and pass@k over the chosen problems", () => {
  const data = buildTaskData({ task: "modular", trainSize: 50, validSize: 10, contextLength: 64 });
  const model = new LlamaModel({
    vocabSize: data.tokenizer.vocabSize,
    dim: 16,
    layers: 1,
    heads: 2,
    ffnDim: 16,
    contextLength: 64,
    ropeTheta: 1e4,
    normEps: 1e-5,
  });
  const result = evaluateAccuracy(model, data.tokenizer, data.valid, { limit: 3, samples: 2, seed: 5 });
  assert.equal(result.problems, 3);
  assert.equal(result.greedy, 0);
  assert.equal(result.majority, 0);
  assert.equal(result.anyCorrect, 0);
  assert.equal(result.examples.length, 3);
  assert.equal(result.examples[0].question, data.valid[0].item.question);
  // Sampling is seeded: the same call gives the same outputs.
  const again = evaluateAccuracy(model, data.tokenizer, data.valid, { limit: 3, samples: 2, seed: 5 });
  assert.deepEqual(again.examples, result.examples);
});
