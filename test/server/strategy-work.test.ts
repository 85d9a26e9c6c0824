/**
 * The work bound of every registered strategy holds: run through the server on scripted models that
 * drive each one down its longest path (no answer ever agrees, every judge says No, every critique
 * says incorrect, every step opens with a reflection cue), the completions and tokens the models were
 * asked for stay within what `strategyWork` promised (and reach it: the bound is not wasteful), and
 * the server's meter lets every call through.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GenerateRequest, ModelBackend } from "../../src/models/types.ts";
import { createApp } from "../../src/server/app.ts";
import type { ChatRequest } from "../../src/server/chat-request.ts";
import { runRegisteredStrategy, strategyNames, strategyOptionsOf } from "../../src/server/strategy-runner.ts";
import { strategyWork } from "../../src/server/strategy-work.ts";
import { type ScriptContext, ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const CONTEXT = 2048;

/** The longest path: a judge's one token is No, a critique finds a mistake, anything else reasons on. */
function worstCase({ request }: ScriptContext): string {
  if (request.maxTokens === 1) return "No";
  const last = request.messages?.at(-1)?.content ?? "";
  if (last.includes("Verdict:")) return "There is a mistake.\nVerdict: incorrect";
  return "Wait, let me see.\n\nHmm, something else.\n\nAnd on it goes without an answer.";
}

function backend(id: string) {
  return new ScriptedBackend({ id, script: worstCase, capabilities: { contextSize: CONTEXT } });
}

/** What the models were asked for: completions and their max tokens (the context when unset). */
function asked(calls: GenerateRequest[]): { completions: number; tokens: number } {
  let completions = 0;
  let tokens = 0;
  for (const call of calls) {
    const n = call.n ?? 1;
    completions += n;
    tokens += n * (call.maxTokens ?? CONTEXT);
  }
  return { completions, tokens };
}

const cases: Array<[strategy: string, options: Record<string, unknown>, n?: number]> = [
  ["cot", {}],
  ["cot", { thinkingBudget: 3, answerTokens: 5 }],
  ["self-consistency", { samples: 3 }, 2],
  ["self-consistency", { samples: 2, inner: "program-aided", innerOptions: { retries: 1 } }],
  ["confidence-vote", { samples: 6, warmup: 2, online: true }],
  ["best-of-n", { samples: 3 }],
  ["best-of-n", { samples: 2, inner: "cot", innerOptions: { maxTokens: 50 } }],
  ["weighted-best-of-n", { samples: 3, verifier: "self-judge" }],
  ["program-aided", { retries: 2 }],
  ["self-refine", { rounds: 2 }],
  ["beam", { beamWidth: 2, expansions: 2, maxDepth: 3, stepTokens: 20 }],
  ["dvts", { samples: 4, expansions: 2, maxDepth: 3, stepTokens: 20 }],
  ["mcts", { simulations: 2, expansions: 2, maxDepth: 3, stepTokens: 20 }],
  ["cascade", { samples: 3, largeSamples: 2 }],
  ["speculative-thinking", { maxHandovers: 3, largeTokens: 30 }],
];

test("every strategy is covered by these cases", () => {
  const covered = new Set(cases.map(([strategy]) => strategy));
  assert.deepEqual(
    strategyNames.filter((name) => !covered.has(name)),
    [],
  );
});

for (const [strategy, options, n = 1] of cases) {
  test(`${strategy} ${JSON.stringify(options)} × n ${n} asks for no more than its bound`, async () => {
    const small = backend("small");
    const large = backend("large");
    const { app } = createApp({
      models: new Map<string, ModelBackend>([
        ["small", small],
        ["large", large],
      ]),
      strategies: strategyNames,
      runStrategy: runRegisteredStrategy,
    });
    const body = {
      model: `${strategy}/small+large`,
      messages: [{ role: "user", content: "What is 2+2?" }],
      max_tokens: 40,
      n,
      deliberate: { options },
    };
    const response = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { error?: { message: string } };
    assert.equal(response.status, 200, json.error?.message);
    const perRun = strategyWork(strategy, strategyOptionsOf(body as unknown as ChatRequest, strategy));
    const used = asked([...small.calls, ...large.calls]);
    assert.ok(used.completions > 0, "no model was called");
    const bound = { completions: n * perRun.completions, tokens: n * perRun.tokens };
    assert.ok(
      used.completions <= bound.completions && used.tokens <= bound.tokens,
      `asked for ${used.completions} completions / ${used.tokens} tokens; bound ${bound.completions} / ${bound.tokens}`,
    );
    // On the longest path the bound is reached exactly, so it refuses nothing a strategy could run. The
    // exceptions: speculative thinking's small segments ask for what is left of `maxTokens`, and a
    // segment that hands over has used some of it; MCTS cannot know from its options which depth the
    // leaf it expands sits at, nor whether a step it samples is one its tree already has.
    if (strategy !== "speculative-thinking" && strategy !== "mcts") assert.deepEqual(used, bound);
  });
}
