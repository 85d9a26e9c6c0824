import type { ModelBackend } from "../models/types.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { RequestQueue } from "./request-queue.ts";
import type { StrategyPlanner, WorkLimits } from "./request-work.ts";
import type { StrategyRunner } from "./strategy-runner.ts";
import type { TraceHub } from "./trace-hub.ts";
import type { InFlightWork } from "./work-meter.ts";

/** Everything one app instance holds. Built once by `createApp`; requests never mutate its configuration. */
export interface ServerState {
  readonly models: ReadonlyMap<string, ModelBackend>;
  readonly strategies: readonly string[];
  readonly runStrategy: StrategyRunner;
  readonly planStrategy: StrategyPlanner;
  readonly apiKeys: readonly string[];
  readonly metrics: ServerMetrics;
  readonly queue: RequestQueue;
  readonly rateLimiter?: RateLimiter;
  readonly limits: WorkLimits;
  readonly inFlight: InFlightWork;
  /** Reverse proxies in front of the server whose `X-Forwarded-For` entries are trusted; 0 = none. */
  readonly trustProxy: number;
  readonly hub: TraceHub;
  /** Interval between keepalive comments on a strategy stream, in ms. */
  readonly keepAliveMs: number;
  readonly onStreamError: (error: Error) => Promise<void>;
}
