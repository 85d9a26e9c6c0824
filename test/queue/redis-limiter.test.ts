import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { createOpenAIBackend } from "../../src/models/openai/index.ts";
import type { SlotRelease } from "../../src/models/openai/slot-limiter.ts";
import { RedisSlotLimiter } from "../../src/queue/redis-limiter.ts";
import { startOpenAIServer } from "../../src/testing/openai-server.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

const endpoint = (name: string) => `http://127.0.0.1:1/${name}/v1`;

/** Resolves when `check` holds, polling every 20 ms; fails after `timeoutMs` naming `what`. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("two limiters on one Redis never hold more than the limit together, and every waiter gets a slot", async () => {
  const url = endpoint("shared");
  const a = new RedisSlotLimiter({ url: redis.url });
  const b = new RedisSlotLimiter({ url: redis.url });
  try {
    let holding = 0;
    let most = 0;
    const held: SlotRelease[] = [];
    const take = (limiter: RedisSlotLimiter) =>
      limiter.acquire(url, { limit: 3 }).then((release) => {
        holding++;
        most = Math.max(most, holding);
        held.push(() => {
          holding--;
          release();
        });
      });
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => take(i % 2 ? a : b)));
    await until(() => held.length === 3, "three holders");
    assert.equal(await a.inUse(url), 3);
    // Each slot given back lets exactly the next waiter in, in either process.
    for (let released = 0; released < 10; released++) {
      await until(() => held.length > 0, "a holder");
      held.shift()!();
    }
    await all;
    assert.equal(most, 3);
    assert.equal(holding, 0);
    await until(async () => (await a.inUse(url)) === 0, "every slot back");
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("a limit is per endpoint URL", async () => {
  const limiter = new RedisSlotLimiter({ url: redis.url });
  try {
    const one = await limiter.acquire(endpoint("one"), { limit: 1 });
    const two = await limiter.acquire(endpoint("two"), { limit: 1 });
    assert.equal(await limiter.inUse(endpoint("one")), 1);
    assert.equal(await limiter.inUse(endpoint("two")), 1);
    one();
    two();
  } finally {
    await limiter.close();
  }
});

test("a waiter that aborts rejects with ABORTED and takes no slot", async () => {
  const url = endpoint("abort");
  const limiter = new RedisSlotLimiter({ url: redis.url });
  try {
    const release = await limiter.acquire(url, { limit: 1 });
    const controller = new AbortController();
    const waiting = limiter.acquire(url, { limit: 1, signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, (error) => DeliberateError.isInstance(error) && error.code === "ABORTED");
    release();
    await until(async () => (await limiter.inUse(url)) === 0, "the slot back");
    // The next waiter is served normally.
    (await limiter.acquire(url, { limit: 1 }))();
  } finally {
    await limiter.close();
  }
});

test("bad limits and URLs are named", async () => {
  assert.throws(
    () => new RedisSlotLimiter({ url: "http://127.0.0.1:6379" }),
    (error) => DeliberateError.isInstance(error) && /redis:\/\//.test(error.message),
  );
  const limiter = new RedisSlotLimiter({ url: redis.url });
  try {
    await assert.rejects(
      limiter.acquire(endpoint("x"), { limit: 0 }),
      (error) =>
        DeliberateError.isInstance(error) && error.code === "BAD_REQUEST" && /limit/.test(error.message),
    );
  } finally {
    await limiter.close();
  }
});

test("the slots of a process killed with SIGKILL come back after the lease, not before", async () => {
  const url = endpoint("killed");
  const leaseMs = 3_000;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "helpers", "hold-slots.ts"),
      redis.url,
      url,
      "2",
      "2",
      String(leaseMs),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const limiter = new RedisSlotLimiter({ url: redis.url, leaseMs });
  try {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    await until(() => out.includes("held"), "the child to hold its slots");
    let acquiredAt = 0;
    const waiting = limiter.acquire(url, { limit: 2 }).then((release) => {
      acquiredAt = Date.now();
      return release;
    });
    // The living child renews its leases: past one lease lifetime the waiter still waits.
    await new Promise((resolve) => setTimeout(resolve, 1.5 * leaseMs));
    assert.equal(acquiredAt, 0, "a renewed lease must not expire");
    const killedAt = Date.now();
    child.kill("SIGKILL");
    const release = await waiting;
    assert.ok(acquiredAt >= killedAt);
    release();
  } finally {
    child.kill("SIGKILL");
    await limiter.close();
  }
});

test("two OpenAI backends sharing a limiter keep one endpoint at maxInFlightPerEndpoint together", async () => {
  const server = await startOpenAIServer({ responder: () => ({ choices: [{ text: "ok" }], delayMs: 100 }) });
  const limiters = [new RedisSlotLimiter({ url: redis.url }), new RedisSlotLimiter({ url: redis.url })];
  try {
    // Two workers' backends: alone, each would send 2 at once (4 together).
    const backends = limiters.map((slotLimiter) =>
      createOpenAIBackend({ model: "m", baseURL: server.url, maxInFlightPerEndpoint: 2, slotLimiter }),
    );
    const question = (i: number) => ({ messages: [{ role: "user" as const, content: `q${i}` }] });
    await Promise.all(Array.from({ length: 16 }, (_, i) => backends[i % 2].generate(question(i))));
    assert.equal(server.requests.length, 16);
    assert.equal(server.maxInFlight, 2);
    assert.equal(await limiters[0].inUse(server.url), 0);
  } finally {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await server.close();
  }
});
