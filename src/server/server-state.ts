import type { ModelBackend } from "../models/types.ts";
import type { StrategyRunner } from "./chat-completions.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { RequestQueue } from "./request-queue.ts";
import type { TraceHub } from "./trace-hub.ts";

/** Everything one app instance holds. Built once by `createApp`; requests never mutate its configuration. */
export interface ServerState {
  readonly models: ReadonlyMap<string, ModelBackend>;
  readonly strategies: readonly string[];
  readonly runStrategy: StrategyRunner;
  readonly apiKeys: readonly string[];
  readonly metrics: ServerMetrics;
  readonly queue: RequestQueue;
  readonly rateLimiter?: RateLimiter;
  readonly hub: TraceHub;
  /** Interval between keepalive comments on a strategy stream, in ms. */
  readonly keepAliveMs: number;
  readonly onStreamError: (error: Error) => Promise<void>;
}
