import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import {
  type OpenAIServer,
  type Responder,
  type ScriptedLogprob,
  startOpenAIServer,
} from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
let reply: Responder = () => ({ choices: [{ text: "x" }] });

before(async () => {
  server = await startOpenAIServer({ responder: (request) => reply(request) });
});
after(() => server.close());

// Alternatives deliberately out of order: the backend must sort them, most likely first.
const tokens: ScriptedLogprob[] = [
  {
    token: "4",
    logprob: -0.1,
    top: [
      { token: "5", logprob: -3 },
      { token: "4", logprob: -0.1 },
      { token: "four", logprob: -2.5 },
    ],
  },
  {
    token: ".",
    logprob: -0.01,
    top: [
      { token: "!", logprob: -5 },
      { token: ".", logprob: -0.01 },
    ],
  },
];
const expected = [
  {
    token: "4",
    logprob: -0.1,
    top: [
      { token: "4", logprob: -0.1 },
      { token: "four", logprob: -2.5 },
      { token: "5", logprob: -3 },
    ],
  },
  {
    token: ".",
    logprob: -0.01,
    top: [
      { token: ".", logprob: -0.01 },
      { token: "!", logprob: -5 },
    ],
  },
];

const backend = () => createOpenAIBackend({ model: "m", baseURL: server.url, maxRetries: 0 });

test("chat logprobs are asked with top_logprobs and mapped with sorted alternatives", async () => {
  reply = () => ({ choices: [{ text: "4.", logprobs: tokens }] });
  const [completion] = await backend().generate({
    messages: [{ role: "user", content: "2+2?" }],
    logprobs: 3,
  });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.body.logprobs, true);
  assert.equal(sent.body.top_logprobs, 3);
  assert.deepEqual(completion.logprobs, expected);
});

test("legacy completions logprobs (parallel arrays, alternative maps) map to the same shape", async () => {
  reply = () => ({ choices: [{ text: "4.", logprobs: tokens }] });
  const [completion] = await backend().generate({ prompt: "2+2=", logprobs: 3 });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.api, "completions");
  assert.equal(sent.body.logprobs, 3);
  assert.deepEqual(completion.logprobs, expected);
});

test("more alternatives than the endpoint allows are clamped with a warning", async () => {
  reply = () => ({ choices: [{ text: "4.", logprobs: tokens }] });
  const b = createOpenAIBackend({ model: "m", baseURL: server.url, maxTopLogprobs: 5 });
  const [completion] = await b.generate({ messages: [{ role: "user", content: "q" }], logprobs: 50 });
  assert.equal(server.requests.at(-1)!.body.top_logprobs, 5);
  assert.match(completion.warnings?.[0] ?? "", /at most 5/);
});

test("an endpoint that ignores logprobs says so in warnings and capabilities", async () => {
  reply = () => ({ choices: [{ text: "4." }] });
  const b = backend();
  const [completion] = await b.generate({ messages: [{ role: "user", content: "q" }], logprobs: 2 });
  assert.equal(completion.logprobs, undefined);
  assert.match(completion.warnings?.[0] ?? "", /returned none/);
  assert.equal(b.capabilities.logprobs, false);
  const [next] = await b.generate({ messages: [{ role: "user", content: "q" }], logprobs: 2 });
  assert.equal(server.requests.at(-1)!.body.logprobs, undefined, "not asked again");
  assert.match(next.warnings?.[0] ?? "", /not supported/);
});

test("probe() learns native n and logprobs support with one tiny request", async () => {
  reply = ({ n, logprobs }) => ({
    choices: Array.from({ length: n }, () => ({
      text: "O",
      logprobs: logprobs ? [{ token: "O", logprob: -0.2 }] : undefined,
    })),
  });
  const b = backend();
  const capabilities = await b.probe();
  assert.equal(capabilities.nativeN, true);
  assert.equal(capabilities.logprobs, true);
  assert.equal(server.requests.at(-1)!.body.max_tokens, 1);

  reply = () => ({ choices: [{ text: "O" }] });
  const other = backend();
  const learned = await other.probe();
  assert.equal(learned.nativeN, false);
  assert.equal(learned.logprobs, false);
});
