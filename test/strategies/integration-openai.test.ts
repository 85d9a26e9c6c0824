/**
 * Every strategy of this part end to end through the real OpenAI backend over HTTP, against the
 * loopback server: requests, n, seeds, logprobs, streaming with abort, and usage all cross a socket.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../src/models/openai/openai-backend.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { solve } from "../../src/strategies/index.ts";
import {
  type OpenAIServer,
  type OpenAIServerRequest,
  type ScriptedChoice,
  startOpenAIServer,
} from "../../src/testing/openai-server.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { assertTraceComplete, nodes, problem } from "./fixtures.ts";

/** Per-choice seed-driven answers: 3 in 4 say 42, confidently; the rest say 41, unsure. */
function reason(seed: number): ScriptedChoice {
  const right = seed % 4 !== 3;
  const words =
    `We multiply 6 by 7 carefully and get ${right ? 42 : 41} so \\boxed{${right ? 42 : 41}}`.split(" ");
  const logprob = right ? -0.02 : -1.5;
  return {
    text: words.join(" "),
    logprobs: words.map((word, i) => ({
      token: i === 0 ? word : ` ${word}`,
      logprob,
      top: [
        { token: word, logprob },
        { token: "other", logprob: Math.log(Math.max(1e-9, 1 - Math.exp(logprob))) },
      ],
    })),
  };
}

function respond(request: OpenAIServerRequest) {
  const messages = (request.body.messages ?? []) as Array<{ content: string }>;
  const last = messages.at(-1)?.content ?? "";
  if (last.includes("Reply with Yes or No")) {
    const yes = last.includes("\\boxed{42}");
    const top = [
      { token: "Yes", logprob: Math.log(yes ? 0.9 : 0.2) },
      { token: "No", logprob: Math.log(yes ? 0.1 : 0.8) },
    ];
    return { choices: [{ text: yes ? "Yes" : "No", logprobs: [{ ...top[yes ? 0 : 1], top }] }] };
  }
  const seed = typeof request.body.seed === "number" ? request.body.seed : 0;
  return { choices: Array.from({ length: request.n }, (_, i) => reason(seed + i)) };
}

let server: OpenAIServer;
let policy: ModelBackend;
before(async () => {
  server = await startOpenAIServer({ responder: respond });
  policy = createOpenAIBackend({ model: "test-model", baseURL: server.url, maxRetries: 0 });
});
after(async () => {
  await policy.close();
  await server.close();
});

for (const [strategy, options] of [
  ["cot", {}],
  ["self-consistency", { samples: 6 }],
  ["self-consistency", { samples: 24, stopping: "beta" }],
  ["confidence-vote", { samples: 8, keep: 0.5 }],
  ["confidence-vote", { samples: 8, online: true, warmup: 4, keep: 0.5, groupSize: 4 }],
  ["best-of-n", { samples: 4 }],
  ["weighted-best-of-n", { samples: 4 }],
] as const) {
  test(`${strategy} ${JSON.stringify(options)} over a real HTTP backend`, async () => {
    const before = server.requests.length;
    const trace = new TraceRecorder();
    const solution = await solve(problem, {
      strategy,
      options,
      backends: { policy },
      trace,
      seed: 1,
      budget: { maxCalls: 40 },
    });
    assert.equal(solution.key, "42", solution.text);
    assert.ok(solution.confidence > 0 && solution.confidence <= 1);
    const requests = server.requests.slice(before);
    const generates = nodes(trace.trace, "generate");
    assert.equal(generates.length, requests.length, "one generate node per HTTP request");
    assert.equal(solution.usage[policy.id].calls, requests.length);
    assert.ok(solution.usage[policy.id].completionTokens > 0);
    assertTraceComplete(trace.trace);
    if (strategy === "confidence-vote") assert.ok(requests.every((r) => r.logprobs));
  });
}

test("online DeepConf aborts unsure traces over HTTP streaming", async () => {
  const trace = new TraceRecorder();
  await solve(problem, {
    strategy: "confidence-vote",
    options: { samples: 12, online: true, warmup: 4, keep: 0.5, groupSize: 4 },
    backends: { policy },
    trace,
    seed: 5,
  });
  const terminated = nodes(trace.trace, "decision").filter((n) => n.name === "terminate");
  const streamed = nodes(trace.trace, "generate").filter((n) => n.data.tags?.phase === "online");
  assert.equal(streamed.length, 8);
  assert.ok(terminated.length >= 1, "an unsure trace was stopped");
  assert.ok(terminated.length < 8, "confident traces ran to the end");
});
