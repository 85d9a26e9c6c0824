import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { distill } from "../../src/distill/distill.ts";
import { hintSentence, quotesHint } from "../../src/distill/star.ts";
import type { DistilledTrace, DpoRow, PromptRow, SftRow } from "../../src/distill/types.ts";
import { readJsonl, scriptedTeacher, sumsSet, workedTrace } from "./helpers/scripted-teacher.ts";

const spec = "synthetic:sums?difficulty=3&n=4&seed=5";

test("quotesHint: the hint sentence anywhere, case and whitespace aside", () => {
  assert.equal(hintSentence(" 42 "), "Hint: the answer is 42.");
  assert.equal(quotesHint("Since HINT:  the answer\nis 42, it is 42.", "42"), true);
  assert.equal(quotesHint("7+8=15, 15+27=42. The answer is 42.", "42"), false);
  assert.equal(quotesHint("Hint: the answer is 42", "42"), true, "the final period is optional");
  assert.equal(quotesHint("hint: the answer is 420", "42"), false, "another number is not the hint");
  assert.equal(quotesHint("Hint: the answer is (x+1)/2.", "(x+1)/2"), true, "regex characters in the gold");
});

test("STaR keeps a hinted rationale that reaches the answer, drops one that quotes the hint, and asks only unsolved problems", async () => {
  const dataset = await sumsSet(4);
  // Problems 0 and 1: always right. Problems 2 and 3: always wrong without the hint. With it,
  // problem 2's even samples reason to the answer and odd ones quote the hint; problem 3 stays wrong.
  const teacher = scriptedTeacher(dataset, (turn) => {
    if (turn.problem < 2) return workedTrace(turn, turn.item.gold);
    if (!turn.hinted || turn.problem === 3) return workedTrace(turn, Number(turn.item.gold) + 2);
    if (turn.sample % 2 === 0) return workedTrace(turn, turn.item.gold);
    return `${hintSentence(turn.item.gold)} So I write it down (sample ${turn.sample}). The answer is \\boxed{${turn.item.gold}}.`;
  });
  const out = mkdtempSync(join(tmpdir(), "deliberate-distill-star-"));
  const run = await distill({
    teachers: ["scripted"],
    backends: { scripted: teacher },
    dataset: spec,
    samples: 4,
    star: true,
    out,
    grader: "sync",
    progress: "none",
  });
  assert.equal(run.passes.star?.solved, 2, "the STaR pass asks the two unsolved problems only");
  const hinted = teacher.calls.filter((call) => call.messages?.at(-1)?.content.includes("Hint:"));
  assert.deepEqual(
    hinted.map((call) => call.messages?.at(-1)?.content.split("\n")[0]),
    [dataset.items[2].question, dataset.items[3].question],
  );

  const traces = readJsonl<DistilledTrace>(out, "traces.jsonl");
  const star = traces.filter((t) => t.source === "star");
  assert.equal(star.length, 2 * 4);
  const p2 = dataset.items[2];
  // Odd samples reached the answer (the grader accepts them) but quote the hint: not correct.
  assert.deepEqual(
    star.filter((t) => t.problemId === p2.id).map((t) => [t.sample, t.correct, t.predicted]),
    [
      [0, true, p2.gold],
      [1, false, p2.gold],
      [2, true, p2.gold],
      [3, false, p2.gold],
    ],
  );
  assert.ok(star.filter((t) => t.problemId === dataset.items[3].id).every((t) => !t.correct));

  const sft = readJsonl<SftRow>(out, "sft.jsonl");
  const rationales = sft.filter((row) => row.source === "star");
  assert.deepEqual(
    rationales.map((row) => row.id),
    [`${p2.id}/scripted/star/0`, `${p2.id}/scripted/star/2`],
  );
  for (const row of rationales) {
    assert.equal(row.question, p2.question, "kept with the original question");
    assert.doesNotMatch(row.solution!, /Hint:/);
    assert.equal(row.passRate, 0, "pass rates count plain samples only");
  }
  assert.equal(run.manifest!.counts.rationalized, 2);
  assert.equal(run.manifest!.counts.unsolved, 1);
  const prompts = readJsonl<PromptRow>(out, "prompts.jsonl");
  assert.deepEqual(
    prompts.map((p) => p.passRate),
    [1, 1, 0, 0],
  );
  // A rationale is the right answer a DPO pair needs for a problem no sample solved.
  const dpo = readJsonl<DpoRow>(out, "dpo.jsonl");
  assert.ok(dpo.some((row) => row.id.startsWith(`${p2.id}/`)));
  assert.ok(!dpo.some((row) => row.id.startsWith(`${dataset.items[3].id}/`)));
  await teacher.close();
});

test("without --star nothing is hinted and unsolved problems stay unsolved", async () => {
  const dataset = await sumsSet(4);
  const teacher = scriptedTeacher(dataset, (turn) =>
    workedTrace(turn, turn.problem < 2 || turn.hinted ? turn.item.gold : 0),
  );
  const out = mkdtempSync(join(tmpdir(), "deliberate-distill-nostar-"));
  const run = await distill({
    teachers: ["scripted"],
    backends: { scripted: teacher },
    dataset: spec,
    samples: 2,
    out,
    grader: "sync",
    progress: "none",
  });
  assert.equal(run.passes.star, undefined);
  assert.equal(run.manifest!.counts.unsolved, 2);
  assert.equal(run.manifest!.counts.rationalized, 0);
  assert.ok(teacher.calls.every((call) => !call.messages?.at(-1)?.content.includes("Hint:")));
  await teacher.close();
});
