import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildDpoFileData } from "../../../src/lab/tasks/dpo-file-data.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { dpoRows, writeJsonl } from "../helpers/data-files.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-dpo-file-"));
after(() => rm(dir, { recursive: true, force: true }));

const rows = dpoRows({ n: 40 });
const tokenizer = CharTokenizer.fromTexts(rows.flatMap((r) => [r.question, r.chosen, r.rejected]));

test("dpo file data: pairs share the <s>question\\n prompt, responses end in </s>, held-out questions give problems with gold answers", async () => {
  // A second pair for one question: both go to the same side of the split.
  const path = await writeJsonl(join(dir, "dpo.jsonl"), [...rows, { ...rows[5], id: "again" }]);
  const data = await buildDpoFileData({ path, tokenizer, contextLength: 64, validSize: 4 });
  assert.equal(data.rows, 41);
  assert.equal(data.train.length + data.valid.length, 41);
  assert.equal(data.validProblems.length, 4);
  const pair = data.train[0];
  assert.equal(tokenizer.decode(pair.prompt), `${rows[pair.line - 1].question}\n`);
  assert.equal(pair.chosen.at(-1), CharTokenizer.eosId);
  assert.equal(tokenizer.decode(pair.chosen), rows[pair.line - 1].chosen);
  assert.equal(tokenizer.decode(pair.rejected), rows[pair.line - 1].rejected);
  const validQuestions = new Set(data.validProblems.map((p) => p.item.question));
  for (const p of data.train) assert.ok(!validQuestions.has(tokenizer.decode(p.prompt).trimEnd()));
  for (const problem of data.validProblems) {
    const row = rows.find((r) => r.question === problem.item.question)!;
    assert.equal(problem.item.answer, row.answer);
  }
  const side = (line: number) => (data.train.some((p) => p.line === line) ? "train" : "valid");
  assert.equal(side(41), side(6), "the two pairs of one question are on one side of the split");
});

test("dpo file data: identical rollouts, rows longer than the context and characters outside the checkpoint's vocabulary are refused", async () => {
  const rejects = async (name: string, bad: object, pattern: RegExp) => {
    const path = await writeJsonl(join(dir, name), [...rows.slice(0, 5), bad]);
    await assert.rejects(buildDpoFileData({ path, tokenizer, contextLength: 64, validSize: 1 }), pattern);
  };
  await rejects(
    "same.jsonl",
    { ...rows[7], chosen: rows[7].rejected },
    /same\.jsonl:6: `chosen` and `rejected` are the same text/,
  );
  await rejects(
    "long.jsonl",
    { ...rows[7], rejected: `${"1+".repeat(40)}1\n#### 3` },
    /long\.jsonl:6: the rejected sequence is \d+ tokens .* longer than the model's context of 64/,
  );
  await rejects(
    "vocab.jsonl",
    { ...rows[7], chosen: "→ 3\n#### 3" },
    /vocab\.jsonl: 1 character\(s\) not in the vocabulary of the init checkpoint: "→" \(first on line 6\)/,
  );
  await rejects(
    "field.jsonl",
    { question: "q", answer: "1", chosen: "a" },
    /field\.jsonl:6: field `rejected`/,
  );
});
