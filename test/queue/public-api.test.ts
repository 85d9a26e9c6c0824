import assert from "node:assert/strict";
import { test } from "node:test";
import * as deliberate from "../../src/index.ts";

test("the queue's entry points are public: workers, the BullMQ queue, the default queue, the shared limiter", () => {
  assert.equal(typeof deliberate.startQueueWorker, "function");
  assert.equal(typeof deliberate.BullmqQueue, "function");
  assert.equal(typeof deliberate.RedisSlotLimiter, "function");
  assert.equal(deliberate.inProcessQueue.kind, "in-process");
  assert.equal(typeof deliberate.inProcessQueue.run, "function");
});
