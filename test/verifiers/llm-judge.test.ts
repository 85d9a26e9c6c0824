import assert from "node:assert/strict";
import { test } from "node:test";
import type { Completion, GenerateRequest } from "../../src/models/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { llmJudge } from "../../src/verifiers/llm-judge.ts";
import { verify } from "../../src/verifiers/verify.ts";
import { yesProbability } from "../../src/verifiers/yes-no-judge.ts";
import { context, nodes, problem } from "../strategies/fixtures.ts";

/** A judge whose first token puts 70% on " Yes" and 20% on "no", whatever it samples. */
class SplitJudge extends ScriptedBackend {
  override async generate(request: GenerateRequest): Promise<Completion[]> {
    const completions = await super.generate(request);
    return completions.map((c) => ({
      ...c,
      logprobs: [
        {
          token: "No",
          logprob: Math.log(0.2),
          top: [
            { token: " Yes", logprob: Math.log(0.7) },
            { token: "no", logprob: Math.log(0.2) },
            { token: "Maybe", logprob: Math.log(0.1) },
          ],
        },
      ],
    }));
  }
}

const candidate = { text: "<think>6*7</think> \\boxed{42}", answer: "42", index: 0 };

test("P(yes) comes from the Yes/No mass among the top tokens, not the sampled word", async () => {
  const verifier = new SplitJudge({ id: "judge", script: () => "No" });
  const policy = new ScriptedBackend();
  const ctx = context(policy, { backends: { policy, verifier } });
  const result = await verify(llmJudge(), problem, candidate, ctx);
  assert.equal(result.method, "logprobs");
  assert.ok(Math.abs(result.score - 0.7 / 0.9) < 1e-9);
  // The judge sees the question and only the answer part of the candidate.
  const prompt = verifier.calls[0].messages!.at(-1)!.content;
  assert.match(prompt, /What is 6 \* 7\?/);
  assert.doesNotMatch(prompt, /<think>/);
  assert.equal(verifier.calls[0].logprobs, 20);
  // One score node with the generate node nested under it.
  const [score] = nodes(ctx.trace.trace, "score");
  assert.equal(score.data.value, result.score);
  const [generate] = nodes(ctx.trace.trace, "generate");
  assert.equal(generate.parentId, score.id);
  assert.ok(score.endedAt !== undefined);
});

test("without logprobs the judge falls back to the word, and says so", async () => {
  const verifier = new ScriptedBackend({
    id: "judge",
    script: () => "Yes.",
    capabilities: { logprobs: false },
  });
  const policy = new ScriptedBackend();
  const ctx = context(policy, { backends: { policy, verifier } });
  const yes = await verify(llmJudge(), problem, candidate, ctx);
  assert.equal(yes.method, "text-fallback");
  assert.equal(yes.score, 1);
  assert.match(String(yes.data?.warning), /no logprobs/);
  assert.equal(verifier.calls[0].logprobs, undefined);
});

test("with no verifier backend the policy judges itself", async () => {
  const policy = new ScriptedBackend({ script: () => "No" });
  const result = await verify(llmJudge(), problem, candidate, context(policy));
  assert.equal(result.score, 0);
  assert.equal(policy.calls.length, 1);
});

test("yesProbability ignores other tokens and returns null without a verdict", () => {
  assert.equal(yesProbability([{ token: "Maybe", logprob: -0.1 }]), null);
  assert.equal(yesProbability([{ token: "YES", logprob: Math.log(0.5) }])?.pYes, 1);
});

test("a prefill skips a thinking judge's reasoning so the next token is the verdict", async () => {
  const verifier = new ScriptedBackend({
    id: "judge",
    script: ({ request }) => (request.assistantPrefix?.endsWith("</think>\n\n") ? "Yes" : "<think>"),
  });
  const policy = new ScriptedBackend();
  const ctx = context(policy, { backends: { policy, verifier } });
  const plain = await verify(llmJudge(), problem, candidate, ctx);
  assert.equal(plain.method, "text-fallback");
  assert.equal(plain.score, 0.5);
  const prefilled = await verify(
    llmJudge({ assistantPrefix: "<think>\n\n</think>\n\n" }),
    problem,
    candidate,
    ctx,
  );
  assert.equal(prefilled.score, 1);
});
