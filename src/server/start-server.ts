import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { DeliberateError } from "../errors.ts";
import { type AppOptions, createApp, type DeliberateApp } from "./app.ts";

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

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { host = "127.0.0.1", port = 8080, drainTimeoutMs = 30_000 } = options;
  if (!LOOPBACK.has(host) && (options.apiKeys ?? []).length === 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `binding to \`${host}\` exposes the server beyond this machine: configure API keys (DELIBERATE_API_KEYS or server.apiKeys)`,
      { param: "host" },
    );
  }
  const deliberate = createApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: deliberate.app.fetch, hostname: host, port }, () => resolve(s));
    s.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new DeliberateError(
          "BAD_REQUEST",
          `cannot listen on ${host}:${port}: ${error.code ?? error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const drained = deliberate.state.queue.idle();
      await Promise.race([drained, new Promise((r) => setTimeout(r, drainTimeoutMs).unref())]);
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
    })();
    return closing;
  };
  return { ...deliberate, url: `http://${shownHost}:${address.port}`, close };
}
