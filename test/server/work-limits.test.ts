/**
 * Work limits: the work one request asks for (completions × their max tokens, over `n`, the
 * strategy's samples and every call it makes) is refused with a 400 before any model call, by one
 * limit whichever field carries the multiplier; `max_tokens` above the context is a 400; one key's
 * work in flight is capped (429) without holding up other keys.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GenerateRequest, ModelBackend } from "../../src/models/types.ts";
import { createApp } from "../../src/server/app.ts";
import { runRegisteredStrategy, strategyNames } from "../../src/server/strategy-runner.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const messages = [{ role: "user", content: "What is 1+1?" }];

function app(options: Partial<Parameters<typeof createApp>[0]> = {}, backend?: ModelBackend) {
  const small = backend ?? new ScriptedBackend({ answers: { "2": 1 }, capabilities: { contextSize: 4096 } });
  return createApp({
    models: new Map<string, ModelBackend>([["small", small]]),
    strategies: strategyNames,
    runStrategy: runRegisteredStrategy,
    ...options,
  }).app;
}

async function post(target: ReturnType<typeof app>, body: object, headers: Record<string, string> = {}) {
  const response = await target.request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: { message: string; param: string | null; code: string } };
  return { status: response.status, json, retryAfter: response.headers.get("retry-after") };
}

test("the same work is refused whichever field carries it, before any model call", async () => {
  const backend = new ScriptedBackend({ answers: { "2": 1 }, capabilities: { contextSize: 4096 } });
  const target = app({ limits: { maxCompletionsPerRequest: 64 } }, backend);
  // 4 × 16 = 64 completions fits, 4 × 17 = 68 does not, with n or either samples field carrying it.
  const shapes: Array<[name: string, body: (samples: number) => object, param: string]> = [
    ["n", (s) => ({ n: s, deliberate: { strategy: "self-consistency", samples: 4 } }), "n"],
    [
      "deliberate.samples",
      (s) => ({ n: 4, deliberate: { strategy: "self-consistency", samples: s } }),
      "deliberate.samples",
    ],
    [
      "deliberate.options.samples",
      (s) => ({ n: 4, deliberate: { strategy: "self-consistency", options: { samples: s } } }),
      "deliberate.options.samples",
    ],
    [
      "an inner strategy's samples",
      (s) => ({
        n: 4,
        deliberate: {
          strategy: "self-consistency",
          options: { samples: 1, inner: "self-consistency", innerOptions: { samples: s } },
        },
      }),
      "deliberate.options.samples",
    ],
  ];
  for (const [name, body, param] of shapes) {
    const calls = backend.calls.length;
    const refused = await post(target, { model: "small", messages, max_tokens: 8, ...body(17) });
    assert.equal(refused.status, 400, name);
    assert.equal(refused.json.error!.code, "bad_request");
    assert.match(
      refused.json.error!.message,
      /asks for 68 completions .*over this server's limit of 64 per request/,
      name,
    );
    assert.equal(refused.json.error!.param, param, name);
    assert.equal(backend.calls.length, calls, `${name}: a model was called for a refused request`);
    const accepted = await post(target, { model: "small", messages, max_tokens: 8, ...body(16) });
    assert.equal(accepted.status, 200, `${name}: ${accepted.json.error?.message}`);
  }
});

test("every multiplier counts: n on plain requests, search width and depth, verifier calls, retries", async () => {
  const target = app({ limits: { maxCompletionsPerRequest: 256, maxTokensPerRequest: 10_000 } });
  const refused: Array<[name: string, body: object]> = [
    ["plain n 300", { n: 300, max_tokens: 1 }],
    ["plain n 3 × the whole context", { n: 3 }],
    [
      "beam 8 × 8 × 8 deep",
      { deliberate: { strategy: "beam", options: { beamWidth: 8, expansions: 8, maxDepth: 8 } } },
    ],
    [
      "dvts 64 subtrees × 4 × 16 deep",
      { deliberate: { strategy: "dvts", options: { samples: 256, expansions: 4, maxDepth: 16 } } },
    ],
    [
      "best-of-n 200 + 200 judge calls",
      { max_tokens: 1, deliberate: { strategy: "best-of-n", samples: 200 } },
    ],
    [
      "program-aided 300 retries",
      { max_tokens: 1, deliberate: { strategy: "program-aided", options: { retries: 300 } } },
    ],
    [
      "self-refine 200 rounds",
      { max_tokens: 1, deliberate: { strategy: "self-refine", options: { rounds: 200 } } },
    ],
    [
      "cot with a 20k thinking budget",
      { deliberate: { strategy: "cot", options: { thinkingBudget: 20_000 } } },
    ],
    ["max_tokens 1e9 on an upstream of unknown context", { max_tokens: 1e9 }],
  ];
  const unknownContext = app(
    { limits: { maxCompletionsPerRequest: 256, maxTokensPerRequest: 10_000 } },
    new ScriptedBackend({ answers: { "2": 1 } }),
  );
  for (const [name, body] of refused) {
    const on = name.includes("unknown context") ? unknownContext : target;
    const { status, json } = await post(on, { model: "small", messages, ...body });
    assert.equal(status, 400, `${name}: ${json.error?.message}`);
    assert.match(json.error!.message, /over this server's limit of \d+ per request/, name);
  }
});

test("deeply nested inner strategies are refused, not recursed into", async () => {
  let options: Record<string, unknown> = { samples: 1 };
  for (let depth = 0; depth < 50; depth++)
    options = { samples: 1, inner: "self-consistency", innerOptions: options };
  const { status, json } = await post(app(), {
    model: "small",
    messages,
    deliberate: { strategy: "self-consistency", options },
  });
  assert.equal(status, 400);
  assert.match(json.error!.message, /nest more than 4 deep/);
});

test("invalid strategy options are a 400 naming the option, before any model call", async () => {
  const backend = new ScriptedBackend({ answers: { "2": 1 }, capabilities: { contextSize: 4096 } });
  const target = app({}, backend);
  const cases: Array<[object, string]> = [
    [{ strategy: "self-consistency", options: { samples: 0 } }, "deliberate.options.samples"],
    [{ strategy: "program-aided", options: { memoryMb: -1 } }, "deliberate.options.memoryMb"],
    [{ strategy: "best-of-n", options: { inner: "nope" } }, "deliberate.options.inner"],
    [
      { strategy: "best-of-n", options: { inner: "cot", innerOptions: { maxTokens: "lots" } } },
      "deliberate.options.innerOptions.maxTokens",
    ],
  ];
  for (const [deliberate, param] of cases) {
    const { status, json } = await post(target, { model: "small", messages, deliberate });
    assert.equal(status, 400, JSON.stringify(deliberate));
    assert.equal(json.error!.param, param);
  }
  assert.equal(backend.calls.length, 0);
});

test("max_tokens above the model's context is a 400, as in OpenAI and vLLM", async () => {
  const target = app();
  for (const [field, where] of [
    [{ max_tokens: 4097 }, "max_tokens"],
    [{ max_completion_tokens: 1e9 }, "max_completion_tokens"],
    [{ max_tokens: 5000, deliberate: { strategy: "cot" } }, "max_tokens"],
    [{ deliberate: { strategy: "cot", options: { maxTokens: 1e9 } } }, "deliberate.options.maxTokens"],
  ] as const) {
    const { status, json } = await post(target, { model: "small", messages, ...field });
    assert.equal(status, 400, JSON.stringify(field));
    assert.equal(json.error!.param, where);
    assert.match(json.error!.message, /more than the 4096-token context of `small`/);
  }
  assert.equal((await post(target, { model: "small", messages, max_tokens: 4096 })).status, 200);
});

/** A backend whose generations wait until `open()`: requests stay in flight exactly as long as a test wants. */
function gatedBackend() {
  const inner = new ScriptedBackend({ answers: { "2": 1 }, capabilities: { contextSize: 1024 } });
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  const started: GenerateRequest[] = [];
  const backend: ModelBackend = {
    id: inner.id,
    capabilities: inner.capabilities,
    generate: async (request) => {
      started.push(request);
      await gate;
      return inner.generate(request);
    },
    stream: (request) => inner.stream(request),
    close: () => inner.close(),
  };
  return { backend, open: () => opened(), started };
}

test("one key's work in flight is capped with a 429; other keys and later requests still run", async () => {
  const { backend, open, started } = gatedBackend();
  const keys = ["sk-key-aaaaaaaaaa", "sk-key-bbbbbbbbbb"];
  const target = app(
    { apiKeys: keys, limits: { maxCompletionsPerRequest: 8, maxCompletionsPerKey: 16 } },
    backend,
  );
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const body = { model: "small", messages, n: 8, max_tokens: 16 };
  const first = post(target, body, as(keys[0]!));
  const second = post(target, body, as(keys[0]!));
  while (started.length < 2) await new Promise((resolve) => setImmediate(resolve));
  // Key A holds 16 completions: a third request of 8 would make 24.
  const third = await post(target, body, as(keys[0]!));
  assert.equal(third.status, 429);
  assert.equal(third.json.error!.code, "rate_limited");
  assert.match(third.json.error!.message, /too much work in flight for this key: 16 completions/);
  assert.equal(third.retryAfter, "1");
  // Key B is not held up by A.
  const other = post(target, body, as(keys[1]!));
  while (started.length < 3) await new Promise((resolve) => setImmediate(resolve));
  open();
  assert.deepEqual([(await first).status, (await second).status, (await other).status], [200, 200, 200]);
  // A's work was released when its requests ended.
  assert.equal((await post(target, body, as(keys[0]!))).status, 200);
});

test("limits that could never be met are refused when the app is built", () => {
  assert.throws(
    () => app({ limits: { maxCompletionsPerRequest: 100, maxCompletionsPerKey: 10 } }),
    /`maxCompletionsPerKey` \(10\) is below `maxCompletionsPerRequest` \(100\)/,
  );
  assert.throws(
    () => app({ limits: { maxTokensPerRequest: 0 } }),
    /`maxTokensPerRequest` must be an integer >= 1/,
  );
});

test("a run that asks for more than it was admitted with is stopped before the extra call reaches a model", async () => {
  const backend = new ScriptedBackend({ answers: { "2": 1 }, capabilities: { contextSize: 4096 } });
  const { app: target } = createApp({
    models: new Map<string, ModelBackend>([["small", backend]]),
    strategies: ["greedy"],
    // A runner that makes two calls, and a planner that promised one.
    runStrategy: async ({ route, messages, trace }) => {
      for (let call = 0; call < 2; call++) await route.backends.policy.generate({ messages, maxTokens: 10 });
      throw new Error(`unreachable (trace ${trace.id})`);
    },
    planStrategy: () => ({ completions: 1, tokens: 10 }),
  });
  const { status, json } = await post(target, { model: "greedy/small", messages });
  assert.equal(status, 500);
  assert.match(
    json.error!.message,
    /greedy asked for more than the 1 completions \(10 tokens\) it was admitted with/,
  );
  assert.equal(backend.calls.length, 1);
});
