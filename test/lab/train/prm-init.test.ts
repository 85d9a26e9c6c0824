import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { checkpointTask } from "../../../src/lab/train/checkpoint.ts";
import { evaluateAccuracy } from "../../../src/lab/train/evaluate.ts";
import { loadLabModel } from "../../../src/lab/train/prm-init.ts";
import { runSft } from "../../../src/lab/train/sft.ts";
import { builtinModels } from "../../../src/models/builtin.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-prm-init-"));
after(() => rm(dir, { recursive: true, force: true }));

test("builtin init: the committed SFT model loads with its manifest's shape and task, and solves its held-out problems", async () => {
  const source = await loadLabModel("builtin:tiny-reasoner-sft");
  assert.equal(source.path, "builtin:tiny-reasoner-sft");
  const manifest = builtinModels().find((m) => m.name === "tiny-reasoner-sft")!;
  const options = (manifest.training.small as { options: { config: object; seed: number } }).options;
  assert.deepEqual(source.checkpoint.header.config, options.config);
  assert.equal(source.checkpoint.params.length, manifest.parameters);
  const { sft, data } = checkpointTask(source.checkpoint, source.path);
  assert.equal(sft.task, "sums");
  assert.equal(sft.seed, options.seed);
  // The weights are the trained ones: greedy decoding solves some of its validation problems (the
  // manifest records 61% on 100 of them; 10 here).
  const model = new LlamaModel(source.checkpoint.header.config);
  model.params.set(source.checkpoint.params);
  const accuracy = evaluateAccuracy(model, data.tokenizer, data.valid, { limit: 10 });
  assert.ok(accuracy.greedy >= 0.2, `greedy ${accuracy.greedy} on 10 held-out problems`);
});

test("builtin init: a later stage's model (SFT then GRPO) finds its SFT task under the nested options", async () => {
  const source = await loadLabModel("builtin:tiny-reasoner");
  const { sft } = checkpointTask(source.checkpoint, source.path);
  assert.equal(sft.task, "sums");
  assert.equal(sft.difficulty, 6);
});

test("init: a run folder reads its checkpoint; a GGUF file and an unknown builtin are refused naming the option", async () => {
  const sft = await runSft({ ...smokeOptions(join(dir, "sft")), maxSteps: 2 });
  const folder = await loadLabModel(join(dir, "sft"));
  assert.equal(folder.path, sft.checkpointPath);
  await assert.rejects(
    loadLabModel(join(dir, "sft", "model.gguf"), "policy"),
    (error: Error & { param?: string }) => {
      assert.match(error.message, /`policy`: .*model\.gguf is a GGUF file/);
      assert.equal(error.param, "policy");
      return true;
    },
  );
  await assert.rejects(
    loadLabModel("builtin:tiny-reasoner-sfx", "verifier"),
    (error: Error & { param?: string }) => {
      assert.match(
        error.message,
        /unknown builtin model `tiny-reasoner-sfx`; did you mean `tiny-reasoner-sft`/,
      );
      assert.equal(error.param, "verifier");
      return true;
    },
  );
});
