/**
 * The GGUF fuzz: 200 seeded one-change mutants of a tiny llama model (renamed keys, flipped bits in
 * values, types, tensor infos and data, random header bytes). Each one is either refused by
 * `validateGgufFile` with a MODEL_INVALID naming the file, or loads and generates through
 * node-llama-cpp in a child process that exits cleanly, whether llama.cpp accepts it or throws.
 * None may abort the process: before the hyperparameter checks, 9 of these 200 did (SIGABRT, a
 * renamed `llama.attention.head_count` among them, as the red-team review found).
 *
 * `GGUF_FUZZ_MUTANTS=2000 GGUF_FUZZ_SEED=7` runs a longer fuzz with the same test.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { tinyModelPath } from "../../helpers/tiny-model.ts";
import { runGgufFuzz } from "./run-gguf-fuzz.ts";

const MUTANTS = Number(process.env.GGUF_FUZZ_MUTANTS ?? 200);
const SEED = Number(process.env.GGUF_FUZZ_SEED ?? 2026);

test(`${MUTANTS} GGUF mutants: each is refused by validation or loads and generates without aborting`, async () => {
  // Small, so the header (where structure lives) is a large share of the file and loading is quick.
  const path = await tinyModelPath({ layers: 1, embd: 16, heads: 2, contextLength: 64 });
  const original = new Uint8Array(await readFile(path));
  const result = await runGgufFuzz({ original, count: MUTANTS, seed: SEED });

  const died = result.mutants.filter((m) => m.outcome.kind === "died");
  assert.deepEqual(
    died.map((m) => `#${m.index} ${m.kind}: ${m.description}`),
    [],
    `llama.cpp killed the process on these mutants:\n${died
      .map((m) => (m.outcome.kind === "died" ? `${m.description}\n${m.outcome.stderr.slice(-400)}` : ""))
      .join("\n---\n")}`,
  );
  const rejected = result.mutants.filter((m) => m.outcome.kind === "rejected");
  const loaded = result.mutants.filter((m) => m.outcome.kind === "loaded");
  assert.equal(rejected.length + loaded.length, MUTANTS);
  // The fuzz must exercise both paths, and refuse the class the review found.
  assert.ok(rejected.length > MUTANTS / 4, `only ${rejected.length} refused`);
  assert.ok(loaded.length > MUTANTS / 10, `only ${loaded.length} loaded`);
  const renamedRequired = rejected.filter(
    (m) =>
      m.kind === "rename-key" && m.outcome.kind === "rejected" && /missing `llama\./.test(m.outcome.message),
  );
  assert.ok(renamedRequired.length > 0, "no renamed llama.* key among the refused mutants");
  for (const mutant of rejected) {
    if (mutant.outcome.kind === "rejected") assert.match(mutant.outcome.message, /mutant-\d+\.gguf: /);
  }
  const generated = loaded.filter((m) => m.outcome.kind === "loaded" && m.outcome.result.startsWith("ok"));
  assert.ok(generated.length > 0, "no mutant generated text");
  console.log(
    `gguf fuzz: ${rejected.length} refused, ${generated.length} generated, ` +
      `${loaded.length - generated.length} failed cleanly in llama.cpp; ` +
      `validation ${Math.round(result.validateMs)} ms, loading ${Math.round(result.loadMs)} ms`,
  );
});
