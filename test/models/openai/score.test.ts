import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import { continuationTokens } from "../../../src/models/openai/score-continuation.ts";
import {
  type OpenAIServer,
  type ScriptedLogprob,
  startOpenAIServer,
} from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
let echoed: ScriptedLogprob[] = [];

before(async () => {
  // An echo-capable server: the prompt's tokens come back with logprobs, then one generated token.
  server = await startOpenAIServer({
    responder: ({ body }) => ({
      choices: [{ text: `${body.prompt} Done`, logprobs: [...echoed, { token: " Done", logprob: -9 }] }],
    }),
  });
});
after(() => server.close());

const scorer = () => createOpenAIBackend({ model: "m", baseURL: server.url, scoring: true, maxRetries: 0 });

test("score() returns the continuation's token logprobs and their sum, asking with echo", async () => {
  echoed = [
    { token: "The", logprob: -5 },
    { token: " answer", logprob: -2 },
    { token: " is", logprob: -1 },
    { token: " 4", logprob: -0.5, top: [{ token: " 4", logprob: -0.5 }] },
    { token: "2", logprob: -0.25 },
    { token: ".", logprob: -0.125 },
  ];
  const backend = scorer();
  assert.equal(backend.capabilities.score, true);
  const result = await backend.score!({ prompt: "The answer is", continuation: " 42." });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.api, "completions");
  assert.equal(sent.body.prompt, "The answer is 42.");
  assert.equal(sent.body.echo, true);
  assert.equal(sent.body.max_tokens, 1);
  assert.deepEqual(result.tokens, [
    { token: " 4", logprob: -0.5 },
    { token: "2", logprob: -0.25 },
    { token: ".", logprob: -0.125 },
  ]);
  assert.equal(result.logprob, -0.875);
  assert.equal(result.promptTokens, 3);
  assert.equal(result.backend, backend.id);
});

test("score() with logprobs keeps the sorted alternatives", async () => {
  echoed = [
    { token: "Q:", logprob: -3 },
    {
      token: " yes",
      logprob: -0.7,
      top: [
        { token: " no", logprob: -0.8 },
        { token: " yes", logprob: -0.7 },
      ],
    },
  ];
  const result = await scorer().score!({ prompt: "Q:", continuation: " yes", logprobs: 2 });
  assert.deepEqual(result.tokens[0].top, [
    { token: " yes", logprob: -0.7 },
    { token: " no", logprob: -0.8 },
  ]);
});

test("a token straddling the prompt/continuation boundary counts as continuation", () => {
  // "The answer is" + " 42." tokenised as ["The answer", " is 4", "2.", " Done"].
  assert.deepEqual(continuationTokens(["The answer", " is 4", "2.", " Done"], undefined, 13, 17), [1, 2]);
  assert.deepEqual(continuationTokens(["ab", "cd"], [0, 2], 2, 4), [1]);
});

test("score() needs a rendered string prompt and a non-empty continuation", async () => {
  const backend = scorer();
  await assert.rejects(backend.score!({ prompt: [{ role: "user", content: "q" }], continuation: "a" }), {
    code: "BAD_REQUEST",
    param: "prompt",
  });
  await assert.rejects(backend.score!({ prompt: "q", continuation: "" }), {
    code: "BAD_REQUEST",
    param: "continuation",
  });
});

test("without scoring: true there is no score() and capabilities say so", () => {
  const backend = createOpenAIBackend({ model: "m", baseURL: server.url });
  assert.equal(backend.score, undefined);
  assert.equal(backend.capabilities.score, false);
});
