/** `GET /v1/models` lists only ids that can work; a strategy missing its large model says the form that does. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelBackend } from "../../src/models/types.ts";
import { startServer } from "../../src/server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../../src/server/strategy-runner.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

test("cascade ids are listed as SMALL+LARGE pairs only, and cascade/SMALL alone is a 400 naming that form", async () => {
  const server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([
      ["small", new ScriptedBackend({ answers: { "4": 1 } })],
      ["big", new ScriptedBackend({ answers: { "4": 1 } })],
    ]),
    strategies: strategyNames,
    runStrategy: runRegisteredStrategy,
  });
  try {
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    const ids = listed.data.map((m) => m.id);
    assert.ok(ids.includes("cascade/small+big") && ids.includes("cascade/big+small"));
    assert.ok(!ids.includes("cascade/small") && !ids.includes("speculative-thinking/big"));
    assert.ok(ids.includes("self-consistency/small") && ids.includes("small"));

    const ask = (model: string, extra: object = {}) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "2+2?" }], ...extra }),
      });
    const refused = await ask("cascade/small");
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: { message: string; param: string } };
    assert.match(body.error.message, /cascade\/SMALL\+LARGE/);
    assert.match(body.error.message, /cascade\/small\+big/);
    assert.equal(body.error.param, "model");
    // Every listed id works.
    for (const id of ["cascade/small+big", "self-consistency/small", "small"]) {
      assert.equal((await ask(id)).status, 200, id);
    }
    // The request's top-level knobs go only to strategies that have them: `cot` has no samples.
    assert.equal((await ask("cot/small", { deliberate: { samples: 4 }, temperature: 0.5 })).status, 200);
    // Options named explicitly are checked: a typo is a 400 naming the option it meant.
    const typo = await ask("self-consistency/small", { deliberate: { options: { sample: 4 } } });
    assert.equal(typo.status, 400);
    assert.match(((await typo.json()) as { error: { message: string } }).error.message, /samples/);
  } finally {
    await server.close();
  }
});
