import { type AppOptions, createApp, type DeliberateApp } from "./app.ts";
import { listen } from "./listen.ts";

export interface StartServerOptions extends AppOptions {
  /** Default 127.0.0.1. Any other address requires `apiKeys`. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Longest time SIGTERM waits for in-flight requests, ms. Default 30 000. */
  drainTimeoutMs?: number;
}

export interface RunningServer extends DeliberateApp {
  url: string;
  /** Stops accepting connections, waits for in-flight requests (up to the drain timeout), then closes. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const deliberate = createApp(options);
  const { url, close } = await listen({
    fetch: deliberate.app.fetch,
    host: options.host,
    port: options.port ?? 8080,
    apiKeys: options.apiKeys ?? [],
    keysHint: "DELIBERATE_API_KEYS or server.apiKeys",
    drainTimeoutMs: options.drainTimeoutMs,
  });
  return { ...deliberate, url, close };
}
