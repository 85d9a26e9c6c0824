import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../../src/lab/random.ts";
import { FORMAT_REWARD, grpoReward } from "../../../src/lab/train/grpo-reward.ts";
import { PassRateCurriculum } from "../../../src/lab/train/pass-rate-curriculum.ts";

test("curriculum: levels are drawn where a group of G most often disagrees", () => {
  const curriculum = new PassRateCurriculum([1, 2, 3], 8, 1);
  curriculum.update(1, 1); // always solved: no signal
  curriculum.update(2, 0.5);
  curriculum.update(3, 0); // never solved: no signal
  // 1 − p^8 − (1 − p)^8, plus the 0.02 floor.
  assert.ok(Math.abs(curriculum.weight(2) - (1 - 2 * 0.5 ** 8 + 0.02)) < 1e-12);
  assert.ok(Math.abs(curriculum.weight(1) - 0.02) < 1e-12);
  const random = new Random(3);
  const counts = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    const level = curriculum.pick(random);
    counts.set(level, (counts.get(level) ?? 0) + 1);
  }
  assert.ok((counts.get(2) ?? 0) > 1800, `mostly level 2: ${[...counts]}`);
  assert.ok((counts.get(1) ?? 0) > 0 && (counts.get(3) ?? 0) > 0, "the floor keeps measuring the others");
});

test("curriculum: the running pass rate moves towards what groups measure", () => {
  const curriculum = new PassRateCurriculum([5], 8, 0.5);
  curriculum.update(5, 1);
  assert.equal(curriculum.passRates()["5"], 0.75);
  curriculum.update(5, 1);
  assert.equal(curriculum.passRates()["5"], 0.875);
});

test("grpo reward: correct 1, a wrong answer in the trained format a little, anything else 0", () => {
  const item = {
    id: "x",
    question: "Compute 7+7.",
    answer: "14",
    difficulty: 1,
    solutions: ["7+7=14\n#### 14"],
  };
  assert.equal(grpoReward(item, "7+7=14\n#### 14"), 1);
  assert.equal(grpoReward(item, "7+7=15\n#### 15"), FORMAT_REWARD);
  assert.equal(grpoReward(item, "7+7=15"), 0);
  assert.equal(grpoReward(item, "#### "), 0);
});
