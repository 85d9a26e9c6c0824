import assert from "node:assert/strict";
import { test } from "node:test";
import { closestName, didYouMean, editDistance } from "../src/did-you-mean.ts";

test("edit distance counts inserts, deletes, substitutions and swapped neighbours as one edit each", () => {
  const cases: Array<[string, string, number]> = [
    ["samples", "samples", 0],
    ["sample", "samples", 1],
    ["smaples", "samples", 1],
    ["sanples", "samples", 1],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
  ];
  for (const [a, b, distance] of cases) assert.equal(editDistance(a, b), distance, `${a} → ${b}`);
});

test("the closest known name: typos, case and prefixes; nothing when no name is close", () => {
  const options = ["samples", "temperature", "topP", "maxTokens", "stopping", "batchSize"];
  const cases: Array<[string, string | undefined]> = [
    ["sample", "samples"],
    ["smaples", "samples"],
    ["Samples", "samples"],
    ["temp", "temperature"],
    ["max_tokens", "maxTokens"],
    ["maxtokens", "maxTokens"],
    ["batch", "batchSize"],
    ["top_p", "topP"],
    ["seed", undefined],
    ["x", undefined],
  ];
  for (const [input, expected] of cases) assert.equal(closestName(input, options), expected, input);
  assert.equal(closestName("thread", ["threads", "contextSize"]), "threads");
  assert.equal(
    closestName("tiny-reasoner-larg", ["tiny-reasoner", "tiny-reasoner-large"]),
    "tiny-reasoner-large",
  );
});

test("the message tail suggests the closest name, or lists the known ones", () => {
  assert.equal(didYouMean("sample", ["samples", "temperature"]), "; did you mean `samples`?");
  assert.equal(didYouMean("zzz", ["samples", "temperature"]), "; expected one of: samples, temperature");
  assert.equal(didYouMean("zzz", []), "");
});
