import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { loadCheckpoint } from "../../../src/lab/train/checkpoint.ts";
import { type PrmOptions, runPrm } from "../../../src/lab/train/prm.ts";
import { verdictTokens } from "../../../src/lab/train/prm-format.ts";
import { PrmScorer } from "../../../src/lab/train/prm-score.ts";
import { runSft } from "../../../src/lab/train/sft.ts";
import { createLlamaBackend } from "../../../src/models/llama/llama-backend.ts";
import { PRM_NO, PRM_YES, prmPrompt } from "../../../src/verifiers/step-scorers/prm-prompt.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-prm-"));
after(() => rm(dir, { recursive: true, force: true }));

let init = "";
before(async () => {
  init = (await runSft({ ...smokeOptions(join(dir, "sft")), maxSteps: 30 })).checkpointPath;
});

/** A PRM run small enough for a few seconds on one core. */
function small(outDir: string): PrmOptions {
  return {
    init,
    outDir,
    problems: 3,
    heldOutProblems: 2,
    samplesPerProblem: 2,
    rollouts: 2,
    maxSteps: 8,
    batchSize: 4,
    logEvery: 2,
    evalEvery: 4,
    evalSamples: 2,
    threads: 1,
    exportGguf: false,
  };
}

const readJsonl = async (path: string) =>
  (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("prm stage: samples and labels every prefix, trains from the init weights, logs, evaluates and exports a GGUF whose score() is the lab's P(Yes)", async () => {
  const result = await runPrm({
    ...small(join(dir, "prm")),
    maxSteps: 40,
    batchSize: 8,
    lr: 1e-2,
    exportGguf: true,
    verifier: init,
  });
  assert.equal(result.steps, 40);
  assert.equal(result.stopReason, "steps");
  assert.equal(result.resumedFrom, 0);
  assert.equal(result.trainSamples, 6);
  assert.equal(result.heldOut.solutions, 4);
  assert.ok(result.config.contextLength > 64, "the PRM's context holds the PRM prompt");
  assert.ok(result.trainPrefixes > 6, "more than one prefix per solution");
  assert.ok(Number.isFinite(result.finalLoss) && result.finalLoss > 0);
  assert.equal(result.selection.min.problems, 2);
  assert.equal(result.verifier?.samples, 4, "the outcome verifier scored the same held-out solutions");
  const samples = await readJsonl(result.samplesPath);
  assert.equal(samples.length, 3 * 2 + 2 * 2);
  assert.deepEqual(
    samples.map((s) => s.split),
    [...Array(6).fill("train"), ...Array(4).fill("held-out")],
  );
  for (const s of samples) {
    assert.equal(s.values.length, s.steps.length);
    // Unfinished prefixes have 2 rollouts each; the last prefix is the solution's own label.
    const expected = s.steps.map((_: string, i: number) => (i === s.steps.length - 1 ? 0 : 2));
    assert.deepEqual(s.rollouts, expected);
    if (s.steps.length > 0) assert.equal(s.values.at(-1), s.label);
  }
  const log = await readJsonl(result.logPath);
  assert.deepEqual([...new Set(log.map((r) => r.type))], ["start", "train", "eval", "final-eval", "stop"]);
  const final = log.find((r) => r.type === "final-eval");
  assert.equal(final.prefixes, result.heldOut.prefixes);
  assert.equal(typeof final.verifier.auc === "number" || final.verifier.auc === null, true);
  const checkpoint = await loadCheckpoint(result.checkpointPath);
  assert.equal(checkpoint.header.options.stage, "prm");
  assert.equal(checkpoint.header.step, 40);

  // The exported PRM through the llama backend's score(), as the `prm` step scorer calls it, against
  // the lab's forward pass on the same prefixes: each verdict token's probability and P(Yes).
  const model = new LlamaModel(checkpoint.header.config);
  model.params.set(checkpoint.params);
  const tokenizer = new CharTokenizer(checkpoint.header.chars);
  const scorer = new PrmScorer(model, tokenizer, verdictTokens(tokenizer));
  const held = samples.filter((s) => s.split === "held-out" && s.steps.length >= 2).slice(0, 2);
  const backend = await createLlamaBackend({ model: result.ggufPath!, threads: 1 });
  let peak = 0;
  try {
    for (const sample of held) {
      // One pass over the solution reads every prefix's verdict (the dense layout).
      const dense = scorer.scoreSteps(sample.question, sample.steps);
      assert.equal(dense.length, sample.steps.length);
      for (const steps of [sample.steps.slice(0, 1), sample.steps]) {
        const prompt = prmPrompt(sample.question, steps);
        // P(Yes) is what the step scorer reads; "No" too, since with a weak policy (this test's) most
        // prefixes are bad and the trained, confident verdict is "No".
        for (const verdict of [PRM_YES, PRM_NO]) {
          const ours = forwardProbabilities(model, tokenizer, prompt, verdict);
          const oursAll = ours.reduce((a, b) => a * b, 1);
          if (verdict === PRM_YES) {
            // The scorer's one pass reads the same number as this prefix's own forward pass.
            const cached = dense[steps.length - 1].score;
            assert.ok(
              Math.abs(cached - oursAll) <= 1e-5 * Math.max(oursAll, 1e-12),
              `scorer ${cached} vs forward ${oursAll}`,
            );
          }
          const scored = await backend.score!({ prompt, continuation: verdict });
          assert.equal(scored.tokens.length, verdict.length);
          scored.tokens.forEach((token, j) => {
            const diff = Math.abs(Math.exp(token.logprob) - ours[j]);
            assert.ok(
              diff <= 1e-4,
              `${verdict} token ${j}: llama.cpp ${Math.exp(token.logprob)} vs ours ${ours[j]}`,
            );
          });
          const theirs = Math.exp(scored.logprob);
          assert.ok(
            Math.abs(theirs - oursAll) <= 1e-4,
            `llama.cpp P(${verdict}) ${theirs} vs ours ${oursAll}`,
          );
          // And relatively, for the unlikely verdict too (log-probs near −10 here: the "o" after "N", a
          // token the dense layout never trains; float sums in another order differ by ~2e-4 of it).
          assert.ok(
            Math.abs(scored.logprob - Math.log(oursAll)) <= 1e-3 + 5e-4 * Math.abs(Math.log(oursAll)),
            `log P(${verdict}): llama.cpp ${scored.logprob} vs ours ${Math.log(oursAll)}`,
          );
          peak = Math.max(peak, ours[0]);
        }
      }
    }
  } finally {
    await backend.close();
  }
  // A trained decision is confident, so agreement is not two vectors of near-zeros (the first token:
  // "No"'s later ones are never trained, the input after a step always reading "Yes").
  assert.ok(peak > 0.5, `largest first-verdict-token probability ${peak}`);
});

/** Each verdict token's probability after `prompt`, from one full forward pass of the lab model. */
function forwardProbabilities(
  model: LlamaModel,
  tokenizer: CharTokenizer,
  prompt: string,
  verdict: string,
): number[] {
  const verdictIds = tokenizer.encode(verdict);
  const ids = [CharTokenizer.bosId, ...tokenizer.encode(prompt), ...verdictIds];
  const T = ids.length;
  model.forward(new Int32Array(ids), new Int32Array(T).fill(-1), 1, T);
  const V = model.config.vocabSize;
  return verdictIds.map((token, j) => {
    // Position p predicts token p + 1: verdict token j is predicted at T − |verdict| − 1 + j.
    const row = model.logits.subarray((T - verdictIds.length - 1 + j) * V, (T - verdictIds.length + j) * V);
    const max = Math.max(...row);
    return Math.exp(row[token] - max) / row.reduce((sum, x) => sum + Math.exp(x - max), 0);
  });
}

test("prm stage: a run stopped midway and resumed ends with the uninterrupted run's weights and numbers", async () => {
  const whole = await runPrm(small(join(dir, "whole")));
  const outDir = join(dir, "split");
  const controller = new AbortController();
  const first = await runPrm({
    ...small(outDir),
    signal: controller.signal,
    onProgress: (p) => {
      if (p.step === 3) controller.abort();
    },
  });
  assert.equal(first.stopReason, "aborted");
  assert.equal(first.steps, 3);
  const samplesBefore = await readFile(first.samplesPath, "utf8");
  const resumed = await runPrm(small(outDir));
  assert.equal(resumed.resumedFrom, 3);
  assert.equal(resumed.steps, 8);
  assert.equal(resumed.samplingMs, 0, "the samples were read back, not drawn again");
  assert.equal(await readFile(resumed.samplesPath, "utf8"), samplesBefore);
  const a = await loadCheckpoint(whole.checkpointPath);
  const b = await loadCheckpoint(resumed.checkpointPath);
  assert.deepEqual(b.params, a.params);
  assert.deepEqual(resumed.heldOut, whole.heldOut);
  const log = await readJsonl(resumed.logPath);
  assert.deepEqual(
    log.filter((r) => r.type === "start" || r.type === "resume").map((r) => [r.type, r.step]),
    [
      ["start", 0],
      ["resume", 3],
    ],
  );
});

test("prm stage: a resume with other sampling options, or after the samples changed, is refused naming why", async () => {
  const outDir = join(dir, "refused");
  await runPrm({ ...small(outDir), maxSteps: 2 });
  await assert.rejects(runPrm({ ...small(outDir), rollouts: 3 }), (error: Error & { param?: string }) => {
    assert.match(error.message, /sampled its data with `rollouts` 2, not 3; use another --out or delete it/);
    assert.equal(error.param, "rollouts");
    return true;
  });
  const path = join(outDir, "prm-samples.jsonl");
  const text = await readFile(path, "utf8");
  await (await import("node:fs/promises")).writeFile(path, text.replace(/"label":0/, '"label":1'));
  await assert.rejects(runPrm(small(outDir)), /prm-samples.jsonl changed since/);
  // Without resuming, the folder is sampled afresh.
  const fresh = await runPrm({ ...small(outDir), maxSteps: 2, resume: false });
  assert.equal(fresh.resumedFrom, 0);
  assert.ok(existsSync(path));
});

test("prm stage: --prm-samples-from trains on another run's samples without sampling, copies them, and refuses another task's", async () => {
  const source = await runPrm({ ...small(join(dir, "source")), maxSteps: 2 });
  const reused = await runPrm({ ...small(join(dir, "reused")), samplesFrom: [join(dir, "source")] });
  assert.equal(reused.samplingMs, 0, "nothing was sampled");
  assert.equal(await readFile(reused.samplesPath, "utf8"), await readFile(source.samplesPath, "utf8"));
  assert.equal(reused.trainSamples, source.trainSamples);
  assert.deepEqual(reused.heldOut.prefixes, source.heldOut.prefixes);
  // Two runs' samples join: training after training, held-out after held-out.
  const other = await runPrm({ ...small(join(dir, "other")), maxSteps: 2, seed: 2 });
  const joined = await runPrm({
    ...small(join(dir, "joined")),
    samplesFrom: [join(dir, "source"), other.samplesPath],
  });
  assert.equal(joined.trainSamples, source.trainSamples + other.trainSamples);
  assert.equal(joined.heldOut.solutions, source.heldOut.solutions + other.heldOut.solutions);
  // Resuming reads the run's own copy.
  const resumed = await runPrm({
    ...small(join(dir, "reused")),
    samplesFrom: [join(dir, "source")],
    maxSteps: 10,
  });
  assert.equal(resumed.resumedFrom, 8);
  const foreign = join(dir, "foreign.jsonl");
  const text = await readFile(source.samplesPath, "utf8");
  await (await import("node:fs/promises")).writeFile(
    foreign,
    text.replace(/"question":"[^"]*"/g, '"question":"Wie viel ist ß?"'),
  );
  await assert.rejects(
    runPrm({ ...small(join(dir, "foreign")), samplesFrom: [foreign] }),
    (error: Error & { param?: string }) => {
      assert.match(error.message, /foreign.jsonl has questions with characters the init model cannot read/);
      assert.equal(error.param, "samplesFrom");
      return true;
    },
  );
  const heldOnly = join(dir, "held-only.jsonl");
  await (await import("node:fs/promises")).writeFile(
    heldOnly,
    text
      .split("\n")
      .filter((l) => l.includes('"split":"held-out"'))
      .join("\n"),
  );
  await assert.rejects(
    runPrm({ ...small(join(dir, "held-only")), samplesFrom: [heldOnly] }),
    /held-only.jsonl: the PRM needs both training and held-out samples \(found 0 and \d+\)/,
  );
});

test("prm stage: bad options are refused naming the option", async () => {
  for (const [name, value] of [
    ["rollouts", 0],
    ["samplesPerProblem", 1.5],
    ["problems", -1],
    ["evalSamples", 0],
  ] as const) {
    await assert.rejects(
      runPrm({ ...small(join(dir, "bad")), [name]: value }),
      (error: Error & { param?: string }) => {
        assert.equal(error.param, name);
        assert.match(error.message, new RegExp(`\`${name}\` must be an integer`));
        return true;
      },
    );
  }
  await assert.rejects(
    runPrm({ ...small(join(dir, "bad")), labels: "medium" as never }),
    (error: Error & { param?: string }) =>
      error.param === "labels" && /`labels` must be "soft" or "hard" \(got "medium"\)/.test(error.message),
  );
  await assert.rejects(
    runPrm({ ...small(join(dir, "bad")), temperature: 0 }),
    /`temperature` must be a positive number/,
  );
  await assert.rejects(
    runPrm({ ...small(join(dir, "bad")), init: join(dir, "nowhere", "checkpoint.bin") }),
    /no checkpoint at/,
  );
});
