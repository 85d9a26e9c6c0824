import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildSftFileData } from "../../../src/lab/tasks/sft-file-data.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { sftRows, writeJsonl } from "../helpers/data-files.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-sft-file-"));
after(() => rm(dir, { recursive: true, force: true }));

test("sft file data: <s>question\\n + solution </s>, answer-only rows train on `#### ANSWER`, the vocabulary covers the data", async () => {
  const rows = sftRows({ n: 60, answerOnlyEvery: 3 });
  // A character no modular problem has, so the vocabulary is visibly the data's.
  rows[1] = { ...rows[1], solution: `${rows[1].solution}`.replace("####", "ok é\n####") };
  const path = await writeJsonl(join(dir, "sft.jsonl"), rows);
  const data = await buildSftFileData({ path, contextLength: 64, validSize: 6 });
  assert.equal(data.rows, 60);
  assert.equal(data.answerOnly, 20);
  assert.equal(data.withoutAnswerLine, 0);
  assert.ok(data.tokenizer.chars.includes("é"));
  const everything = rows.flatMap((r) => [r.question, r.solution ?? `#### ${r.answer}`]);
  assert.deepEqual(data.tokenizer.uncovered(everything), []);
  const all = [...data.train, ...data.valid];
  assert.equal(all.length, 60);
  for (const example of all) {
    assert.equal(example.prompt[0], CharTokenizer.bosId);
    assert.equal(data.tokenizer.decode(example.prompt), `${example.item.question}\n`);
    const row = rows.find((r) => r.question === example.item.question)!;
    assert.equal(example.item.answer, row.answer);
    const solution = example.solutions[0];
    assert.equal(solution.at(-1), CharTokenizer.eosId);
    assert.equal(data.tokenizer.decode(solution), row.solution ?? `#### ${row.answer}`);
  }
  // Extra characters (a task's alphabet) join the vocabulary.
  const wider = await buildSftFileData({ path, contextLength: 64, validSize: 6, extraChars: ["~", "Q"] });
  assert.deepEqual(
    wider.tokenizer.chars.filter((c) => !data.tokenizer.chars.includes(c)),
    ["Q", "~"],
  );
});

test("sft file data: the held-out split is by question, seeded, 5% by default, and rows of one question stay together", async () => {
  const rows = sftRows({ n: 80 });
  // Three more traces of the first question: they are one problem with four solutions.
  const extra = [0, 1, 2].map((i) => ({
    ...rows[0],
    id: `extra-${i}`,
    solution: `${rows[0].answer}=${rows[0].answer}\n#### ${rows[0].answer}`,
  }));
  const path = await writeJsonl(join(dir, "split.jsonl"), [...rows, ...extra]);
  const data = await buildSftFileData({ path, contextLength: 64 });
  assert.equal(data.valid.length, 4); // 5% of 80 questions
  assert.equal(data.train.length + data.valid.length, 80);
  const trainQuestions = new Set(data.train.map((e) => e.item.question));
  for (const e of data.valid) assert.ok(!trainQuestions.has(e.item.question));
  const first = [...data.train, ...data.valid].find((e) => e.item.question === rows[0].question)!;
  assert.equal(first.solutions.length, 4);
  const again = await buildSftFileData({ path, contextLength: 64 });
  assert.deepEqual(
    again.valid.map((e) => e.item.question),
    data.valid.map((e) => e.item.question),
  );
  const otherSeed = await buildSftFileData({ path, contextLength: 64, seed: 2 });
  assert.notDeepEqual(
    otherSeed.valid.map((e) => e.item.question),
    data.valid.map((e) => e.item.question),
  );
});

test("sft file data: clear errors name the file, the line and what is wrong", async () => {
  const good = sftRows({ n: 10 }).map((r) => JSON.stringify(r));
  const write = async (name: string, lines: string[]) => {
    const path = join(dir, name);
    await writeFile(path, `${lines.join("\n")}\n`);
    return path;
  };
  const rejects = (path: string, pattern: RegExp, extra = {}) =>
    assert.rejects(buildSftFileData({ path, contextLength: 64, validSize: 2, ...extra }), (error: Error) => {
      assert.match(error.message, pattern);
      assert.equal((error as { code?: string }).code, "BAD_REQUEST");
      return true;
    });
  await rejects(join(dir, "missing.jsonl"), /cannot read the data file .*missing\.jsonl: no such file/);
  await rejects(
    await write("json.jsonl", [...good.slice(0, 3), "{not json", ...good.slice(3)]),
    /json\.jsonl:4: malformed JSON/,
  );
  await rejects(await write("array.jsonl", [good[0], "[1, 2]"]), /array\.jsonl:2: expected a JSON object/);
  await rejects(
    await write("field.jsonl", [good[0], "", JSON.stringify({ question: "q", answer: 3 })]),
    /field\.jsonl:3: field `answer`: .*expected string, received number/,
  );
  await rejects(
    await write("noquestion.jsonl", [JSON.stringify({ answer: "3" })]),
    /noquestion\.jsonl:1: field `question`/,
  );
  await rejects(await write("empty.jsonl", ["", "  "]), /empty\.jsonl has no rows/);
  const long = { question: "What is it?", answer: "1", solution: `${"1+".repeat(40)}1\n#### 1` };
  await rejects(
    await write("long.jsonl", [...good.slice(0, 5), JSON.stringify(long)]),
    /long\.jsonl:6: the row is \d+ tokens \(<s> and <\/s> included\), longer than the model's context of 64/,
  );
  const twice = JSON.parse(good[2]);
  await rejects(
    await write("twice.jsonl", [...good, JSON.stringify({ ...twice, answer: "999" })]),
    /twice\.jsonl:11: the question of line 3 again, with another answer \("999", not "\d+"\)/,
  );
  await rejects(
    await write("small.jsonl", good),
    /`validSize` must be an integer from 1 to 9: .* has 10 distinct question/,
    {
      validSize: 10,
    },
  );
  // A fixed vocabulary (a checkpoint's) must cover the data.
  const narrow = new CharTokenizer("0123456789 #=+-*()?.abcdefghijklmnopqrstuvwxyzC".split(""));
  await rejects(
    await write("accent.jsonl", [...good.slice(0, 4), JSON.stringify({ question: "Ça va?", answer: "1" })]),
    /accent\.jsonl: 1 character\(s\) not in the vocabulary of the checkpoint: "Ç" \(first on line 5\)/,
    { tokenizer: narrow },
  );
});
