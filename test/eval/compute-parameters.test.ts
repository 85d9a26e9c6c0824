import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import {
  checkGivenParameters,
  ggufParameterCount,
  modelParameters,
} from "../../src/eval/compute-parameters.ts";
import { parseEvalPlan } from "../../src/eval/eval-plan.ts";
import { resolvePlanModels, runEvalPlan } from "../../src/eval/run-plan.ts";
import { builtinManifest } from "../../src/models/builtin.ts";
import { writeTinyModel } from "../../src/models/gguf/tiny-model.ts";
import { ModelRegistry } from "../../src/models/registry.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const config = { models: {}, defaults: {} };
const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-params-"));

test("a GGUF's parameter count is every weight of every tensor, read from its header", async () => {
  const path = join(tempDir(), "tiny.gguf");
  const written = await writeTinyModel(path, { layers: 2, embd: 32, heads: 2, contextLength: 64 });
  assert.equal(await ggufParameterCount(path), written.parameters);
  assert.equal(await modelParameters(path, { config }), written.parameters);
  assert.equal(await modelParameters(`raw:${path}`, { config }), written.parameters);
  // A count the plan gives wins over the file's.
  assert.equal(await modelParameters(path, { config, given: { [path]: 123 } }), 123);
});

test("builtin models: the count their file says, the one the manifest lists", async () => {
  const manifest = builtinManifest().models.find((m) => m.name === "tiny-reasoner")!;
  assert.equal(await modelParameters("builtin:tiny-reasoner", { config }), manifest.parameters);
});

test("a model served over HTTP has no known count unless the plan gives one", async () => {
  const spec = "openai:qwen@http://127.0.0.1:1/v1";
  assert.equal(await modelParameters(spec, { config }), undefined);
  assert.equal(await modelParameters(spec, { config, given: { [spec]: 7.6e9 } }), 7.6e9);
});

test("a `parameters` key that names none of the plan's models is refused, naming it and the models", async () => {
  assert.throws(
    () =>
      checkGivenParameters({ "openai:qwen@http://h/v1": 7e9, "tiny.ggfu": 1 }, [
        "tiny.gguf",
        "openai:qwen@http://h/v1",
      ]),
    (error: unknown) =>
      DeliberateError.isInstance(error) &&
      error.code === "BAD_REQUEST" &&
      /`tiny\.ggfu`, which is none of the plan's models \(`tiny\.gguf`, `openai:qwen@http:\/\/h\/v1`\)/.test(
        error.message,
      ),
  );
  const dataset = await arithmeticSet(1);
  await assert.rejects(
    runEvalPlan(
      parseEvalPlan({
        models: ["scripted"],
        datasets: ["unused"],
        parameters: { scripted: 10, judge: 20 },
        out: tempDir(),
      }),
      { progress: "none", datasets: [dataset], backends: { scripted: answeringBackend(dataset) } },
    ),
    /`judge`, which is none of the plan's models/,
  );
});

test("plan models get their counts per role: the GGUF's read from the file, a given one, and none for the rest", async () => {
  const path = join(tempDir(), "policy.gguf");
  const written = await writeTinyModel(path, { layers: 1, embd: 32, heads: 2, contextLength: 64 });
  const plan = parseEvalPlan({
    models: [{ spec: path, verifier: "judge", large: "big" }],
    datasets: ["unused"],
    parameters: { big: 5_000 },
  });
  const registry = new ModelRegistry({ config, threads: 1 });
  try {
    const [entry] = await resolvePlanModels(plan, [{ name: "cot" }], registry, {
      judge: new ScriptedBackend({ id: "judge" }),
      big: new ScriptedBackend({ id: "big" }),
    });
    assert.equal(entry.parameters, written.parameters);
    assert.equal(entry.large?.parameters, 5_000);
    assert.equal(entry.verifier?.parameters, undefined, "a backend given as an object: no file to read");
  } finally {
    await registry.close();
  }
});
