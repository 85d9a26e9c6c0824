import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cellLine } from "../../src/cli/commands/eval.ts";
import { cellCompute, formatFlops } from "../../src/eval/compute-flops.ts";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { writeReport } from "../../src/eval/report.ts";
import type { EvalResults } from "../../src/eval/results.ts";
import { runEval } from "../../src/eval/runner.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { wrapBackend } from "../../src/models/wrap-backend.ts";
import { ScriptedBackend, scriptedTokens } from "../../src/testing/scripted-backend.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const grader = createItemGrader({ mode: "sync" });
const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-compute-"));

/** The reward verifier's continuation: the tokens each score() call scores after its prompt. */
const CONTINUATION = "Yes, the solution is correct.";

/** Tokens a backend reported, counted at the backend (not through the eval's usage): the test's own tally. */
function tallied(inner: ModelBackend) {
  const tally = { generate: 0, score: 0, completionTokens: 0, scoredTokens: 0, calls: 0, scores: 0 };
  const backend = wrapBackend(inner, {
    async wrapGenerate({ doGenerate }) {
      const completions = await doGenerate();
      tally.calls++;
      for (const c of completions) {
        tally.generate += c.usage.promptTokens + c.usage.completionTokens;
        tally.completionTokens += c.usage.completionTokens;
      }
      return completions;
    },
    async wrapScore({ doScore }) {
      const scored = await doScore();
      tally.scores++;
      tally.score += scored.promptTokens + scored.tokens.length;
      tally.scoredTokens += scored.tokens.length;
      return scored;
    },
  });
  return { backend, tally };
}

test("FLOPs count every call at its own model's size: a 1k-parameter policy's samples and a 50k-parameter verifier's scores", async () => {
  const dataset = await arithmeticSet(3);
  const policy = tallied(answeringBackend(dataset, { id: "policy" }));
  const verifier = tallied(new ScriptedBackend({ id: "judge", scorer: () => [-0.1] }));
  const outDir = tempDir();
  // No cache: every call reaches the backends, so their tally is everything the strategy spent.
  const run = await runEval({
    models: [
      {
        name: "small",
        backend: policy.backend,
        parameters: 1_000,
        verifier: { name: "judge", backend: verifier.backend, parameters: 50_000 },
      },
    ],
    strategies: [{ name: "weighted-best-of-n", options: { samples: 4, verifier: "reward" } }],
    datasets: [dataset],
    outDir,
    grader,
    cache: false,
    progress: "none",
  });
  // Known counts: 3 problems × 4 samples, each sample scored once; "Yes, the solution is correct." is 5 tokens.
  assert.equal(scriptedTokens(CONTINUATION).length, 5);
  assert.equal(verifier.tally.scores, 12);
  assert.equal(verifier.tally.scoredTokens, 12 * 5);
  assert.ok(policy.tally.generate > policy.tally.completionTokens && policy.tally.completionTokens > 0);
  const [cell] = run.results.cells;
  const compute = cell.compute!;
  assert.deepEqual(compute.unknownParameters, []);
  assert.equal(compute.roles.policy?.parameters, 1_000);
  assert.equal(compute.roles.verifier?.parameters, 50_000);
  assert.equal(compute.roles.policy?.tokensPerProblem, policy.tally.generate / 3);
  assert.equal(compute.roles.verifier?.tokensPerProblem, verifier.tally.score / 3);
  assert.equal(compute.roles.verifier?.flopsPerProblem, (2 * 50_000 * verifier.tally.score) / 3);
  const expected = (2 * 1_000 * policy.tally.generate + 2 * 50_000 * verifier.tally.score) / 3;
  assert.ok(
    Math.abs(compute.flopsPerProblem! - expected) < 1e-6 * expected,
    `${compute.flopsPerProblem} vs ${expected}`,
  );
  // Not every token at the policy's size: the verifier's 50x weighs in.
  const allAtPolicySize = (2 * 1_000 * (policy.tally.generate + verifier.tally.score)) / 3;
  assert.ok(compute.flopsPerProblem! > 5 * allAtPolicySize);
  // results.json carries it, typed, and the compute curve places the cell.
  const written = JSON.parse(readFileSync(run.resultsPath, "utf8")) as EvalResults;
  assert.equal(written.cells[0].compute?.flopsPerProblem, compute.flopsPerProblem);
  assert.deepEqual(written.computeCurves?.[0].points[0], {
    cell: cell.cell,
    model: "small (verifier judge)",
    strategy: "weighted-best-of-n",
    family: 'weighted-best-of-n{"samples":4,"verifier":"reward"}',
    accuracy: cell.accuracy,
    n: 3,
    flopsPerProblem: compute.flopsPerProblem,
    onFrontier: true,
  });
  assert.match(cellLine(cell), new RegExp(`FLOPs/problem=${formatFlops(expected).replace(".", "\\.")}`));
});

test("an unknown parameter count shows as unknown, never 0: in results, the CLI line, the Markdown table and the HTML note", async () => {
  const dataset = await arithmeticSet(3);
  const outDir = tempDir();
  const run = await runEval({
    models: [
      {
        name: "small",
        backend: answeringBackend(dataset, { id: "policy" }),
        parameters: 1_000,
        // Served over HTTP, say: nobody gave its size.
        verifier: {
          name: "openai:judge@http://127.0.0.1:1/v1",
          backend: new ScriptedBackend({ id: "judge", scorer: () => [-0.1] }),
        },
      },
    ],
    strategies: [
      { name: "weighted-best-of-n", options: { samples: 2, verifier: "reward" } },
      { name: "cot" },
    ],
    datasets: [dataset],
    outDir,
    grader,
    progress: "none",
  });
  const [scored, cot] = run.results.cells;
  assert.equal(scored.compute?.flopsPerProblem, null);
  assert.deepEqual(scored.compute?.unknownParameters, ["openai:judge@http://127.0.0.1:1/v1"]);
  assert.equal(scored.compute?.roles.verifier?.flopsPerProblem, null);
  assert.ok((scored.compute?.roles.verifier?.tokensPerProblem ?? 0) > 0, "its tokens are still counted");
  // The cot cell never called the verifier: its FLOPs are known.
  assert.ok((cot.compute?.flopsPerProblem ?? 0) > 0);
  assert.deepEqual(cot.compute?.unknownParameters, []);
  const points = run.results.computeCurves?.[0].points ?? [];
  assert.deepEqual(
    points.map((p) => [p.flopsPerProblem === null, p.onFrontier]),
    [
      [true, null],
      [false, true],
    ],
  );
  assert.match(
    cellLine(scored),
    /FLOPs\/problem=unknown \(no parameter count for openai:judge@http:\/\/127\.0\.0\.1:1\/v1/,
  );
  const report = await writeReport({ runs: [outDir] });
  const markdown = readFileSync(report.markdown, "utf8");
  const section = markdown.slice(markdown.indexOf("## Accuracy vs compute"));
  const row = section.split("\n").find((line) => line.startsWith("| weighted-best-of-n"));
  assert.ok(row?.endsWith("| unknown | – |"), row);
  assert.match(
    markdown,
    /FLOPs unknown where a model has no parameter count: `openai:judge@http:\/\/127\.0\.0\.1:1\/v1`/,
  );
  const html = readFileSync(report.html, "utf8");
  assert.match(html, /<p class="hint unknown-flops">FLOPs unknown, so not on the chart: weighted-best-of-n/);
});

test("cellCompute: usage of an endpoint outside the cell's models makes FLOPs unknown, named by its id", () => {
  const usage = { calls: 2, promptTokens: 40, completionTokens: 10, cost: 0 };
  const compute = cellCompute(
    {
      n: 2,
      errors: 0,
      usage: { policy: usage },
      external: { "pooling:prm@http://h/v1": { calls: 2, promptTokens: 30, completionTokens: 0, cost: 0 } },
    },
    { policy: { name: "tiny", parameters: 100 } },
  );
  assert.equal(compute.flopsPerProblem, null);
  assert.deepEqual(compute.unknownParameters, ["pooling:prm@http://h/v1"]);
  assert.equal(compute.roles.policy?.flopsPerProblem, (2 * 100 * 50) / 2);
  // Without it, the same usage is known.
  assert.equal(
    cellCompute({ n: 2, errors: 0, usage: { policy: usage } }, { policy: { name: "tiny", parameters: 100 } })
      .flopsPerProblem,
    5_000,
  );
});

test("formatFlops: SI prefixes at three significant digits; unknown says so", () => {
  assert.equal(formatFlops(1.5456e8), "155M");
  assert.equal(formatFlops(3.2e12), "3.2T");
  assert.equal(formatFlops(999_960), "1M");
  assert.equal(formatFlops(512), "512");
  assert.equal(formatFlops(0), "0");
  assert.equal(formatFlops(null), "unknown");
});
