import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";
import {
  type PoolingPrmOptions,
  poolingPrm,
  QWEN_PRM_SYSTEM,
} from "../../../src/verifiers/step-scorers/pooling-prm.ts";
import { type PoolingServerOptions, startPoolingServer } from "../../helpers/pooling-server.ts";
import { runContext as context, nodes } from "./run-context.ts";

const problem = { id: "p", messages: [{ role: "user" as const, content: "What is 6 * 7?" }] };
const steps = ["6 * 7 = 6 * 5 + 6 * 2.", "That is 30 + 12 = 42.", "The answer is \\boxed{42}."];
const MODEL = "Qwen/Qwen2.5-Math-PRM-7B";

type Failure = { code?: string; message: string; status?: number; retryable?: boolean; param?: string };
/** Checks a rejection's code and message; the message must name the endpoint unless told otherwise. */
const fails =
  (code: string, pattern: RegExp, url?: string) =>
  (e: Failure): boolean => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    if (url) assert.ok(e.message.includes(url), `"${e.message}" names ${url}`);
    return true;
  };

/** A server for one test, closed after it, and a scorer pointed at it. */
async function setup(
  t: { after(fn: () => Promise<void>): void },
  server: PoolingServerOptions = {},
  options: Partial<PoolingPrmOptions> = {},
) {
  const started = await startPoolingServer(server);
  t.after(() => started.close());
  return {
    server: started,
    url: `${started.url}/pooling`,
    scorer: poolingPrm({ baseUrl: started.url, model: MODEL, ...options }),
  };
}

test("pooling-prm sends the documented request and reads P(good) per step", async (t) => {
  // A step mentioning 30 is judged bad: P(good) 0.25; the others 0.75 + 0.05·i.
  const { server, scorer } = await setup(
    t,
    { score: (step, i) => (step.includes("30") ? 0.25 : 0.75 + 0.05 * i) },
    { apiKey: "sk-test" },
  );
  const ctx = context(new ScriptedBackend());
  const result = await scorer.scoreSteps(problem, steps, ctx);
  assert.deepEqual(result.scores, [0.75, 0.25, 0.85]);
  assert.equal(result.method, "pooling");
  assert.equal(server.requests.length, 1, "one request for the whole solution");
  const [sent] = server.requests;
  assert.equal(sent.path, "/pooling");
  assert.equal(sent.headers.authorization, "Bearer sk-test");
  assert.deepEqual(sent.body, {
    model: MODEL,
    task: "token_classify",
    messages: [
      { role: "system", content: QWEN_PRM_SYSTEM },
      { role: "user", content: "What is 6 * 7?" },
      { role: "assistant", content: steps.map((s) => `${s}<extra_0>`).join("") },
    ],
  });
  // The usage the server reports is charged; the call is a traced scoring call.
  const promptTokens = Math.ceil(Buffer.byteLength(JSON.stringify(sent.body.messages), "utf8") / 4);
  assert.equal(ctx.ledger.calls(), 1);
  assert.equal(ctx.ledger.tokens(), promptTokens);
  const [call] = nodes(ctx.trace.trace, "generate");
  assert.equal(call.data.purpose, "score");
  assert.equal(call.data.promptTokens, promptTokens);
  assert.equal(call.name, `pooling:${MODEL}@${server.url}`);
  assert.equal(call.data.request.url, `${server.url}/pooling`);
  assert.ok(call.endedAt !== undefined && call.data.error === undefined);
  assert.equal(call.data.request.apiKey, undefined, "the key stays out of the trace");
});

test("text input with another step token and no system message", async (t) => {
  const { server, scorer } = await setup(
    t,
    { stepToken: " ки", score: (_step, i) => 0.1 * (i + 1) },
    { input: "text", stepToken: " ки", system: "" },
  );
  const result = await scorer.scoreSteps(problem, steps, context(new ScriptedBackend()));
  assert.deepEqual(
    result.scores.map((s) => s.toFixed(9)),
    ["0.100000000", "0.200000000", "0.300000000"],
  );
  const [sent] = server.requests;
  assert.equal(sent.body.messages, undefined);
  assert.equal(sent.body.input, `What is 6 * 7?\n\n${steps.map((s) => `${s} ки`).join("\n")}`);
  assert.deepEqual(sent.steps, steps);
});

test("one-label rows [p] are one probability per step; usage left out charges no tokens", async (t) => {
  const { scorer } = await setup(t, { reply: () => ({ rows: [[0.9], [0.4], [0.6]], usage: null }) });
  const ctx = context(new ScriptedBackend());
  assert.deepEqual((await scorer.scoreSteps(problem, steps, ctx)).scores, [0.9, 0.4, 0.6]);
  assert.equal(ctx.ledger.calls(), 1);
  assert.equal(ctx.ledger.tokens(), 0);
});

test("no steps make no request", async (t) => {
  const { server, scorer } = await setup(t);
  assert.deepEqual((await scorer.scoreSteps(problem, [], context(new ScriptedBackend()))).scores, []);
  assert.equal(server.requests.length, 0);
});

test("a response with another step count is an error, never a shifted score", async (t) => {
  const { url, scorer } = await setup(t, { reply: (_req, rows) => ({ rows: rows.slice(0, 2) }) });
  const ctx = context(new ScriptedBackend());
  await assert.rejects(
    scorer.scoreSteps(problem, steps, ctx),
    fails("UPSTREAM", /answered 2 step scores for 3 steps/, url),
  );
  // Failed, still charged as a call, and the trace says why.
  assert.equal(ctx.ledger.calls(), 1);
  assert.match(nodes(ctx.trace.trace, "generate")[0].data.error ?? "", /2 step scores for 3 steps/);
});

test("a step containing the step token is refused before anything is sent", async (t) => {
  const { server, scorer } = await setup(t);
  await assert.rejects(
    scorer.scoreSteps(problem, ["a<extra_0>b", "c"], context(new ScriptedBackend())),
    (e: Failure) => e.code === "BAD_REQUEST" && e.param === "stepToken" && /step 0/.test(e.message),
  );
  assert.equal(server.requests.length, 0);
});

test("HTTP errors name the endpoint, the status and the server's message", async (t) => {
  const body = JSON.stringify({
    error: { message: "CUDA out of memory", type: "InternalServerError", code: 500 },
  });
  const { url, scorer } = await setup(t, { reply: () => ({ status: 500, body }) });
  await assert.rejects(scorer.scoreSteps(problem, steps, context(new ScriptedBackend())), (e: Failure) => {
    fails("UPSTREAM", /HTTP 500: CUDA out of memory/, url)(e);
    assert.equal(e.status, 500);
    assert.equal(e.retryable, true);
    return true;
  });
});

test("401, 429 and a 404 without the model map to their codes", async (t) => {
  const cases: Array<[number, string, string, RegExp]> = [
    [401, JSON.stringify({ error: { message: "bad key" } }), "UNAUTHORIZED", /HTTP 401: bad key/],
    [429, JSON.stringify({ message: "slow down" }), "RATE_LIMITED", /HTTP 429: slow down/],
    [404, JSON.stringify({ detail: "Not Found" }), "UPSTREAM", /server root, without `\/v1`/],
    [
      404,
      JSON.stringify({ error: { message: "The model `x` does not exist." } }),
      "MODEL_NOT_FOUND",
      /does not exist/,
    ],
  ];
  for (const [status, body, code, pattern] of cases) {
    const { url, scorer } = await setup(t, { reply: () => ({ status, body }) });
    await assert.rejects(
      scorer.scoreSteps(problem, steps, context(new ScriptedBackend())),
      fails(code, pattern, url),
    );
  }
});

test("malformed bodies: not JSON, the wrong shape, per-input vectors, base64, logits", async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ["{ not json", /invalid JSON/],
    [JSON.stringify({ object: "list", data: [] }), /malformed response/],
    [JSON.stringify({ data: [{ index: 0, data: [["a", "b"]] }] }), /malformed response/],
    [
      JSON.stringify({ data: [{ index: 0, data: [0.1, 0.9, 0.5] }] }),
      /one vector of 3 values for the whole input/,
    ],
    [JSON.stringify({ data: [{ index: 0, data: "AAAA" }] }), /base64/],
    [
      JSON.stringify({
        data: [
          {
            index: 0,
            data: [
              [0.1, 0.8, 0.1],
              [0.5, 0.5, 0],
              [1, 0, 0],
            ],
          },
        ],
      }),
      /3 values for step 0/,
    ],
    [
      JSON.stringify({
        data: [
          {
            index: 0,
            data: [
              [-2.1, 3.4],
              [0.5, 0.5],
              [1, 0],
            ],
          },
        ],
      }),
      /3.4 for step 0, not a probability/,
    ],
  ];
  for (const [raw, pattern] of cases) {
    const { url, scorer } = await setup(t, { reply: () => ({ raw: raw as string }) });
    await assert.rejects(
      scorer.scoreSteps(problem, steps, context(new ScriptedBackend())),
      fails("UPSTREAM", pattern, url),
    );
  }
});

test("a server that never answers is a TIMEOUT naming the endpoint and the limit", {
  timeout: 30_000,
}, async (t) => {
  const { url, scorer } = await setup(t, { reply: () => ({ hang: true }) }, { timeoutMs: 200 });
  await assert.rejects(
    scorer.scoreSteps(problem, steps, context(new ScriptedBackend())),
    fails("TIMEOUT", /within 200 ms/, url),
  );
});

test("aborting the solve mid-request rejects with ABORTED", { timeout: 30_000 }, async (t) => {
  const { server, scorer } = await setup(t, { reply: () => ({ hang: true }) });
  const controller = new AbortController();
  const ctx = context(new ScriptedBackend(), { signal: controller.signal });
  const scoring = scorer.scoreSteps(problem, steps, ctx);
  await server.received(1);
  controller.abort();
  await assert.rejects(scoring, fails("ABORTED", /aborted/));
  assert.equal(nodes(ctx.trace.trace, "generate")[0].endedAt !== undefined, true);
});

test("the budget is checked before the request is sent", async (t) => {
  const { server, scorer } = await setup(t);
  const ctx = context(new ScriptedBackend(), {}, { maxCalls: 1 });
  await scorer.scoreSteps(problem, steps, ctx);
  await assert.rejects(scorer.scoreSteps(problem, steps, ctx), fails("BUDGET", /call budget of 1/));
  assert.equal(server.requests.length, 1);
});

test("an unreachable endpoint is UPSTREAM naming it and the socket error", async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const scorer = poolingPrm({ baseUrl: `http://127.0.0.1:${port}`, model: MODEL });
  await assert.rejects(
    scorer.scoreSteps(problem, steps, context(new ScriptedBackend())),
    fails("UPSTREAM", /could not reach .*ECONNREFUSED/, `http://127.0.0.1:${port}/pooling`),
  );
});

test("options are checked when the scorer is built", () => {
  assert.throws(
    () => poolingPrm({ model: MODEL } as PoolingPrmOptions),
    (e: Failure) => e.code === "BAD_REQUEST" && /`pooling-prm` option `baseUrl`/.test(e.message),
  );
  assert.throws(
    () => poolingPrm({ baseUrl: "http://x", model: MODEL, stepTokn: "<x>" } as PoolingPrmOptions),
    (e: Failure) =>
      e.code === "BAD_REQUEST" && /unknown option `stepTokn`; did you mean `stepToken`/.test(e.message),
  );
});

test("the solve's time budget running out mid-request is a BUDGET error", { timeout: 30_000 }, async (t) => {
  const { url, scorer } = await setup(t, { reply: () => ({ hang: true }) });
  const ctx = context(new ScriptedBackend(), {}, { maxSeconds: 0.3 });
  await assert.rejects(scorer.scoreSteps(problem, steps, ctx), fails("BUDGET", /time budget ran out/, url));
});
