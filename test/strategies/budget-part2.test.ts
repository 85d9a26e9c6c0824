/**
 * Budgets hold for every part-2 strategy: whatever the strategy does (retries, revisions, search
 * steps, escalations, handovers), its calls and tokens stay within `maxCalls` and `maxTokens`, and it
 * either answers with what it has or fails with `BUDGET`, never anything else.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { solve } from "../../src/strategies/index.ts";
import type { Budget } from "../../src/strategies/types.ts";
import { type ScriptContext, ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { assertTraceComplete, nodes, problem } from "./fixtures.ts";

after(() => closeSandboxes());

/** Keeps every strategy busy: programs crash, critiques disagree, steps never finish, cues recur. */
function busy({ request }: ScriptContext): string {
  const messages = request.messages ?? [];
  const last = messages.at(-1)?.content ?? "";
  if (messages[0]?.content.includes("JavaScript program"))
    return "```javascript\nthrow new Error('no');\n```";
  if (last.includes("Reply with Yes or No")) return "Yes";
  if (last.startsWith("Review the solution")) return "It is wrong.\nVerdict: incorrect";
  if (request.assistantPrefix) return "another step of careful thought\n\nWait, again and again";
  return "Let me think about it for a while.\n\nWait, is it 41?\n\nThe answer is \\boxed{42}.";
}

const STRATEGIES: Array<[string, Record<string, unknown>]> = [
  ["program-aided", { retries: 10 }],
  ["self-refine", { rounds: 10 }],
  ["beam", { beamWidth: 2, expansions: 2, maxDepth: 10 }],
  ["dvts", { samples: 4, expansions: 2, maxDepth: 10 }],
  ["cascade", { samples: 8 }],
  ["speculative-thinking", { maxHandovers: 20 }],
];
const BUDGETS: Budget[] = [{ maxCalls: 3 }, { maxTokens: 700 }, { maxCalls: 6, maxTokens: 1500 }];

for (const [strategy, options] of STRATEGIES) {
  for (const budget of BUDGETS) {
    test(`${strategy} stays within ${JSON.stringify(budget)}`, async () => {
      const policy = new ScriptedBackend({ id: "small", script: busy });
      const large = new ScriptedBackend({ id: "large", script: busy });
      const trace = new TraceRecorder();
      let answered = false;
      try {
        await solve(problem, { strategy, options, backends: { policy, large }, budget, trace });
        answered = true;
      } catch (error) {
        assert.ok(DeliberateError.isInstance(error) && error.code === "BUDGET", String(error));
      }
      const generates = nodes(trace.trace, "generate");
      const tokens = generates.reduce(
        (sum, n) => sum + Number(n.data.promptTokens ?? 0) + Number(n.data.completionTokens ?? 0),
        0,
      );
      if (budget.maxCalls !== undefined)
        assert.ok(generates.length <= budget.maxCalls, `${generates.length} calls`);
      if (budget.maxTokens !== undefined) assert.ok(tokens <= budget.maxTokens, `${tokens} tokens`);
      assert.ok(answered, "the first call fits, so the strategy answers with what it has");
      assertTraceComplete(trace.trace);
    });
  }
}

test("dvts: abort stops every in-flight generation of every subtree", async () => {
  const policy = new ScriptedBackend({ answers: { "1": 1 }, delayMs: 10_000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    solve(problem, {
      strategy: "dvts",
      options: { samples: 6, expansions: 2 },
      backends: { policy },
      signal: controller.signal,
    }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(policy.calls.length, 3, "one call per subtree");
  assert.equal(policy.aborted, 6);
  assert.equal(policy.inFlight, 0);
});
