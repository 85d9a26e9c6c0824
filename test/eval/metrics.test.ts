import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bootstrapCI,
  curveKs,
  curves,
  majAtK,
  passAtK,
  summarize,
  votingAtK,
  weightedAtK,
} from "../../src/eval/metrics.ts";
import type { EvalRecord, SampleRecord } from "../../src/eval/types.ts";

function samples(keys: string, correctKey = "a", weights?: number[]): SampleRecord[] {
  return [...keys].map((key, i) => ({
    key: key === "_" ? null : key,
    correct: key === correctKey,
    weight: weights?.[i] ?? 1,
    tokens: 10,
  }));
}

function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Closed form for two answers and odd k: P(more than k/2 of the k draws are correct), hypergeometric. */
function majorityClosedForm(n: number, c: number, k: number): number {
  let p = 0;
  for (let j = Math.floor(k / 2) + 1; j <= k; j++) p += (choose(c, j) * choose(n - c, k - j)) / choose(n, k);
  return p;
}

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test("pass@k matches 1 - C(n-c,k)/C(n,k)", () => {
  close(passAtK(5, 2, 2), 1 - 3 / 10);
  close(passAtK(10, 3, 1), 0.3);
  close(passAtK(10, 0, 5), 0);
  close(passAtK(10, 10, 3), 1);
  close(passAtK(10, 8, 3), 1, 0);
  for (const [n, c, k] of [
    [20, 5, 4],
    [16, 1, 8],
    [30, 12, 7],
  ]) {
    close(passAtK(n, c, k), 1 - choose(n - c, k) / choose(n, k), 1e-9);
  }
  // Large n stays finite where binomials would overflow.
  assert.ok(passAtK(2000, 3, 100) > 0.14 && passAtK(2000, 3, 100) < 0.15);
  assert.throws(() => passAtK(4, 1, 5), RangeError);
});

test("maj@k on small cases: ties go to the first key in sample order, unkeyed samples abstain", () => {
  close(majAtK(samples("aab"), 1), 2 / 3);
  close(majAtK(samples("aab"), 2), 1);
  close(majAtK(samples("baa"), 2), 1 / 3);
  close(majAtK(samples("baa"), 3), 1);
  close(majAtK(samples("__a"), 2), 2 / 3, 1e-12);
  close(majAtK(samples("___"), 3), 0);
});

test("maj@k equals the hypergeometric closed form for two answers", () => {
  close(majAtK(samples("aaaaabbbb"), 3), 50 / 84);
  for (const [keys, k] of [
    ["aabababbbaab", 5],
    ["abbbbbaaaa", 7],
  ] as const) {
    const c = [...keys].filter((x) => x === "a").length;
    const exact = { exactLimit: Number.POSITIVE_INFINITY };
    close(majAtK(samples(keys), k, exact), majorityClosedForm(keys.length, c, k), 1e-9);
  }
});

test("weighted@k follows weights where maj@k follows counts", () => {
  const set = samples("aab", "a", [0.1, 0.1, 0.5]);
  close(majAtK(set, 3), 1);
  close(weightedAtK(set, 3), 0);
  close(weightedAtK(samples("aab", "a", [0.3, 0.3, 0.5]), 3), 1);
});

test("subsampled curves match the direct computation", () => {
  const keys = "abacbaabcaaabbca";
  const set = samples(keys);
  for (const k of [2, 3, 5, 8]) {
    const exact = votingAtK(set, k, false, { exactLimit: Number.POSITIVE_INFINITY });
    const sampled = votingAtK(set, k, false, { exactLimit: 0, draws: 4000, seed: 3 });
    close(sampled, exact, 0.03);
    assert.equal(
      votingAtK(set, k, false, { exactLimit: 0, draws: 50, seed: 3 }),
      votingAtK(set, k, false, { exactLimit: 0, draws: 50, seed: 3 }),
    );
  }
  // Forty samples: C(40, 9) subsets are too many to list, so the default subsamples; still close to the closed form.
  const big = samples("ab".repeat(8) + "a".repeat(8) + "b".repeat(16));
  close(majAtK(big, 9, { draws: 4000 }), majorityClosedForm(40, 16, 9), 0.03);
});

test("curves over k = 1, 2, 4, ..., N average the sample sets and price tokens by k", () => {
  assert.deepEqual(curveKs(8), [1, 2, 4, 8]);
  assert.deepEqual(curveKs(6), [1, 2, 4, 6]);
  assert.deepEqual(curveKs(1), [1]);
  const sets = [samples("aab"), samples("bba"), samples("aaaa")];
  const points = curves(sets);
  assert.deepEqual(
    points.map((p) => [p.k, p.sets]),
    [
      [1, 3],
      [2, 3],
      [4, 1],
    ],
  );
  close(points[0].maj, (2 / 3 + 1 / 3 + 1) / 3);
  close(points[0].pass, (2 / 3 + 1 / 3 + 1) / 3);
  // "bba" at k=2: {b,b} and both ties go to b, the first key: 0.
  close(points[1].maj, (1 + 0 + 1) / 3);
  close(points[1].pass, (passAtK(3, 2, 2) + passAtK(3, 1, 2) + 1) / 3);
  close(points[2].tokens, 40);
});

test("bootstrap CI: seeded, contains the mean, narrows with more data", () => {
  const values = Array.from({ length: 50 }, (_, i): number => (i % 3 === 0 ? 1 : 0));
  const ci = bootstrapCI(values, { seed: 1 });
  assert.deepEqual(bootstrapCI(values, { seed: 1 }), ci);
  const mean = values.reduce((a, b) => a + b) / values.length;
  assert.ok(ci[0] < mean && mean < ci[1], `${ci} around ${mean}`);
  const wide = bootstrapCI(values.slice(0, 12), { seed: 1 });
  assert.ok(wide[1] - wide[0] > ci[1] - ci[0]);
  const more = bootstrapCI([...values, ...values, ...values, ...values], { seed: 1 });
  assert.ok(more[1] - more[0] < ci[1] - ci[0]);
  // Two values: the exact (binomial) bootstrap agrees with many sampled resamples.
  const sampled = bootstrapCI(values, { seed: 2, resamples: 20_000 });
  assert.ok(
    Math.abs(sampled[0] - ci[0]) <= 0.021 && Math.abs(sampled[1] - ci[1]) <= 0.021,
    `${sampled} vs ${ci}`,
  );
  const threeValued = [0, 0.5, 1, 1, 0.5, 0, 1, 1, 1, 0.5];
  const three = bootstrapCI(threeValued, { seed: 1 });
  assert.ok(three[0] < 0.65 && 0.65 < three[1], `${three}`);
  assert.deepEqual(bootstrapCI([1, 1, 1]), [1, 1]);
  assert.deepEqual(bootstrapCI([]), [0, 0]);
});

test("summarize: errors excluded from accuracy, slices by difficulty and category, usage summed", () => {
  const record = (itemId: string, correct: boolean, extra: Partial<EvalRecord> = {}): EvalRecord => ({
    cell: "m|s|d",
    model: "m",
    strategy: "s",
    dataset: "d",
    itemId,
    seed: 0,
    status: "ok",
    correct,
    verdict: correct ? "correct" : "incorrect",
    gold: "1",
    predicted: correct ? "1" : "2",
    key: correct ? "1" : "2",
    confidence: 1,
    samples: [],
    promptTokens: 10,
    completionTokens: 5,
    calls: 1,
    cost: 0.5,
    wallMs: 3,
    text: "",
    ...extra,
  });
  const summary = summarize([
    record("a", true, { difficulty: 1, category: "x" }),
    record("b", false, { difficulty: 2, category: "x" }),
    record("c", true, { difficulty: 2, category: "y", samples: samples("aab") }),
    record("d", false, {
      difficulty: 2,
      status: "error",
      verdict: "failed",
      promptTokens: 0,
      completionTokens: 0,
    }),
  ]);
  assert.equal(summary.n, 3);
  assert.equal(summary.errors, 1);
  close(summary.accuracy, 2 / 3);
  assert.equal(summary.promptTokens, 30);
  assert.equal(summary.calls, 4);
  close(summary.cost, 2);
  assert.deepEqual(Object.keys(summary.byDifficulty), ["1", "2"]);
  assert.equal(summary.byDifficulty["2"].n, 2);
  assert.equal(summary.byDifficulty["2"].errors, 1);
  close(summary.byDifficulty["2"].accuracy, 0.5);
  close(summary.byCategory.y.accuracy, 1);
  assert.deepEqual(
    summary.curves.map((p) => p.k),
    [1, 2, 3],
  );
  close(summary.curves[0].maj, 2 / 3);
});
