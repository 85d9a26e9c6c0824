/**
 * The OpenAI-compatible reasoning server as a hono app: thin handlers over the model layer and the
 * strategies, one error mapping, metrics, a bounded queue, keys and rate limits, and the trace viewer.
 */
import { timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { DeliberateError } from "../errors.ts";
import type { ModelBackend } from "../models/types.ts";
import { viewerHtml } from "../web/viewer-page.ts";
import { chatCompletions, type StrategyRunner } from "./chat-completions.ts";
import { chatRequestSchema } from "./chat-request.ts";
import { errorResponse } from "./error-body.ts";
import { instrumentBackend } from "./instrument-backend.ts";
import { ServerMetrics } from "./metrics.ts";
import { resolveRoute } from "./model-route.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { RequestQueue } from "./request-queue.ts";
import type { ServerState } from "./server-state.ts";
import { TraceHub } from "./trace-hub.ts";

export interface AppOptions {
  /** Served models by name. */
  models: ReadonlyMap<string, ModelBackend>;
  /** Strategy names accepted as `STRATEGY/MODEL` prefixes and in `deliberate.strategy`. */
  strategies: readonly string[];
  runStrategy: StrategyRunner;
  /** Bearer keys; when non-empty every route but /health needs one. */
  apiKeys?: readonly string[];
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Requests served at once. Default 32. */
  concurrency?: number;
  /** Requests waiting for a slot before 429s. Default 256. */
  maxWaiting?: number;
  /** Requests per minute per key (or per client when keyless). Unset: no rate limit. */
  rateLimitPerMinute?: number;
  /** Recent requests kept for the viewer. Default 200. */
  traceCapacity?: number;
  /** Keepalive comment interval on strategy streams, ms. Default 5000. */
  keepAliveMs?: number;
}

export interface DeliberateApp {
  app: Hono;
  state: ServerState;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function fail(c: Context, error: unknown): Response {
  const { status, body, retryAfter } = errorResponse(error);
  if (retryAfter !== undefined) c.header("Retry-After", String(Math.ceil(retryAfter)));
  return c.json(body, status as 400);
}

export function createApp(options: AppOptions): DeliberateApp {
  const metrics = new ServerMetrics();
  const models = new Map(
    [...options.models].map(([name, backend]) => [name, instrumentBackend(backend, metrics.sequences)]),
  );
  const state: ServerState = {
    models,
    strategies: options.strategies,
    runStrategy: options.runStrategy,
    apiKeys: options.apiKeys ?? [],
    metrics,
    queue: new RequestQueue({
      concurrency: options.concurrency ?? 32,
      maxWaiting: options.maxWaiting ?? 256,
    }),
    rateLimiter: options.rateLimitPerMinute
      ? new RateLimiter({ perMinute: options.rateLimitPerMinute })
      : undefined,
    hub: new TraceHub(options.traceCapacity ?? 200),
    keepAliveMs: options.keepAliveMs ?? 5000,
    onStreamError: async () => {},
  };
  const app = new Hono();

  app.onError((error, c) => fail(c, error));
  app.notFound((c) =>
    fail(c, new DeliberateError("MODEL_NOT_FOUND", `no route ${c.req.method} ${c.req.path}`)),
  );

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath === "/*" ? "other" : c.req.routePath;
    state.metrics.requests.inc({ route, status: String(c.res.status) });
    state.metrics.latency.observe({ route }, (performance.now() - started) / 1000);
  });

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
  app.use(async (c, next) => {
    if (state.apiKeys.length === 0) return next();
    const header = c.req.header("authorization") ?? "";
    const key = header.startsWith("Bearer ") ? header.slice(7).trim() : (c.req.query("key") ?? "");
    if (!key)
      return fail(
        c,
        new DeliberateError("UNAUTHORIZED", "missing API key: send `Authorization: Bearer KEY`"),
      );
    if (!state.apiKeys.some((k) => safeEqual(k, key)))
      return fail(c, new DeliberateError("UNAUTHORIZED", "invalid API key"));
    c.set("apiKey" as never, key as never);
    return next();
  });

  app.get("/metrics", (c) => {
    state.metrics.queueDepth.set({}, state.queue.depth);
    return c.text(state.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  app.get("/v1/models", (c) => {
    const created = Math.floor(Date.now() / 1000);
    const names = [...state.models.keys()];
    const ids = [
      ...names,
      ...state.strategies.flatMap((strategy) => names.map((name) => `${strategy}/${name}`)),
    ];
    return c.json({
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created, owned_by: "deliberate" })),
    });
  });

  app.post(
    "/v1/chat/completions",
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: (c) =>
        c.json(
          {
            error: {
              message: `request body exceeds ${options.maxBodyBytes ?? 1024 * 1024} bytes`,
              type: "invalid_request_error",
              param: null,
              code: "request_too_large",
            },
          },
          413,
        ),
    }),
    async (c) => {
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        throw new DeliberateError("BAD_REQUEST", "the request body is not valid JSON");
      }
      const parsed = chatRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const param = issue.path.join(".");
        throw new DeliberateError("BAD_REQUEST", `\`${param || "body"}\`: ${issue.message}`, {
          param: param || undefined,
        });
      }
      const request = parsed.data;
      const route = resolveRoute(request.model, state.models, state.strategies, request.deliberate?.strategy);

      if (state.rateLimiter) {
        const who =
          (c.get("apiKey" as never) as string | undefined) ?? c.req.header("x-forwarded-for") ?? "local";
        const wait = state.rateLimiter.take(who);
        if (wait > 0) {
          throw new DeliberateError("RATE_LIMITED", "rate limit exceeded for this key", { retryAfter: wait });
        }
      }

      const signal = c.req.raw.signal;
      const release = await state.queue.acquire(signal);
      state.metrics.inFlight.add({ model: route.model }, 1);
      const done = () => {
        release();
        state.metrics.inFlight.add({ model: route.model }, -1);
      };
      try {
        const response = await chatCompletions(c, state, request, route, signal);
        // A streamed body is still being written: release the slot when it ends.
        if (response.body && request.stream) return releaseWhenDone(response, done);
        done();
        return response;
      } catch (error) {
        done();
        throw error;
      }
    },
  );

  // The trace viewer: a static page, its data as JSON, and live events as SSE.
  app.get("/", (c) => c.html(viewerHtml));
  app.get("/api/requests", (c) => c.json(state.hub.list()));
  app.get("/api/traces/:id", (c) => {
    const found = state.hub.get(c.req.param("id"));
    if (!found) throw new DeliberateError("MODEL_NOT_FOUND", `no trace ${c.req.param("id")}`);
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
