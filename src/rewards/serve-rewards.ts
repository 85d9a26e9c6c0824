/**
 * The reward service on a socket: `serveRewards` listens (127.0.0.1 unless told otherwise; any
 * other address needs API keys), `close()` drains, and `drainOnSignals` makes SIGTERM and SIGINT
 * stop accepting, let the batches in flight finish and their answers be written, then exit 0.
 */
import { listen } from "../server/listen.ts";
import { createRewardApp, type RewardApp, type RewardAppOptions } from "./reward-app.ts";

export interface ServeRewardsOptions extends RewardAppOptions {
  /** Default 127.0.0.1. Any other address requires `apiKeys`. */
  host?: string;
  /** Default 8088; 0 picks a free port. */
  port?: number;
  /** Longest time `close()` waits for requests in flight, ms. Default 60 000 (a batch of slow code items). */
  drainTimeoutMs?: number;
}

export interface RunningRewardService extends RewardApp {
  /** `http://host:port`. */
  url: string;
  /** Stops accepting, waits for requests in flight (up to the drain timeout), then closes. The scorer stays open. */
  close(): Promise<void>;
}

export const DEFAULT_REWARDS_PORT = 8088;

export async function serveRewards(options: ServeRewardsOptions): Promise<RunningRewardService> {
  const service = createRewardApp(options);
  const { url, close } = await listen({
    fetch: service.app.fetch,
    host: options.host,
    port: options.port ?? DEFAULT_REWARDS_PORT,
    apiKeys: options.apiKeys ?? [],
    keysHint: "--api-key or DELIBERATE_API_KEY",
    drainTimeoutMs: options.drainTimeoutMs ?? 60_000,
  });
  return { ...service, url, close };
}

/**
 * On SIGTERM or SIGINT: say how many items are in flight, run `shutdown` (close the service, then
 * the scorer), and exit 0 — or 1 when shutting down failed.
 */
export function drainOnSignals(
  service: RunningRewardService,
  shutdown: () => Promise<void>,
  log: (line: string) => void,
): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: draining ${service.state.queue.active} item(s) in flight…`);
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
