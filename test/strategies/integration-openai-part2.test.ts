/**
 * Program-aided, self-refine, beam, dvts, cascade and speculative thinking end to end through the
 * real OpenAI backend over HTTP against the loopback server, with a `small` and a `large` model:
 * prefill as a trailing assistant message, stop strings, SSE streaming stopped early, seeds, n,
 * logprobs and usage all cross a socket.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../src/models/openai/openai-backend.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { solve } from "../../src/strategies/index.ts";
import type { Problem, Solution } from "../../src/strategies/types.ts";
import {
  type OpenAIServer,
  type OpenAIServerRequest,
  type ScriptedReply,
  startOpenAIServer,
} from "../../src/testing/openai-server.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { assertTraceComplete, nodes, problem } from "./fixtures.ts";

type Message = { role: string; content: string };

/** Cuts a reply at the first stop string, as a real server would. */
function cut(text: string, stop: unknown): string {
  const stops = Array.isArray(stop) ? (stop as string[]) : [];
  const at = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0), text.length);
  return text.slice(0, at);
}

function yesNo(yes: boolean): ScriptedReply {
  const top = [
    { token: "Yes", logprob: Math.log(yes ? 0.9 : 0.2) },
    { token: "No", logprob: Math.log(yes ? 0.1 : 0.8) },
  ];
  return { choices: [{ text: yes ? "Yes" : "No", logprobs: [{ ...top[yes ? 0 : 1], top }] }] };
}

/** The small model: sure about "easy" questions, split on the others. */
function smallReply(messages: Message[], request: OpenAIServerRequest): string {
  const system = messages[0]?.content ?? "";
  const last = messages.at(-1);
  const question = messages.find((m) => m.role === "user")?.content ?? "";
  const seed = typeof request.body.seed === "number" ? request.body.seed : 0;
  if (system.includes("JavaScript program")) return "```javascript\nconst x = 6 * 7;\nconsole.log(x);\n```";
  if (last?.content.startsWith("Review the solution")) return "Looks right.\nVerdict: correct";
  if (last?.role === "assistant") {
    // A continuation of a prefilled partial trace.
    if (last.content.includes("Check:")) return "So the answer is \\boxed{42}.";
    return last.content.split("\n\n").length > 2 ? "Hence \\boxed{42}." : "Then 42.\n\nmore";
  }
  if (request.body.stream) return "6 times 7 is about 40.\n\nWait, maybe it is 48? That needs a check.";
  if (question.includes("hard")) return `\\boxed{${40 + (seed % 3)}}`;
  return "We multiply 6 by 7.\n\nSo \\boxed{42}.";
}

function respond(request: OpenAIServerRequest): ScriptedReply {
  const messages = (request.body.messages ?? []) as Message[];
  const last = messages.at(-1)?.content ?? "";
  if (last.includes("Reply with Yes or No")) return yesNo(!/48|41|40/.test(last));
  if (request.body.model === "large") {
    const text =
      messages.at(-1)?.role === "assistant" ? "Check: 7 + 7 + 7 + 7 + 7 + 7 = 42.\n\nmore" : "\\boxed{42}";
    return { choices: [{ text: cut(text, request.body.stop) }] };
  }
  const seed = typeof request.body.seed === "number" ? request.body.seed : 0;
  return {
    choices: Array.from({ length: request.n }, (_, i) => ({
      text: cut(
        smallReply(messages, { ...request, body: { ...request.body, seed: seed + i } }),
        request.body.stop,
      ),
    })),
  };
}

let server: OpenAIServer;
let small: ModelBackend;
let large: ModelBackend;
before(async () => {
  server = await startOpenAIServer({ responder: respond, models: ["small", "large"] });
  small = createOpenAIBackend({ model: "small", baseURL: server.url, maxRetries: 0 });
  large = createOpenAIBackend({ model: "large", baseURL: server.url, maxRetries: 0 });
});
after(async () => {
  await small.close();
  await large.close();
  await server.close();
  await closeSandboxes();
});

for (const [strategy, options] of [
  ["program-aided", {}],
  ["self-refine", { rounds: 2 }],
  ["self-refine", { feedback: "verifier", verifier: "judge" }],
  ["beam", { beamWidth: 2, expansions: 2 }],
  ["dvts", { samples: 4, expansions: 2 }],
  ["cascade", { samples: 4 }],
  ["speculative-thinking", {}],
] as const) {
  test(`${strategy} ${JSON.stringify(options)} over a real HTTP backend`, async () => {
    const before = server.requests.length;
    const trace = new TraceRecorder();
    const solution = await solve(problem, {
      strategy,
      options,
      backends: { policy: small, large },
      trace,
      seed: 1,
      budget: { maxCalls: 40 },
    });
    assert.equal(solution.key, "42", solution.text);
    const requests = server.requests.slice(before);
    const generates = nodes(trace.trace, "generate");
    assert.equal(generates.length, requests.length, "one generate node per HTTP request");
    const calls = Object.values(solution.usage).reduce((sum, u) => sum + u.calls, 0);
    assert.equal(calls, requests.length);
    assertTraceComplete(trace.trace);
    if (strategy === "beam" || strategy === "dvts") {
      const prefilled = requests.filter((r) => (r.body.messages as Message[]).at(-1)?.role === "assistant");
      assert.ok(prefilled.length >= 1, "partial traces continue as a trailing assistant message");
      assert.ok(requests.some((r) => JSON.stringify(r.body.stop) === '["\\n\\n"]'));
    }
    if (strategy === "cascade")
      assert.equal(solution.usage[large.id], undefined, "an easy question stays small");
    if (strategy === "speculative-thinking") {
      assert.equal(solution.usage[large.id].calls, 1);
      assert.match(solution.text, /^6 times 7 is about 40\.\n\nCheck: 7 \+ 7/);
      assert.ok(requests[0].stream, "the small model is streamed so it can be stopped at the cue");
    }
  });
}

test("cascade over HTTP escalates only the hard question and reports the share", async () => {
  const hard: Problem = { id: "hard", messages: [{ role: "user", content: "A hard one: 6 * 7?" }] };
  const solutions: Solution[] = [];
  for (const question of [problem, hard]) {
    const trace = new TraceRecorder();
    const solution = await solve(question, {
      strategy: "cascade",
      options: { samples: 3 },
      backends: { policy: small, large },
      trace,
      seed: 1,
    });
    assert.equal(solution.key, "42");
    assert.ok(solution.escalation, "cascade reports whether it escalated");
    assertTraceComplete(trace.trace);
    solutions.push(solution);
  }
  const escalated = solutions.map((s) => s.escalation?.escalated);
  assert.deepEqual(escalated, [false, true], "only the hard question escalates");
  const share = escalated.filter(Boolean).length / solutions.length;
  assert.deepEqual([solutions.length, escalated.filter(Boolean).length, share], [2, 1, 0.5]);
});
