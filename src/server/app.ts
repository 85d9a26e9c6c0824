/**
 * The OpenAI-compatible reasoning server as a hono app: thin handlers over the model layer and the
 * strategies, one error mapping, metrics, a bounded queue, keys and rate limits, and the trace viewer.
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { DeliberateError } from "../errors.ts";
import type { ModelBackend } from "../models/types.ts";
import { viewerHtml } from "../web/viewer-page.ts";
import { requireApiKey } from "./api-keys.ts";
import { chatCompletions } from "./chat-completions.ts";
import { type ChatRequest, chatRequestSchema } from "./chat-request.ts";
import { clientAddress } from "./client-address.ts";
import { replyWithErrors } from "./error-body.ts";
import { instrumentBackend } from "./instrument-backend.ts";
import { limitBody, readJsonBody } from "./json-body.ts";
import { observeRequests, ServerMetrics } from "./metrics.ts";
import { listedModelIds, type ModelRoute, resolveRoute } from "./model-route.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { RequestQueue } from "./request-queue.ts";
import {
  checkRequestWork,
  DEFAULT_WORK_LIMITS,
  plainRunWork,
  type StrategyPlanner,
  scaleWork,
  type Work,
  type WorkLimits,
} from "./request-work.ts";
import type { ServerState } from "./server-state.ts";
import type { StrategyRunner } from "./strategy-runner.ts";
import { TraceHub } from "./trace-hub.ts";
import { InFlightWork, meterBackends } from "./work-meter.ts";

export interface AppOptions {
  /** Served models by name. */
  models: ReadonlyMap<string, ModelBackend>;
  /** Strategy names accepted as `STRATEGY/MODEL` prefixes and in `deliberate.strategy`. */
  strategies: readonly string[];
  runStrategy: StrategyRunner;
  /**
   * The most work one run of a strategy can ask for, checked before it runs. Default
   * `planRegisteredStrategy` (for `runRegisteredStrategy`); a custom runner brings its own.
   */
  planStrategy?: StrategyPlanner;
  /** Bearer keys; when non-empty every route but /health needs one. */
  apiKeys?: readonly string[];
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Requests served at once. Default 32. */
  concurrency?: number;
  /** Requests waiting for a slot before 429s. Default 256. */
  maxWaiting?: number;
  /** Requests per minute per key (or per client address when keyless). Unset: no rate limit. */
  rateLimitPerMinute?: number;
  /** Work limits per request and per key in flight; each defaults to `DEFAULT_WORK_LIMITS`. */
  limits?: Partial<WorkLimits>;
  /**
   * Reverse proxies in front of the server (nginx, a load balancer) that append the client's address
   * to `X-Forwarded-For`. Keyless clients are told apart by the address this many hops from the
   * right of the header. Default 0: the header is ignored (any client can write it) and the socket's
   * address is used.
   */
  trustProxy?: number;
  /** Recent requests kept for the viewer. Default 200. */
  traceCapacity?: number;
  /** Keepalive comment interval on strategy streams, ms. Default 5000. */
  keepAliveMs?: number;
}

export interface DeliberateApp {
  app: Hono<AppEnv>;
  state: ServerState;
}

/** What handlers share through the context: the caller's API key, once the key check passed. */
export interface AppEnv {
  Variables: { apiKey?: string };
}

/** The limits with defaults filled in; BAD_REQUEST for a limit that is not a positive integer or cannot be met. */
function resolveLimits(limits: Partial<WorkLimits> = {}): WorkLimits {
  // An option left undefined (a CLI flag not given) keeps its default.
  const given = Object.entries(limits).filter(([, value]) => value !== undefined);
  const resolved: WorkLimits = { ...DEFAULT_WORK_LIMITS, ...Object.fromEntries(given) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isSafeInteger(value) && value >= 1)) {
      throw new DeliberateError("BAD_REQUEST", `server limit \`${name}\` must be an integer >= 1`, {
        param: name,
      });
    }
  }
  // A request over a key's limit could never run: per key must hold at least one largest request.
  const pairs: Array<[keyof WorkLimits, keyof WorkLimits]> = [
    ["maxCompletionsPerKey", "maxCompletionsPerRequest"],
    ["maxTokensPerKey", "maxTokensPerRequest"],
  ];
  for (const [perKey, perRequest] of pairs) {
    if (resolved[perKey] < resolved[perRequest]) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `server limit \`${perKey}\` (${resolved[perKey]}) is below \`${perRequest}\` (${resolved[perRequest]})`,
        { param: perKey },
      );
    }
  }
  return resolved;
}

export function createApp(options: AppOptions): DeliberateApp {
  const limits = resolveLimits(options.limits);
  const trustProxy = options.trustProxy ?? 0;
  if (!(Number.isSafeInteger(trustProxy) && trustProxy >= 0)) {
    throw new DeliberateError("BAD_REQUEST", "`trustProxy` must be an integer >= 0", { param: "trustProxy" });
  }
  const metrics = new ServerMetrics();
  const models = new Map(
    [...options.models].map(([name, backend]) => [name, instrumentBackend(backend, metrics.sequences)]),
  );
  const state: ServerState = {
    models,
    strategies: options.strategies,
    runStrategy: options.runStrategy,
    // Loaded on first use: an app serving no strategies does not load the strategies layer.
    planStrategy:
      options.planStrategy ??
      (async (plan) => (await import("./strategy-work.ts")).planRegisteredStrategy(plan)),
    apiKeys: options.apiKeys ?? [],
    metrics,
    queue: new RequestQueue({
      concurrency: options.concurrency ?? 32,
      maxWaiting: options.maxWaiting ?? 256,
    }),
    rateLimiter: options.rateLimitPerMinute
      ? new RateLimiter({ perMinute: options.rateLimitPerMinute })
      : undefined,
    limits,
    inFlight: new InFlightWork(limits),
    trustProxy,
    hub: new TraceHub(options.traceCapacity ?? 200),
    keepAliveMs: options.keepAliveMs ?? 5000,
    onStreamError: async () => {},
  };
  const app = new Hono<AppEnv>();

  replyWithErrors(app);

  app.use(observeRequests(state.metrics));

  app.get("/health", (c) =>
    c.json({
      status: "ok",
      models: [...state.models.keys()],
      in_flight: state.queue.active,
      queued: state.queue.depth,
    }),
  );

  // Browsers ask for it unprompted, without the key; answering keeps the viewer's console clean.
  app.get("/favicon.ico", (c) => c.body(null, 204));

  // Keys: Bearer header, or `?key=` for the viewer (EventSource cannot send headers).
  app.use(requireApiKey({ keys: state.apiKeys, queryKey: true }));

  app.get("/metrics", (c) => {
    state.metrics.queueDepth.set({}, state.queue.depth);
    return c.text(state.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  app.get("/v1/models", (c) => {
    const created = Math.floor(Date.now() / 1000);
    const ids = listedModelIds([...state.models.keys()], state.strategies);
    return c.json({
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created, owned_by: "deliberate" })),
    });
  });

  app.post("/v1/chat/completions", limitBody(options.maxBodyBytes ?? 1024 * 1024), async (c) => {
    const request = await readJsonBody(c, chatRequestSchema);
    const route = resolveRoute(request.model, state.models, state.strategies, request.deliberate?.strategy);
    // Everything the request could make the models do, refused before anything is allocated.
    const work = await requestWork(state, request, route);

    const who = c.get("apiKey") ?? clientAddress(c, state.trustProxy);
    if (state.rateLimiter) {
      const wait = state.rateLimiter.take(who);
      if (wait > 0) {
        throw new DeliberateError("RATE_LIMITED", "rate limit exceeded for this key", { retryAfter: wait });
      }
    }
    const releaseWork = state.inFlight.admit(who, work);

    const signal = c.req.raw.signal;
    let release: () => void;
    try {
      release = await state.queue.acquire(signal);
    } catch (error) {
      releaseWork();
      throw error;
    }
    state.metrics.inFlight.add({ model: route.model }, 1);
    const done = () => {
      release();
      releaseWork();
      state.metrics.inFlight.add({ model: route.model }, -1);
    };
    const metered: ModelRoute = {
      ...route,
      backends: meterBackends(route.backends, work, route.strategy ?? "the completion"),
    };
    try {
      const response = await chatCompletions(c, state, request, metered, signal);
      // A streamed body is still being written: release the slot when it ends.
      if (response.body && request.stream) return releaseWhenDone(response, done);
      done();
      return response;
    } catch (error) {
      done();
      throw error;
    }
  });

  // The trace viewer: a static page, its data as JSON, and live events as SSE.
  app.get("/", (c) => c.html(viewerHtml));
  app.get("/api/requests", (c) => c.json(state.hub.list()));
  app.get("/api/traces/:id", (c) => {
    const found = state.hub.get(c.req.param("id"));
    if (!found) throw new DeliberateError("NOT_FOUND", `no trace ${c.req.param("id")}`, { param: "id" });
    return c.json(found);
  });
  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      const unsubscribe = state.hub.subscribe((event) => {
        stream.writeSSE({ data: JSON.stringify(event) }).catch(() => undefined);
      });
      const keepalive = setInterval(() => stream.write(": keepalive\n\n").catch(() => undefined), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepalive);
      unsubscribe();
    }),
  );

  return { app, state };
}

/** The request's work: `n` runs of its strategy (or plain completions); a 400 when over the limits. */
async function requestWork(state: ServerState, request: ChatRequest, route: ModelRoute): Promise<Work> {
  const perRun =
    route.strategy === null
      ? plainRunWork(request, route)
      : await state.planStrategy({ strategy: route.strategy, request, route });
  const work = scaleWork(request.n ?? 1, perRun);
  checkRequestWork(work, perRun, request, state.limits);
  return work;
}

/** Wraps a streamed response so `done` runs once its body is fully sent or cancelled. */
function releaseWhenDone(response: Response, done: () => void): Response {
  const reader = response.body!.getReader();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: end } = await reader.read();
        if (end) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
