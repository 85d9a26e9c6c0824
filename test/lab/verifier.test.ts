import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LlamaModel } from "../../src/lab/model/llama-model.ts";
import { Random } from "../../src/lab/random.ts";
import { buildTaskData } from "../../src/lab/tasks/task-data.ts";
import { loadCheckpoint } from "../../src/lab/train/checkpoint.ts";
import { reward } from "../../src/lab/train/grpo-reward.ts";
import { runSft } from "../../src/lab/train/sft.ts";
import { runVerifier } from "../../src/lab/train/verifier.ts";
import { NO_VERDICT, verifierPrompt, verifierRow, YES_VERDICT } from "../../src/lab/train/verifier-format.ts";
import { labelSample, sampleLabelled } from "../../src/lab/train/verifier-samples.ts";
import { evaluateVerifier } from "../../src/lab/train/verifier-score.ts";
import { createLlamaBackend } from "../../src/models/llama/llama-backend.ts";
import { generateSynthetic } from "../../src/tasks/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { rewardModel } from "../../src/verifiers/reward-model.ts";
import { verify } from "../../src/verifiers/verify.ts";
import { context } from "../strategies/fixtures.ts";
import { smokeOptions } from "./helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-verifier-"));
after(() => rm(dir, { recursive: true, force: true }));

test("the verifier's prompt and yes verdict are exactly what rewardModel() scores", async () => {
  const question = "Compute (3+23) mod 5.";
  const solution = "3+23=26\n26 mod 5=1\n#### 1\n";
  const verifier = new ScriptedBackend({ id: "rm", scorer: () => [-0.1] });
  const policy = new ScriptedBackend();
  const ctx = context(policy, { backends: { policy, verifier } });
  const problem = {
    id: "p",
    messages: [{ role: "user" as const, content: question }],
    kind: "math" as const,
  };
  await verify(rewardModel(), problem, { text: solution, answer: "1" }, ctx);
  assert.equal(verifier.scoreCalls.length, 1);
  assert.equal(verifier.scoreCalls[0].prompt, verifierPrompt(question, solution));
  assert.equal(verifier.scoreCalls[0].continuation, YES_VERDICT);
  assert.notEqual(YES_VERDICT[0], NO_VERDICT[0], "the verdicts differ from their first token");
});

test("labels: a reference solution is correct, a wrong or missing answer is not", () => {
  const [item] = generateSynthetic("modular", { difficulty: 1, n: 1, seed: 4 });
  const good = labelSample(3, item, item.solutions[0]);
  assert.equal(good.label, 1);
  assert.equal(good.problem, 3);
  assert.equal(good.predicted, item.answer);
  const wrongAnswer = String(Number(item.answer) + 1);
  const wrong = labelSample(3, item, item.solutions[0].replace(/#### .*/, `#### ${wrongAnswer}`));
  assert.equal(wrong.label, 0);
  assert.equal(wrong.predicted, wrongAnswer);
  assert.equal(labelSample(3, item, item.answer).label, 0, "a bare answer is not in the trained format");
});

test("label generation: every sampled completion of a tiny model is labelled by the grader", () => {
  const data = buildTaskData({ task: "modular", trainSize: 50, validSize: 5, seed: 2, contextLength: 64 });
  const model = new LlamaModel(
    {
      vocabSize: data.tokenizer.vocabSize,
      dim: 16,
      layers: 1,
      heads: 2,
      ffnDim: 32,
      contextLength: 64,
      ropeTheta: 10_000,
      normEps: 1e-5,
    },
    { seed: 2 },
  );
  const examples = data.train.slice(0, 3);
  const samples = sampleLabelled(model, data.tokenizer, examples, {
    samplesPerProblem: 4,
    random: new Random(9),
  });
  assert.equal(samples.length, 12);
  samples.forEach((s, i) => {
    const example = examples[Math.floor(i / 4)];
    assert.equal(s.problem, Math.floor(i / 4));
    assert.equal(s.question, example.item.question);
    assert.equal(s.label, reward(example.item, s.text));
  });
  // Temperature 1 on an untrained model: the four samples of a problem are not all the same.
  assert.ok(new Set(samples.slice(0, 4).map((s) => s.text)).size > 1);
});

test("verifier stage: trains on labelled samples, lowers its loss, exports a GGUF that score() reads", async () => {
  const sft = await runSft({ ...smokeOptions(join(dir, "sft")), maxSteps: 30 });
  const result = await runVerifier({
    init: sft.checkpointPath,
    outDir: join(dir, "verifier"),
    problems: 6,
    heldOutProblems: 3,
    samplesPerProblem: 2,
    maxSteps: 40,
    batchSize: 8,
    lr: 3e-3,
    logEvery: 5,
    evalEvery: 20,
    threads: 1,
  });
  assert.equal(result.steps, 40);
  assert.equal(result.stopReason, "steps");
  assert.ok(result.finalLoss < result.firstLoss * 0.7, `loss ${result.firstLoss} → ${result.finalLoss}`);
  assert.equal(result.heldOut.samples, 6);
  assert.equal(result.selection.problems, 3);
  assert.ok(result.config.contextLength > 64, "the verifier's context holds the reward-model prompt");

  const samples = (await readFile(result.samplesPath, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(samples.length, 6 * 2 + 3 * 2);
  const log = (await readFile(result.logPath, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual([...new Set(log.map((r) => r.type))], ["start", "train", "eval", "final-eval", "stop"]);
  const checkpoint = await loadCheckpoint(result.checkpointPath);
  assert.equal((checkpoint.header.options as { stage: string }).stage, "verifier");

  // The exported verifier through the llama backend: finite logprobs for the yes verdict, and the
  // same score our decoder computes (llama.cpp's F16 KV cache moves it slightly).
  const model = new LlamaModel(checkpoint.header.config);
  model.params.set(checkpoint.params);
  // The generator's task data, as the verifier stage rebuilt it from the SFT options.
  const sftOptions = (checkpoint.header.options as { sft: Parameters<typeof buildTaskData>[0] }).sft;
  const data = buildTaskData({ ...sftOptions, contextLength: 64 });
  assert.deepEqual(data.tokenizer.chars, checkpoint.header.chars);
  const question = samples[0].question;
  const text = samples[0].text;
  const row = verifierRow(data.tokenizer, question, text, samples[0].label);
  const ours = evaluateVerifier(
    model,
    data.tokenizer.encode(YES_VERDICT),
    data.tokenizer.encode(NO_VERDICT)[0],
    [row],
  );
  const backend = await createLlamaBackend({ model: result.ggufPath!, threads: 1 });
  try {
    const scored = await backend.score!({
      prompt: verifierPrompt(question, text),
      continuation: YES_VERDICT,
    });
    assert.equal(scored.tokens.length, YES_VERDICT.length);
    for (const token of scored.tokens) assert.ok(Number.isFinite(token.logprob) && token.logprob <= 0);
    const theirs = Math.exp(scored.logprob / scored.tokens.length);
    assert.ok(Math.abs(theirs - ours.scores[0]) < 1e-2, `llama.cpp ${theirs} vs ours ${ours.scores[0]}`);
    // And as deliberate's best-of-n sees it: rewardModel() with this backend as the verifier role.
    const policy = new ScriptedBackend();
    const ctx = context(policy, { backends: { policy, verifier: backend } });
    const problem = {
      id: "p",
      messages: [{ role: "user" as const, content: question }],
      kind: "math" as const,
    };
    const verdict = await verify(rewardModel(), problem, { text, answer: samples[0].predicted }, ctx);
    assert.ok(
      Math.abs(verdict.score - ours.scores[0]) < 1e-2,
      `reward model ${verdict.score} vs ours ${ours.scores[0]}`,
    );
  } finally {
    await backend.close();
  }
});
