/**
 * The reward service's own guarantees, over real HTTP on loopback with a scorer the test controls:
 * keys (401), the body limit (413), the bounded queue of items in flight (429 with Retry-After, 413
 * for a batch that could never fit), 400s naming the field, 404s, every error a JSON body, /health
 * and the Prometheus /metrics.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { serveRewards } from "../../src/rewards/serve-rewards.ts";
import { fixedResult, GateScorer, startService } from "./service-helpers.ts";

const item = { output: "so \\boxed{4}", gold: "4" };

test("/health needs no key; every other route answers 401 without one, with a JSON error body", async () => {
  const scorer = new GateScorer();
  scorer.open();
  const service = await startService({ scorer, apiKeys: ["k1", "k2"] });
  try {
    const health = await service.get("/health");
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.text).status, "ok");
    for (const path of ["/v1/rewards", "/openrlhf", "/verl/compute_score", "/run_code"]) {
      const missing = await service.post<{ error: { code: string; message: string } }>(path, {});
      assert.equal(missing.status, 401, path);
      assert.equal(missing.json.error.code, "unauthorized");
      assert.match(missing.json.error.message, /Authorization: Bearer/);
      const wrong = await service.post<{ error: { code: string } }>(path, {}, "nope");
      assert.equal(wrong.status, 401, path);
    }
    assert.equal((await service.get("/metrics")).status, 401);
    const ok = await service.post("/v1/rewards", { items: [item] }, "k2");
    assert.equal(ok.status, 200);
    assert.equal(scorer.batches.length, 1, "only the keyed request reached the scorer");
  } finally {
    await service.close();
  }
});

test("a body over the limit is a 413 JSON error, before the scorer sees it", async () => {
  const scorer = new GateScorer();
  scorer.open();
  const service = await startService({ scorer, maxBodyBytes: 10_000 });
  try {
    const big = await service.post<{ error: { code: string } }>("/v1/rewards", {
      items: [{ output: "x".repeat(20_000), gold: "1" }],
    });
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, "request_too_large");
    assert.equal(scorer.batches.length, 0);
    const small = await service.post("/v1/rewards", { items: [item] });
    assert.equal(small.status, 200);
  } finally {
    await service.close();
  }
});

test("items in flight are bounded: a batch that does not fit is a 429 with Retry-After, one that never could is a 413", async () => {
  const scorer = new GateScorer();
  const service = await startService({ scorer, maxQueue: 10, retryAfterSeconds: 3 });
  try {
    const batch = (n: number) => ({ items: Array.from({ length: n }, () => item) });
    const first = service.post("/v1/rewards", batch(8));
    await scorer.reached(1);
    assert.equal(service.service.state.queue.active, 8);
    const health = JSON.parse((await service.get("/health")).text);
    assert.equal(health.items_in_flight, 8);

    // 8 + 3 > 10: refused at once, whatever the route.
    const full = await service.post<{ error: { code: string } }>("/v1/rewards", batch(3));
    assert.equal(full.status, 429);
    assert.equal(full.json.error.code, "rate_limited");
    assert.equal(full.headers.get("retry-after"), "3");
    const fullOpenrlhf = await service.post("/openrlhf", { query: ["a", "b", "c"], labels: ["1", "2", "3"] });
    assert.equal(fullOpenrlhf.status, 429);
    // 8 + 2 fits.
    const fits = service.post("/v1/rewards", batch(2));
    await scorer.reached(2);
    assert.equal(service.service.state.queue.active, 10);
    const runCode = await service.post("/run_code", { code: "print(1)", language: "python" });
    assert.equal(runCode.status, 429, "a /run_code program is an item in the queue too");

    // Larger than the whole queue: it could never run, so it is not a 429 to retry.
    const huge = await service.post<{ error: { code: string; message: string } }>("/v1/rewards", batch(11));
    assert.equal(huge.status, 413);
    assert.match(huge.json.error.message, /batch of 11 items is over this server's queue of 10/);

    scorer.open();
    assert.equal((await first).status, 200);
    assert.equal((await fits).status, 200);
    assert.equal(service.service.state.queue.active, 0);
    assert.equal((await service.post("/v1/rewards", batch(10))).status, 200);
    assert.equal(scorer.batches.length, 3, "refused batches never reached the scorer");
  } finally {
    scorer.open();
    await service.close();
  }
});

test("bad requests are 400s naming the field; unknown routes are 404s; all JSON", async () => {
  const scorer = new GateScorer();
  scorer.open();
  const service = await startService({ scorer });
  try {
    const cases: Array<[path: string, body: unknown, param: string | null, message: RegExp]> = [
      ["/v1/rewards", "{not json", null, /not valid JSON/],
      ["/v1/rewards", { items: [{ output: "x", glod: "1" }] }, "items.0.glod", /glod/],
      ["/v1/rewards", { items: [{ output: 3 }] }, "items.0.output", /output/],
      ["/v1/rewards", { items: [{ output: "x", kind: "essay" }] }, "items.0.kind", /kind/],
      ["/openrlhf", { query: ["a"] }, "labels", /--label_key/],
      [
        "/openrlhf",
        { query: ["a", "b"], labels: ["1"] },
        "labels",
        /`labels` has 1 entries and `query` has 2/,
      ],
      ["/openrlhf", { query: ["a"], prompts: [], labels: ["1"] }, "prompts", /`prompts` has 0/],
      [
        "/openrlhf",
        { query: ["a"], labels: ['{"kind": "code", "tests": 5}'] },
        "labels.0.tests",
        /labels\.0/,
      ],
      ["/verl/compute_score", { solution_str: ["a"], ground_truth: [] }, "ground_truth", /ground_truth/],
      [
        "/verl/compute_score",
        { solution_str: ["a"], ground_truth: [{ x: 1 }] },
        "ground_truth.0",
        /ground_truth/,
      ],
      [
        "/run_code",
        { code: "print(1)", language: "cpp" },
        "language",
        /`cpp` is not supported: python, nodejs/,
      ],
    ];
    for (const [path, body, param, message] of cases) {
      const reply = await service.post<{ error: { code: string; param: string | null; message: string } }>(
        path,
        body,
      );
      assert.equal(reply.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(reply.json.error.code, "bad_request");
      assert.equal(reply.json.error.param, param, `${path} ${JSON.stringify(body)}`);
      assert.match(reply.json.error.message, message);
    }
    assert.equal(scorer.batches.length, 0);
    const missing = await service.post<{ error: { code: string } }>("/v2/rewards", {});
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "not_found");
  } finally {
    await service.close();
  }
});

test("/metrics lists items by route, verdicts, timeouts, the item latency histogram and the queue depth", async () => {
  const results = [fixedResult(true), { ...fixedResult(false), verdict: "timeout" as const, scored: false }];
  const scorer = {
    score: async () => results,
    close: async () => {},
  };
  const service = await startService({ scorer });
  try {
    await service.post("/v1/rewards", { items: [item, item] });
    await service.post("/openrlhf", { query: ["a", "b"], labels: ["1", "2"] });
    const { status, text } = await service.get("/metrics");
    assert.equal(status, 200);
    assert.match(text, /deliberate_reward_items_total\{route="\/v1\/rewards"\} 2/);
    assert.match(text, /deliberate_reward_items_total\{route="\/openrlhf"\} 2/);
    assert.match(text, /deliberate_reward_verdicts_total\{scored="true",verdict="correct"\} 2/);
    assert.match(text, /deliberate_reward_verdicts_total\{scored="false",verdict="timeout"\} 2/);
    assert.match(text, /deliberate_reward_timeouts_total 2/);
    assert.match(text, /deliberate_reward_item_duration_seconds_count 4/);
    assert.match(text, /deliberate_reward_queue_depth 0/);
    assert.match(text, /deliberate_requests_total\{route="\/openrlhf",status="200"\} 1/);
    assert.match(text, /# TYPE deliberate_request_duration_seconds histogram/);
  } finally {
    await service.close();
  }
});

test("binding beyond loopback without a key is refused", async () => {
  const scorer = new GateScorer();
  await assert.rejects(serveRewards({ scorer, host: "0.0.0.0", port: 0 }), /--api-key or DELIBERATE_API_KEY/);
});
