import assert from "node:assert/strict";
import { test } from "node:test";
import { dedupeTraces } from "../../src/distill/dedupe.ts";
import { bandsFor, estimateJaccard, MinHasher, shingles } from "../../src/distill/minhash.ts";
import { NearDuplicateIndex } from "../../src/distill/near-duplicates.ts";
import type { DistilledTrace } from "../../src/distill/types.ts";

const base =
  "First I add seven and five to get twelve, then I add nine to twelve to get twenty one, then I add three to twenty one to get twenty four, and finally I add eight to twenty four which gives thirty two, so the sum of all the terms is thirty two and the answer is 32.";
/** The same trace with one word changed ("finally" → "lastly"). */
const oneWordChanged = base.replace("finally", "lastly");
/** A trace of the same problem that reasons differently. */
const different =
  "Pair the terms: 7+3=10 and 5+8=13, then 10+13=23 and 23+9=32. Checking by counting up from the largest term also lands on 32. #### 32";

function trace(id: string, text: string, problemId = "p1"): DistilledTrace {
  return {
    id,
    problemId,
    question: "Compute 7+5+9+3+8.",
    gold: "32",
    kind: "math",
    teacher: "t",
    source: "sample",
    sample: Number(id.replace(/\D/g, "") || 0),
    text,
    thinking: false,
    predicted: "32",
    correct: true,
    tokens: text.split(/\s+/).length,
  };
}

/** Exact Jaccard similarity of two texts' shingle sets. */
function jaccard(a: string, b: string, ngram: number): number {
  const x = shingles(a, ngram);
  const y = shingles(b, ngram);
  const both = [...x].filter((s) => y.has(s)).length;
  return both / (x.size + y.size - both);
}

test("MinHash estimates Jaccard similarity: a one-word change stays high, a different trace low", () => {
  const hasher = new MinHasher({ permutations: 128, ngram: 3 });
  const exact = jaccard(base, oneWordChanged, 3);
  // 58 words: the change touches 3 of ~56 shingles on each side.
  assert.ok(exact > 0.85 && exact < 1, `exact J = ${exact}`);
  const estimate = estimateJaccard(hasher.signature(base), hasher.signature(oneWordChanged));
  // 128 permutations: standard error ~0.03 at J ~ 0.9; the bound is three of them.
  assert.ok(Math.abs(estimate - exact) < 0.1, `estimate ${estimate} vs exact ${exact}`);
  assert.ok(estimateJaccard(hasher.signature(base), hasher.signature(different)) < 0.2);
  assert.equal(estimateJaccard(hasher.signature(base), hasher.signature(base)), 1);
  // Seeded: the same seed gives the same signature, another seed another one.
  assert.deepEqual(new MinHasher({ seed: 3 }).signature(base), new MinHasher({ seed: 3 }).signature(base));
  assert.notDeepEqual(new MinHasher({ seed: 3 }).signature(base), new MinHasher({ seed: 4 }).signature(base));
});

test("LSH bands for a threshold put the S-curve's midpoint at or below it", () => {
  assert.deepEqual(bandsFor(0.8, 128), { bands: 16, rows: 8 });
  for (const threshold of [0.3, 0.5, 0.7, 0.8, 0.9, 0.95]) {
    const { bands, rows } = bandsFor(threshold, 128);
    assert.equal(bands * rows, 128);
    assert.ok((1 / bands) ** (1 / rows) <= threshold, `${threshold}: ${bands}×${rows}`);
  }
});

test("near-duplicate filter: one word changed is removed at 0.8, a different trace is kept, first kept wins", () => {
  const result = dedupeTraces(
    [
      trace("s0", base),
      trace("s1", oneWordChanged),
      trace("s2", different),
      trace("s3", `${different} Done.`),
    ],
    { threshold: 0.8 },
  );
  assert.deepEqual(
    result.kept.map((t) => t.id),
    ["s0", "s2"],
  );
  assert.deepEqual(
    result.near.map((n) => [n.trace.id, n.of.id]),
    [
      ["s1", "s0"],
      ["s3", "s2"],
    ],
  );
  for (const n of result.near) assert.ok(n.similarity >= 0.8);
  assert.equal(result.exact.length, 0);
  // A stricter threshold than the pair's similarity keeps both.
  const strict = dedupeTraces([trace("s0", base), trace("s1", oneWordChanged)], { threshold: 0.99 });
  assert.equal(strict.kept.length, 2);
});

test("exact duplicates: the same text up to whitespace is removed, case changes go to the near filter", () => {
  const spaced = `  ${base.replaceAll(" ", "  \n")}  `;
  const result = dedupeTraces([trace("s0", base), trace("s1", spaced), trace("s2", base.toUpperCase())], {
    threshold: 0.8,
  });
  assert.deepEqual(
    result.exact.map((t) => t.id),
    ["s1"],
  );
  // MinHash reads lower-cased words: an upper-cased copy is a near-duplicate with similarity 1.
  assert.deepEqual(
    result.near.map((n) => [n.trace.id, n.similarity]),
    [["s2", 1]],
  );
  assert.deepEqual(
    result.kept.map((t) => t.id),
    ["s0"],
  );
});

test("duplicates count within a problem: the same trace under another problem is kept", () => {
  const result = dedupeTraces([
    trace("s0", base, "p1"),
    trace("s1", base, "p2"),
    trace("s2", oneWordChanged, "p2"),
  ]);
  assert.deepEqual(
    result.kept.map((t) => `${t.problemId}/${t.id}`),
    ["p1/s0", "p2/s1"],
  );
  assert.equal(result.exact.length, 0);
  assert.equal(result.near.length, 1);
});

test("the near-duplicate index scales past pairwise comparison and rejects bad options", () => {
  // 2,000 distinct texts: with banding, each is compared with few others (no O(n²) pass).
  const index = new NearDuplicateIndex({ threshold: 0.8 });
  let duplicates = 0;
  for (let i = 0; i < 2000; i++) {
    const text = `trace ${i} adds ${i * 7} and ${i * 13} to reach ${i * 20} after checking ${i % 17} partial sums`;
    if (index.add(text).duplicate) duplicates++;
  }
  assert.equal(duplicates, 0);
  assert.equal(
    index.add("trace 5 adds 35 and 65 to reach 100 after checking 5 partial sums").duplicate,
    true,
  );
  assert.throws(() => new NearDuplicateIndex({ threshold: 0 }), /`threshold` must be in \(0, 1\]/);
  assert.throws(() => new MinHasher({ ngram: 0 }), /`ngram` must be an integer >= 1/);
  assert.throws(() => new MinHasher({ permutations: 1.5 }), /`permutations`/);
});
