/**
 * The TRL and OpenRLHF files, every line checked against the trainer's documented shape (strict
 * schemas in fixtures/trainer-schemas.ts) and then field by field against the records they came from.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { z } from "zod";
import { exported, readJsonl } from "./fixtures/read-export.ts";
import { sampleDataset } from "./fixtures/sample-dataset.ts";
import {
  openRlhfDpoSchema,
  openRlhfPromptSchema,
  openRlhfSftSchema,
  trlDpoSchema,
  trlGrpoSchema,
  trlSftSchema,
} from "./fixtures/trainer-schemas.ts";

/** Every line of `file` parsed by `schema`; a failure names the file, the line and zod's issue. */
function readAs<Schema extends z.ZodType>(dir: string, file: string, schema: Schema): z.output<Schema>[] {
  return readJsonl(join(dir, file)).map((row, i) => {
    const parsed = schema.safeParse(row);
    assert.ok(parsed.success, `${file}:${i + 1}: ${parsed.success ? "" : parsed.error.message}`);
    return parsed.data as z.output<Schema>;
  });
}

const data = sampleDataset();
const SYSTEM = "Reason step by step, then give the final answer in \\boxed{}.";

test("trl/sft.jsonl: {messages: [user, assistant]} per kept trace; thinking traces keep <think>, plain ones have none", async () => {
  const dir = await exported(data);
  const rows = readAs(dir, "trl/sft.jsonl", trlSftSchema);
  assert.equal(rows.length, data.sft.length);
  for (const [i, row] of rows.entries()) {
    const source = data.sft[i];
    assert.deepEqual(row.messages, [
      { role: "user", content: source.question },
      { role: "assistant", content: source.solution },
    ]);
    const trace = data.traces.find((t) => t.id === source.id)!;
    const answer = row.messages[1].content;
    if (trace.thinking) assert.match(answer, /^<think>[\s\S]+<\/think>\n/, source.id);
    else assert.doesNotMatch(answer, /<\/?think>/, source.id);
  }
  assert.ok(
    data.traces.some((t) => t.correct && t.thinking) && data.traces.some((t) => t.correct && !t.thinking),
  );
});

test("trl/dpo.jsonl and openrlhf/dpo.jsonl: prompt as the user's turn, chosen and rejected as assistant turns", async () => {
  const dir = await exported(data);
  for (const [file, schema] of [
    ["trl/dpo.jsonl", trlDpoSchema],
    ["openrlhf/dpo.jsonl", openRlhfDpoSchema],
  ] as const) {
    const rows = readAs(dir, file, schema);
    assert.equal(rows.length, data.dpo.length, file);
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(row.prompt, [{ role: "user", content: data.dpo[i].question }], file);
      assert.deepEqual(row.chosen, [{ role: "assistant", content: data.dpo[i].chosen }], file);
      assert.deepEqual(row.rejected, [{ role: "assistant", content: data.dpo[i].rejected }], file);
      // OpenRLHF's reward_dataset.py with --apply_chat_template renders prompt + chosen as one list.
      const conversation = [...row.prompt, ...row.chosen];
      assert.deepEqual(
        conversation.map((m) => m.role),
        ["user", "assistant"],
      );
    }
  }
});

test("trl/grpo.jsonl: the gold answer as `ground_truth`; `kind` where the reward service knows it, `tests` for code", async () => {
  const dir = await exported(data);
  const rows = readAs(dir, "trl/grpo.jsonl", trlGrpoSchema);
  assert.deepEqual(
    rows.map((row) => [row.prompt[0].content, row.ground_truth, row.kind, row.tests]),
    data.prompts.map((p) => [
      p.question,
      p.answer,
      p.kind === "text" ? undefined : p.kind,
      p.kind === "code" ? p.tests : undefined,
    ]),
  );
  // A text problem leaves `kind` out (the service has no text kind), rather than writing null.
  const text = readJsonl(join(dir, "trl/grpo.jsonl"))[4] as Record<string, unknown>;
  assert.equal(data.prompts[4].kind, "text");
  assert.deepEqual(Object.keys(text), ["prompt", "ground_truth"]);
});

test("openrlhf/sft.jsonl: input as the user's turn, output as the assistant's", async () => {
  const dir = await exported(data);
  const rows = readAs(dir, "openrlhf/sft.jsonl", openRlhfSftSchema);
  assert.deepEqual(
    rows,
    data.sft.map((r) => ({
      input: [{ role: "user", content: r.question }],
      output: [{ role: "assistant", content: r.solution }],
    })),
  );
});

test("openrlhf/prompts.jsonl: the label is the gold answer, or JSON item fields for choice, code and a gold starting with {", async () => {
  const dir = await exported(data);
  const rows = readAs(dir, "openrlhf/prompts.jsonl", openRlhfPromptSchema);
  assert.deepEqual(
    rows.map((row) => row.input),
    data.prompts.map((p) => [{ role: "user", content: p.question }]),
  );
  assert.deepEqual(
    rows.map((row) => row.label),
    [
      "42",
      JSON.stringify({ gold: "{1, 2}" }),
      JSON.stringify({ kind: "choice", gold: "B" }),
      JSON.stringify({
        kind: "code",
        tests: { language: "python", code: "assert add(2, 3) == 5\nassert add(-1, 1) == 0" },
      }),
      "Au",
      "121932631112635269",
    ],
  );
});

test("a system prompt starts every trainer file's prompt, and stays out of the plain JSONL", async () => {
  const dir = await exported(data, { systemPrompt: SYSTEM });
  const system = { role: "system", content: SYSTEM };
  for (const row of readAs(dir, "trl/sft.jsonl", trlSftSchema)) assert.deepEqual(row.messages[0], system);
  for (const row of readAs(dir, "trl/dpo.jsonl", trlDpoSchema)) assert.deepEqual(row.prompt[0], system);
  for (const row of readAs(dir, "trl/grpo.jsonl", trlGrpoSchema)) assert.deepEqual(row.prompt[0], system);
  for (const row of readAs(dir, "openrlhf/sft.jsonl", openRlhfSftSchema))
    assert.deepEqual(row.input[0], system);
  for (const row of readAs(dir, "openrlhf/dpo.jsonl", openRlhfDpoSchema))
    assert.deepEqual(row.prompt[0], system);
  for (const row of readAs(dir, "openrlhf/prompts.jsonl", openRlhfPromptSchema)) {
    assert.deepEqual(row.input, [system, { role: "user", content: row.input[1].content }]);
  }
  for (const file of ["sft.jsonl", "prompts.jsonl", "dpo.jsonl"]) {
    assert.ok(!JSON.stringify(readJsonl(join(dir, file))).includes(SYSTEM), file);
  }
});

test("answer-only SFT rows (no solution) train on the gold answer", async () => {
  const answerOnly = sampleDataset();
  answerOnly.sft = answerOnly.sft.map(({ solution: _, ...row }) => row);
  const dir = await exported(answerOnly);
  const rows = readAs(dir, "trl/sft.jsonl", trlSftSchema);
  assert.deepEqual(
    rows.map((row) => row.messages[1].content),
    answerOnly.sft.map((row) => row.answer),
  );
});
