import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { solve } from "../../src/strategies/index.ts";
import { findCue } from "../../src/strategies/reflection-cue.ts";
import { speculativeThinking } from "../../src/strategies/speculative-thinking.ts";
import { ScriptedBackend, scriptedTokens } from "../../src/testing/scripted-backend.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

const CUES = ["Wait", "Hmm", "But"];

test("findCue finds a cue word that opens a step", () => {
  assert.deepEqual(findCue("x = 3.\n\nWait, check.", CUES, "\n\n", false), { index: 6, cue: "Wait" });
  assert.deepEqual(findCue("a\n\nok\n\n  Hmm.", CUES, "\n\n", false), { index: 5, cue: "Hmm" });
  assert.equal(findCue("Wait at the start, no break before it", CUES, "\n\n", true), undefined);
  assert.equal(findCue("a\n\nButter is not a cue", CUES, "\n\n", true), undefined);
  assert.equal(findCue("a\n\nwait, lower case", CUES, "\n\n", true), undefined);
  // A stream that stops right after the word may still be writing it ("Waiting").
  assert.equal(findCue("a\n\nWait", CUES, "\n\n", false), undefined);
  assert.deepEqual(findCue("a\n\nWait", CUES, "\n\n", true), { index: 1, cue: "Wait" });
});

function models() {
  const small = new ScriptedBackend({
    id: "small",
    script: ({ request }) => {
      const prefix = request.assistantPrefix ?? "";
      if (prefix === "")
        return "6 * 7 is 6 sevens.\n\nWait, 6 * 7 might be 48? Let me redo it all again slowly.";
      return "So the answer is \\boxed{42}.";
    },
  });
  const large = new ScriptedBackend({ id: "large", script: ["Check: 7 + 7 + 7 + 7 + 7 + 7 = 42.\n\nMore"] });
  return { small, large };
}

test("the large model writes the step at a reflection point, then the small one continues", async () => {
  const { small, large } = models();
  const ctx = context(small, { backends: { policy: small, large } });
  const solution = await speculativeThinking(problem, ctx, { cues: CUES });
  assert.equal(
    solution.text,
    "6 * 7 is 6 sevens.\n\nCheck: 7 + 7 + 7 + 7 + 7 + 7 = 42.\n\nSo the answer is \\boxed{42}.",
  );
  assert.equal(solution.key, "42");
  // The large model continued the small one's reasoning up to the break before "Wait".
  assert.equal(large.calls.length, 1);
  assert.equal(large.calls[0].assistantPrefix, "6 * 7 is 6 sevens.\n\n");
  assert.deepEqual(large.calls[0].stop, ["\n\n"]);
  assert.equal(small.calls.length, 2);
  assert.equal(
    small.calls[1].assistantPrefix,
    "6 * 7 is 6 sevens.\n\nCheck: 7 + 7 + 7 + 7 + 7 + 7 = 42.\n\n",
  );
  const decisions = nodes(ctx.trace.trace, "decision");
  assert.deepEqual(
    decisions.map((d) => d.name),
    ["handover", "handback"],
  );
  assert.equal(decisions[0].data.facts?.cue, "Wait");
  assert.equal(decisions[0].data.facts?.at, "6 * 7 is 6 sevens.\n\n".length);
  assert.equal(solution.details.handovers, 1);
  assert.equal(solution.details.largeTokens, scriptedTokens("Check: 7 + 7 + 7 + 7 + 7 + 7 = 42.").length);
  assert.deepEqual(nodes(ctx.trace.trace, "strategy")[0].data.details, solution.details);
  assert.equal(solution.usage.large.calls, 1);
  assertTraceComplete(ctx.trace.trace);
});

test("the small model's stream is stopped at the cue, not run to the end", async () => {
  const long = `Start.\n\nHmm, ${"and so on ".repeat(200)}`;
  const small = new ScriptedBackend({
    id: "small",
    tokenDelayMs: 1,
    script: ({ request }) => (request.assistantPrefix ? "Done \\boxed{42}." : long),
  });
  const large = new ScriptedBackend({ id: "large", script: ["Let me verify."] });
  const ctx = context(small, { backends: { policy: small, large } });
  await speculativeThinking(problem, ctx, { cues: CUES });
  const first = nodes(ctx.trace.trace, "generate")[0];
  assert.ok(
    (first.data.completionTokens as number) < 20,
    `stopped early: ${first.data.completionTokens} tokens`,
  );
  assert.equal(small.aborted, 1);
});

test("handovers stop at maxHandovers and the small model finishes alone", async () => {
  const small = new ScriptedBackend({
    id: "small",
    script: ({ request }) => {
      const turns = (request.assistantPrefix ?? "").split("LARGE").length - 1;
      return turns < 5 ? "Step.\n\nHmm, again." : "\\boxed{42}";
    },
  });
  const large = new ScriptedBackend({ id: "large", script: ["LARGE step."] });
  const ctx = context(small, { backends: { policy: small, large } });
  const solution = await speculativeThinking(problem, ctx, { cues: CUES, maxHandovers: 2 });
  assert.equal(large.calls.length, 2);
  assert.equal(nodes(ctx.trace.trace, "decision").filter((d) => d.name === "handover").length, 2);
  assert.match(solution.text, /Hmm, again\.$/, "after the last handover the cue no longer hands over");
  assert.equal(small.calls.length, 3);
});

test("the small model's token allowance covers all its segments", async () => {
  const small = new ScriptedBackend({
    id: "small",
    script: ["one two three four\n\nWait five six seven eight"],
  });
  const large = new ScriptedBackend({ id: "large", script: ["big step"] });
  const ctx = context(small, { backends: { policy: small, large } });
  await speculativeThinking(problem, ctx, { cues: CUES, maxTokens: 12 });
  const used = nodes(ctx.trace.trace, "generate")
    .filter((n) => n.name === "small")
    .reduce((sum, n) => sum + (n.data.completionTokens as number), 0);
  assert.ok(used <= 12, `small used ${used} tokens`);
  assert.equal(small.calls[0].maxTokens, 12);
  assert.ok((small.calls[1].maxTokens ?? 0) < 12);
});

test("a handover the budget refuses leaves the small model's text in place", async () => {
  const { small, large } = models();
  const ctx = context(small, { backends: { policy: small, large } }, { maxCalls: 1 });
  const solution = await speculativeThinking(problem, ctx, { cues: CUES });
  assert.equal(large.calls.length, 0);
  assert.equal(ctx.ledger.calls(), 1);
  assert.match(solution.text, /Wait, 6 \* 7 might be 48\?/);
  assert.ok(nodes(ctx.trace.trace, "decision").some((d) => d.name === "no-handover"));
});

test("speculative-thinking: abort stops the in-flight generation", async () => {
  const small = new ScriptedBackend({ id: "small", answers: { "1": 1 }, delayMs: 10_000 });
  const large = new ScriptedBackend({ id: "large", answers: { "1": 1 } });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    solve(problem, {
      strategy: "speculative-thinking",
      backends: { policy: small, large },
      signal: controller.signal,
    }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(small.inFlight, 0);
  assert.equal(small.aborted, 1);
  assert.equal(large.calls.length, 0);
});

test("an empty step from the large model adds no second step break", async () => {
  const { small } = models();
  const large = new ScriptedBackend({ id: "large", script: ["\n\nstopped at once"] });
  const ctx = context(small, { backends: { policy: small, large } });
  await speculativeThinking(problem, ctx, { cues: CUES });
  assert.equal(small.calls[1].assistantPrefix, "6 * 7 is 6 sevens.\n\n");
});

test("speculative thinking needs both models to prefill and a large one at all", async () => {
  const { small } = models();
  const large = new ScriptedBackend({ id: "large", capabilities: { prefill: false } });
  for (const backends of [{ policy: small, large }, { policy: small }]) {
    await assert.rejects(
      speculativeThinking(problem, context(small, { backends })),
      (e: unknown) => DeliberateError.isInstance(e) && e.code === "BAD_REQUEST",
    );
  }
  assert.equal(small.calls.length, 0);
});
