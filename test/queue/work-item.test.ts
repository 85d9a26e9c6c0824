import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { parseEvalPlan } from "../../src/eval/eval-plan.ts";
import { parseRedisUrl, redact } from "../../src/queue/redis-url.ts";
import { queuedRunId, workItem, workItemId } from "../../src/queue/work-item.ts";

const key = { cell: "m|cot|synthetic:arithmetic", itemId: "arithmetic-3", seed: 1 };

test("an item's id is a BullMQ-safe hash of its run and record key: stable, no `:`, never an integer", () => {
  const id = workItemId("r1", key);
  assert.match(id, /^w[0-9a-f]{32}$/);
  assert.equal(workItemId("r1", { ...key }), id);
  assert.notEqual(workItemId("r2", key), id, "another run's item is another job");
  assert.notEqual(workItemId("r1", { ...key, seed: 2 }), id);
  assert.notEqual(workItemId("r1", { ...key, itemId: "arithmetic-4" }), id);
  // Field boundaries count: moving a character from the cell into the item id is another item.
  assert.notEqual(
    workItemId("r1", { cell: "ab", itemId: "c", seed: 0 }),
    workItemId("r1", { cell: "a", itemId: "bc", seed: 0 }),
  );
  assert.deepEqual(workItem("r1", key), { id, runId: "r1", ...key });
});

test("a run's id depends on everything workers rebuild it from, the store included", () => {
  const plan = parseEvalPlan({ models: ["m"], datasets: ["synthetic:arithmetic?n=2"] });
  const run = { plan, config: { models: {}, defaults: {} }, strategies: [{ name: "cot" }], datasets: [] };
  const id = queuedRunId({ ...run, store: "/a/store.sqlite", keepSampleTexts: false });
  assert.match(id, /^r[0-9a-f]{24}$/);
  assert.equal(queuedRunId({ ...run, store: "/a/store.sqlite", keepSampleTexts: false }), id);
  assert.notEqual(queuedRunId({ ...run, store: "/b/store.sqlite", keepSampleTexts: false }), id);
  assert.notEqual(queuedRunId({ ...run, store: "/a/store.sqlite", keepSampleTexts: true }), id);
});

test("queue URLs: redis:// and rediss:// only, database numbers only, passwords redacted", () => {
  assert.equal(parseRedisUrl("redis://127.0.0.1:6379/2"), "redis://127.0.0.1:6379/2");
  assert.equal(parseRedisUrl("rediss://user:pw@host:6380"), "rediss://user:pw@host:6380");
  for (const [bad, says] of [
    ["http://127.0.0.1:6379", /redis:\/\/ or rediss:\/\//],
    ["127.0.0.1:6379", /redis:\/\/ or rediss:\/\/|redis:\/\/host:port/],
    ["redis://host:6379/queue", /database number/],
    ["not a url", /redis:\/\/host:port/],
  ] as const) {
    assert.throws(
      () => parseRedisUrl(bad, "queue"),
      (error) =>
        DeliberateError.isInstance(error) && error.code === "BAD_REQUEST" && says.test(error.message),
      bad,
    );
  }
  assert.equal(redact("redis://user:secret@host:6379/0"), "redis://user:***@host:6379/0");
  assert.equal(redact("redis://host:6379"), "redis://host:6379");
  assert.throws(
    () => parseEvalPlan({ models: ["m"], datasets: ["d"], queue: "http://x" }),
    (error) => DeliberateError.isInstance(error) && /queue/.test(error.message),
  );
});
