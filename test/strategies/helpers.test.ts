import assert from "node:assert/strict";
import { test } from "node:test";
import { buildMessages, questionText, taskKind } from "../../src/run/prompts.ts";
import { deriveSeed, problemKey } from "../../src/run/seeds.ts";
import { answerText, splitThinking } from "../../src/run/thinking.ts";

test("seeds derive from (run seed, problem id, index, stream) and stay 31-bit", () => {
  const base = { runSeed: 1, problemId: "p", index: 0 };
  const seeds = new Set<number>();
  for (let index = 0; index < 1000; index++) seeds.add(deriveSeed({ ...base, index }));
  assert.equal(seeds.size, 1000);
  assert.equal(deriveSeed(base), deriveSeed({ ...base }));
  assert.notEqual(deriveSeed(base), deriveSeed({ ...base, runSeed: 2 }));
  assert.notEqual(deriveSeed(base), deriveSeed({ ...base, problemId: "q" }));
  assert.notEqual(deriveSeed(base), deriveSeed({ ...base, stream: "judge" }));
  for (const seed of seeds) assert.ok(seed >= 0 && seed < 2 ** 31);
});

test("problems without an id get a stable id from their messages", () => {
  const a = { messages: [{ role: "user" as const, content: "2+2?" }] };
  assert.equal(problemKey(a), problemKey({ messages: [{ role: "user", content: "2+2?" }] }));
  assert.notEqual(problemKey(a), problemKey({ messages: [{ role: "user", content: "2+3?" }] }));
  assert.equal(problemKey({ ...a, id: "gsm8k/7" }), "gsm8k/7");
});

test("thinking splits from the answer, open or closed, with or without the opening tag", () => {
  assert.deepEqual(splitThinking("<think>2+2=4</think>\n\\boxed{4}"), {
    thinking: "2+2=4",
    answer: "\\boxed{4}",
    closed: true,
  });
  assert.deepEqual(splitThinking("2+2=4</think>\\boxed{4}"), {
    thinking: "2+2=4",
    answer: "\\boxed{4}",
    closed: true,
  });
  assert.deepEqual(splitThinking("<think>still going"), {
    thinking: "still going",
    answer: "",
    closed: false,
  });
  assert.deepEqual(splitThinking("plain \\boxed{4}"), {
    thinking: "",
    answer: "plain \\boxed{4}",
    closed: true,
  });
  assert.equal(answerText({ text: "<think>x</think> 4" }), "4");
});

test("prompts carry the kind's answer format and the choices", () => {
  const math = buildMessages({ messages: [{ role: "user", content: "2+2?" }] });
  assert.equal(math[0].role, "system");
  assert.match(math[0].content, /\\boxed\{\}/);
  const choice = {
    messages: [{ role: "user" as const, content: "Capital of France?" }],
    choices: ["Rome", "Paris"],
  };
  assert.equal(taskKind(choice), "choice");
  const messages = buildMessages(choice);
  assert.match(messages[1].content, /A\. Rome\nB\. Paris$/);
  assert.match(questionText(choice), /B\. Paris/);
  // An existing system message keeps its text and gains the instruction.
  const withSystem = buildMessages({
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "2+2?" },
    ],
    kind: "text",
  });
  assert.equal(withSystem.length, 2);
  assert.match(withSystem[0].content, /^Be brief\.\n\n.*Final answer/s);
});
