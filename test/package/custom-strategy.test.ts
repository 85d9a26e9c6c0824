/**
 * A strategy written by a user against the installed package: `defineStrategy` and `solve` imported
 * from "deliberate" in a plain .mjs file (no tsx), run on a GGUF the package's own CLI writes
 * (`deliberate dev tiny-model`) through real llama.cpp, and on a scripted backend where the answers
 * are known. No assertion depends on which tokens the random-weight model samples.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import {
  installPackedPackage,
  type PackedPackage,
  runInProject,
  runPackedCli,
} from "../helpers/packed-package.ts";

let project: PackedPackage;
before(async () => {
  project = await installPackedPackage();
});

/** The user's strategy: sample N, vote over answers no longer than `maxChars`, keep every candidate. */
const SHORT_VOTE = `
import { defineStrategy, evidence, recordVote, sampleCandidates, vote } from "deliberate";
import { z } from "zod";

export const shortVote = defineStrategy({
  name: "short-vote",
  description: "Majority vote over the short answers only.",
  options: z.object({
    samples: z.number().int().min(1).default(4),
    maxChars: z.number().int().min(1).default(400),
    maxTokens: z.number().int().min(1).default(16),
  }),
  work: (o) => ({ completions: o.samples, tokens: o.samples * o.maxTokens }),
  async run(problem, ctx, opts) {
    const sampled = await sampleCandidates(problem, ctx, {
      start: 0,
      count: opts.samples,
      sampling: { temperature: 0.8, maxTokens: opts.maxTokens },
    });
    const kept = sampled.filter((c) => c.text.length <= opts.maxChars);
    const result = vote(kept.map((c) => ({ key: c.key })));
    recordVote(ctx.trace, result, ctx.parentId, { samples: kept.length });
    return {
      text: kept[result.winnerIndex]?.text ?? "",
      key: result.winner,
      confidence: result.share,
      candidates: sampled.map((c) => evidence(c)),
      details: { kept: kept.length },
    };
  },
});
`;

test("a custom strategy from the built package: scripted answers, options checked, composition by name", async () => {
  await runInProject(project, "short-vote.mjs", SHORT_VOTE);
  const run = await runInProject(
    project,
    "scripted.mjs",
    `
import { DeliberateError, solve } from "deliberate";
import { ScriptedBackend } from "deliberate/testing";
import { shortVote } from "./short-vote.mjs";

const policy = new ScriptedBackend({
  script: ["The answer is \\\\boxed{4}.", "The answer is \\\\boxed{4}.", "${"x".repeat(60)} \\\\boxed{5}", "So \\\\boxed{5}."],
});
const problem = { messages: [{ role: "user", content: "What is 2 + 2?" }] };
const solution = await solve(problem, { strategy: shortVote, options: { samples: 4, maxChars: 40 }, backends: { policy } });
let bad;
try {
  await solve(problem, { strategy: shortVote, options: { samples: 0 }, backends: { policy } });
} catch (error) {
  bad = { isDeliberate: DeliberateError.isInstance(error), code: error.code, param: error.param, message: error.message };
}
// Composition by name goes through the registry: self-consistency over cot.
const composed = await solve(problem, {
  strategy: "self-consistency",
  options: { samples: 2, inner: "cot" },
  backends: { policy: new ScriptedBackend({ script: ["\\\\boxed{7}"] }) },
});
console.log(JSON.stringify({ solution, bad, composed: { answer: composed.answer, candidates: composed.candidates.length } }));
`,
  );
  assert.equal(run.code, 0, run.stderr);
  const { solution, bad, composed } = JSON.parse(run.stdout);
  assert.equal(solution.strategy, "short-vote");
  assert.equal(solution.answer, "4");
  assert.equal(solution.candidates.length, 4);
  assert.deepEqual(
    solution.candidates.map((c: { key: string }) => c.key),
    ["4", "4", "5", "5"],
  );
  // The long third sample was filtered out: 2 votes for 4 against 1 for 5.
  assert.deepEqual(solution.details, { kept: 3 });
  assert.ok(Math.abs(solution.confidence - 2 / 3) < 1e-9);
  assert.deepEqual(bad, {
    isDeliberate: true,
    code: "BAD_REQUEST",
    param: "samples",
    message: "strategy `short-vote` option `samples`: Too small: expected number to be >=1",
  });
  assert.deepEqual(composed, { answer: "7", candidates: 2 });
});

test("a custom strategy from the built package runs on a GGUF the package's CLI wrote", async () => {
  const model = join(project.dir, "custom-tiny.gguf");
  const tiny = await runPackedCli(project, ["dev", "tiny-model", "--out", model, "--json"]);
  assert.equal(tiny.code, 0, tiny.stderr);
  await runInProject(project, "short-vote.mjs", SHORT_VOTE);
  const run = await runInProject(
    project,
    "llama.mjs",
    `
import { createLlamaBackend, solve } from "deliberate";
import { shortVote } from "./short-vote.mjs";

const policy = await createLlamaBackend({ model: ${JSON.stringify(model)}, threads: 1 });
try {
  const solution = await solve(
    { messages: [{ role: "user", content: "What is 2 + 2?" }] },
    { strategy: shortVote, options: { samples: 3, maxTokens: 8 }, backends: { policy }, seed: 1 },
  );
  console.log(JSON.stringify(solution));
} finally {
  await policy.close();
}
`,
  );
  assert.equal(run.code, 0, run.stderr);
  const solution = JSON.parse(run.stdout);
  assert.equal(solution.strategy, "short-vote");
  assert.equal(solution.candidates.length, 3);
  for (const candidate of solution.candidates) {
    assert.equal(candidate.role, "policy");
    assert.ok(candidate.usage.completionTokens >= 1 && candidate.usage.completionTokens <= 8);
  }
  assert.equal(Object.values(solution.usage).length, 1);
  assert.equal(typeof solution.details.kept, "number");
});
