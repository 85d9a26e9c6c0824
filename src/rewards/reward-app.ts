/**
 * The reward service as a hono app: one route per trainer's contract (OpenRLHF, verl, TRL through
 * the native route, SandboxFusion's `/run_code`), thin handlers over one `RewardScorer`. What the
 * service adds to the scorer's per-item limits: a bounded number of items in flight (429 with
 * `Retry-After` past it), keys, a body limit, one error mapping, `/health` and Prometheus `/metrics`.
 */
import { Hono } from "hono";
import { DeliberateError } from "../errors.ts";
import { runCode } from "../sandbox/run-code.ts";
import type { RunCodeOptions, SandboxResult } from "../sandbox/types.ts";
import { requireApiKey } from "../server/api-keys.ts";
import { replyWithErrors } from "../server/error-body.ts";
import { limitBody } from "../server/json-body.ts";
import { Counter, Gauge, Histogram, HttpMetrics, type Metric, observeRequests } from "../server/metrics.ts";
import { RequestQueue } from "../server/request-queue.ts";
import { nativeRoute } from "./routes-native.ts";
import { openrlhfRoute } from "./routes-openrlhf.ts";
import { verlRoute } from "./routes-verl.ts";
import { runCodeRoute } from "./run-code-route.ts";
import type { RewardItem, RewardResult, RewardScorer } from "./types.ts";

export interface RewardAppOptions {
  /** Scores the items of every route; the caller owns it (the app never closes it). */
  scorer: RewardScorer;
  /** Bearer keys; when non-empty every route but `/health` needs one. */
  apiKeys?: readonly string[];
  /** Largest request body in bytes. Default 32 MiB (a rollout batch of 1024 outputs of 8 KB is 8 MiB). */
  maxBodyBytes?: number;
  /**
   * Items in flight at once, over all requests (a `/run_code` request is one item). A batch that
   * would go past it is refused with 429 and `Retry-After`; a batch larger than it, with 413.
   * Default 4096 (16 batches of 256).
   */
  maxQueue?: number;
  /** Seconds a client refused for a full queue is told to wait. Default 1. */
  retryAfterSeconds?: number;
  /** Runs `/run_code` programs. Default the sandbox's `runCode`; tests pass their own. */
  runCode?: (options: RunCodeOptions) => Promise<SandboxResult>;
  /** Longest `run_timeout` a `/run_code` request may ask for, in ms. Default 60 000. */
  maxRunTimeoutMs?: number;
}

/** What handlers share through the context: the caller's API key, once the key check passed. */
export interface RewardEnv {
  Variables: { apiKey?: string };
}

/** The service's metrics: requests and their latency, plus what was scored and how. */
export class RewardMetrics extends HttpMetrics {
  readonly items = new Counter("deliberate_reward_items_total", "Items scored, by route.");
  readonly verdicts = new Counter(
    "deliberate_reward_verdicts_total",
    "Items by verdict (correct, incorrect, unparseable, error, timeout, bad-gold) and by whether they were scored.",
  );
  readonly timeouts = new Counter(
    "deliberate_reward_timeouts_total",
    "Items that ran past their time limit (grader or program).",
  );
  readonly itemLatency = new Histogram(
    "deliberate_reward_item_duration_seconds",
    "Wall time per item, in seconds.",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  readonly queueDepth = new Gauge(
    "deliberate_reward_queue_depth",
    "Items admitted and not yet scored, over all requests.",
  );
  readonly runs = new Counter("deliberate_reward_runs_total", "/run_code programs by language and status.");

  protected override all(): Metric[] {
    return [
      this.requests,
      this.latency,
      this.items,
      this.verdicts,
      this.timeouts,
      this.itemLatency,
      this.queueDepth,
      this.runs,
    ];
  }
}

/** Everything one app instance holds; routes read it, never reconfigure it. */
export interface RewardState {
  readonly metrics: RewardMetrics;
  /** Items in flight: weighted by batch size, no waiting (full means 429). */
  readonly queue: RequestQueue;
  readonly runCode: (options: RunCodeOptions) => Promise<SandboxResult>;
  readonly maxRunTimeoutMs: number;
  /**
   * Scores a batch for `route` inside the queue: REQUEST_TOO_LARGE when it could never fit,
   * RATE_LIMITED while the queue is full; counts items, verdicts and timeouts.
   */
  score(route: string, items: readonly RewardItem[], signal?: AbortSignal): Promise<RewardResult[]>;
  /** Runs `work` as one item in the queue (for `/run_code`). */
  admitOne<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T>;
}

export interface RewardApp {
  app: Hono<RewardEnv>;
  state: RewardState;
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_QUEUE = 4096;
const DEFAULT_MAX_RUN_TIMEOUT_MS = 60_000;

function positiveInteger(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value >= 1)) {
    throw new DeliberateError("BAD_REQUEST", `reward service option \`${name}\` must be an integer >= 1`, {
      param: name,
    });
  }
  return value;
}

export function createRewardApp(options: RewardAppOptions): RewardApp {
  const maxQueue = positiveInteger("maxQueue", options.maxQueue ?? DEFAULT_MAX_QUEUE);
  const maxBodyBytes = positiveInteger("maxBodyBytes", options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const maxRunTimeoutMs = positiveInteger(
    "maxRunTimeoutMs",
    options.maxRunTimeoutMs ?? DEFAULT_MAX_RUN_TIMEOUT_MS,
  );
  const { scorer } = options;
  const metrics = new RewardMetrics();
  const queue = new RequestQueue({
    concurrency: maxQueue,
    maxWaiting: 0,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
  });

  const admit = async <T>(weight: number, signal: AbortSignal | undefined, work: () => Promise<T>) => {
    if (weight > maxQueue) {
      throw new DeliberateError(
        "REQUEST_TOO_LARGE",
        `a batch of ${weight} items is over this server's queue of ${maxQueue} items (--max-queue): split it`,
      );
    }
    const release = await queue.acquire(signal, weight);
    metrics.queueDepth.set({}, queue.active);
    try {
      return await work();
    } finally {
      release();
      metrics.queueDepth.set({}, queue.active);
    }
  };

  const state: RewardState = {
    metrics,
    queue,
    runCode: options.runCode ?? runCode,
    maxRunTimeoutMs,
    async score(route, items, signal) {
      if (items.length === 0) return [];
      const results = await admit(items.length, signal, () => scorer.score(items, { signal }));
      if (results.length !== items.length) {
        throw new DeliberateError(
          "INTERNAL",
          `the scorer returned ${results.length} results for ${items.length} items`,
        );
      }
      metrics.items.inc({ route }, items.length);
      for (const result of results) {
        metrics.verdicts.inc({ verdict: result.verdict, scored: String(result.scored) });
        if (result.verdict === "timeout") metrics.timeouts.inc();
        metrics.itemLatency.observe({}, result.ms / 1000);
      }
      return results;
    },
    admitOne: (signal, work) => admit(1, signal, work),
  };

  const app = new Hono<RewardEnv>();
  replyWithErrors(app);
  app.use(observeRequests(metrics));
  app.get("/health", (c) => c.json({ status: "ok", items_in_flight: queue.active, max_queue: maxQueue }));
  app.use(requireApiKey({ keys: options.apiKeys ?? [] }));
  app.use(limitBody(maxBodyBytes));
  app.get("/metrics", (c) => c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" }));
  nativeRoute(app, state);
  openrlhfRoute(app, state);
  verlRoute(app, state);
  runCodeRoute(app, state);
  return { app, state };
}
