/** One pricing rule: configured prices attach to the backends the registry builds, keyed by their id. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/models/config.ts";
import { costOf, perToken, priceUsage } from "../../src/models/pricing.ts";
import { ModelRegistry } from "../../src/models/registry.ts";

const config = parseConfig(`models:
  big:
    openai: { model: qwen, baseURL: "http://127.0.0.1:1/v1" }
    price: { prompt: 0.2, completion: 0.6 }
  free:
    openai: { model: qwen, baseURL: "http://127.0.0.1:1/v1" }
`);

test("the registry attaches a configured model's price to the backend it builds, raw: or not", async () => {
  const registry = new ModelRegistry({ config });
  try {
    const big = await registry.get("big");
    const raw = await registry.get("raw:big");
    const free = await registry.get("free");
    assert.deepEqual(registry.prices(big.id), perToken({ prompt: 0.2, completion: 0.6 }));
    assert.notEqual(raw.id, big.id);
    assert.deepEqual(registry.prices(raw.id), registry.prices(big.id));
    assert.equal(registry.prices(free.id), undefined);
  } finally {
    await registry.close();
  }
});

test("priceUsage costs each entry at its backend's prices and leaves the others alone", () => {
  const prices = perToken({ prompt: 1, completion: 3 });
  const usage: Record<string, { promptTokens: number; completionTokens: number; cost?: number }> = {
    "openai:big": { promptTokens: 1000, completionTokens: 2000 },
    "openai:free": { promptTokens: 10, completionTokens: 20 },
    "openai:reported": { promptTokens: 10, completionTokens: 20, cost: 5 },
  };
  priceUsage(usage, (id) => (id === "openai:free" ? undefined : prices));
  assert.ok(Math.abs(usage["openai:big"].cost! - 0.007) < 1e-15);
  assert.equal(usage["openai:free"].cost, undefined);
  assert.equal(usage["openai:reported"].cost, 5);
  assert.equal(costOf(1000, 2000), 0);
});
