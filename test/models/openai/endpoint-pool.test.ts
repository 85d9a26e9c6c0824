import assert from "node:assert/strict";
import { test } from "node:test";
import { EndpointPool } from "../../../src/models/openai/endpoint-pool.ts";
import { rankEndpoints, routingKey } from "../../../src/models/openai/prefix-hash.ts";

const urls = ["http://a/v1", "http://b/v1", "http://c/v1"];

/** A deterministic clock the test moves by hand. */
function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test("the same prompt prefix always prefers the same endpoint; different prefixes spread out", async () => {
  const pool = new EndpointPool({ urls });
  const chosen = new Map<string, string>();
  for (let i = 0; i < 60; i++) {
    const key = routingKey({ prompt: `question ${i}` }, 1024);
    const first = await pool.acquire(key);
    first.release("success");
    const second = await pool.acquire(key);
    second.release("success");
    assert.equal(first.url, second.url);
    chosen.set(key, first.url);
  }
  const counts = urls.map((url) => [...chosen.values()].filter((chosenUrl) => chosenUrl === url).length);
  assert.ok(
    counts.every((count) => count >= 8),
    `every endpoint is someone's preference: ${counts}`,
  );
});

test("only the leading prefixChars of the prompt decide the route", () => {
  const a = routingKey(
    { messages: [{ role: "user", content: `${"shared few-shot ".repeat(10)} question A` }] },
    64,
  );
  const b = routingKey(
    { messages: [{ role: "user", content: `${"shared few-shot ".repeat(10)} question B` }] },
    64,
  );
  assert.equal(a, b);
  assert.deepEqual(rankEndpoints(a, urls), rankEndpoints(b, urls));
});

test("removing an endpoint only moves the keys that preferred it (rendezvous hashing)", () => {
  for (let i = 0; i < 50; i++) {
    const key = `k${i}`;
    const [best] = rankEndpoints(key, urls);
    const without = urls.filter((url) => url !== "http://c/v1");
    if (best !== "http://c/v1") assert.equal(rankEndpoints(key, without)[0], best);
  }
});

test("a full preferred endpoint sends work to the less loaded of two others", async () => {
  const pool = new EndpointPool({ urls: [...urls, "http://d/v1"], maxInFlight: 2, random: () => 0 });
  const key = "k";
  const [preferred, ...others] = rankEndpoints(key, pool.urls);
  const held = [await pool.acquire(key), await pool.acquire(key)];
  assert.deepEqual(
    held.map((lease) => lease.url),
    [preferred, preferred],
  );
  // Load one of the two sampled alternatives so the choice between them is visible.
  const busy = await pool.acquire("other", { avoid: new Set([preferred, others[1], others[2]]) });
  assert.equal(busy.url, others[0]);
  const next = await pool.acquire(key);
  assert.equal(next.url, others[1], "random() = 0 samples the first two alternatives; the idle one wins");
});

test("when every endpoint is full, requests wait and get slots in arrival order", async () => {
  const pool = new EndpointPool({ urls: ["http://a/v1"], maxInFlight: 1 });
  const first = await pool.acquire("x");
  const order: string[] = [];
  const second = pool.acquire("x").then((lease) => {
    order.push("second");
    return lease;
  });
  const third = pool.acquire("x").then((lease) => {
    order.push("third");
    return lease;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(order, []);
  first.release("success");
  (await second).release("success");
  (await third).release("success");
  assert.deepEqual(order, ["second", "third"]);
  assert.equal(pool.snapshot()[0].inFlight, 0);
});

test("a waiting request can be aborted", async () => {
  const pool = new EndpointPool({ urls: ["http://a/v1"], maxInFlight: 1 });
  const held = await pool.acquire("x");
  const controller = new AbortController();
  const waiting = pool.acquire("x", { signal: controller.signal });
  controller.abort();
  await assert.rejects(waiting, { code: "ABORTED" });
  held.release("success");
  const next = await pool.acquire("x");
  assert.equal(next.url, "http://a/v1", "the aborted waiter did not take the slot");
});

test("consecutive failures eject an endpoint; after the cool-down one probe re-admits it", async () => {
  const time = clock();
  const pool = new EndpointPool({ urls, ejectAfterFailures: 2, cooldownMs: 1000, now: time.now });
  const key = "sticky";
  const [preferred] = rankEndpoints(key, urls);
  for (let i = 0; i < 2; i++) (await pool.acquire(key)).release("failure");
  assert.equal(pool.snapshot().find((e) => e.url === preferred)!.health, "ejected");

  const during = await pool.acquire(key);
  assert.notEqual(during.url, preferred, "an ejected endpoint gets no traffic during its cool-down");
  during.release("success");

  time.advance(1000);
  const probe = await pool.acquire(key);
  assert.equal(probe.url, preferred, "after the cool-down the preferred endpoint is probed");
  assert.equal(pool.snapshot().find((e) => e.url === preferred)!.health, "probing");
  const meanwhile = await pool.acquire(key);
  assert.notEqual(meanwhile.url, preferred, "only one probe at a time");
  meanwhile.release("success");
  probe.release("success");
  assert.equal(pool.snapshot().find((e) => e.url === preferred)!.health, "healthy");
});

test("a failed probe ejects again for another cool-down", async () => {
  const time = clock();
  const pool = new EndpointPool({ urls, ejectAfterFailures: 1, cooldownMs: 500, now: time.now });
  const [preferred] = rankEndpoints("k", urls);
  (await pool.acquire("k")).release("failure");
  time.advance(500);
  const probe = await pool.acquire("k");
  assert.equal(probe.url, preferred);
  probe.release("failure");
  const health = pool.snapshot().find((e) => e.url === preferred)!;
  assert.equal(health.health, "ejected");
  time.advance(499);
  assert.notEqual((await pool.acquire("k")).url, preferred);
});

test("neutral outcomes (4xx, rate limits, aborts) neither eject nor reset", async () => {
  const pool = new EndpointPool({ urls, ejectAfterFailures: 2 });
  const [preferred] = rankEndpoints("k", urls);
  (await pool.acquire("k")).release("failure");
  (await pool.acquire("k")).release("neutral");
  const state = () => pool.snapshot().find((e) => e.url === preferred)!;
  assert.equal(state().consecutiveFailures, 1);
  (await pool.acquire("k")).release("failure");
  assert.equal(state().health, "ejected");
});

test("when every endpoint is ejected, acquire fails fast with a retryable UPSTREAM and the wait", async () => {
  const time = clock();
  const pool = new EndpointPool({
    urls: urls.slice(0, 2),
    ejectAfterFailures: 1,
    cooldownMs: 2000,
    now: time.now,
  });
  (await pool.acquire("a", {})).release("failure");
  (await pool.acquire("a", {})).release("failure");
  await assert.rejects(pool.acquire("a"), (error: Record<string, unknown>) => {
    assert.equal(error.code, "UPSTREAM");
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfter, 2);
    return true;
  });
});

test("a pool of one never ejects: there is nowhere else to go", async () => {
  const pool = new EndpointPool({ urls: ["http://only/v1"], ejectAfterFailures: 1 });
  for (let i = 0; i < 5; i++) (await pool.acquire("k")).release("failure");
  assert.equal(pool.snapshot()[0].health, "healthy");
  assert.equal((await pool.acquire("k")).url, "http://only/v1");
});

test("releasing a lease twice counts once", async () => {
  const pool = new EndpointPool({ urls: ["http://a/v1"], maxInFlight: 2 });
  const lease = await pool.acquire("k");
  lease.release("success");
  lease.release("success");
  assert.equal(pool.snapshot()[0].inFlight, 0);
});
