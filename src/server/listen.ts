/**
 * Listening on a socket for every app this package serves, with the same safety and the same
 * shutdown: loopback unless keys are configured, and a `close()` that drains — it stops accepting,
 * lets requests in flight finish and their responses be written whole, then closes.
 */
import type { AddressInfo } from "node:net";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import { DeliberateError } from "../errors.ts";

export interface ListenOptions {
  /** The app's fetch handler (`app.fetch`). */
  fetch: (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;
  /** Default 127.0.0.1. Any other address requires `apiKeys`. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The keys the app checks; binding beyond loopback without one is refused. */
  apiKeys: readonly string[];
  /** How a user configures keys, named in that refusal (e.g. "--api-key or DELIBERATE_API_KEY"). */
  keysHint: string;
  /** Longest time `close()` waits for requests in flight, ms. Default 30 000. */
  drainTimeoutMs?: number;
}

export interface Listening {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** Stops accepting, waits for requests in flight (up to the drain timeout), then closes every connection. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export async function listen(options: ListenOptions): Promise<Listening> {
  const { host = "127.0.0.1", port, apiKeys, drainTimeoutMs = 30_000 } = options;
  if (!LOOPBACK.has(host) && apiKeys.length === 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `binding to \`${host}\` exposes the server beyond this machine: configure API keys (${options.keysHint})`,
      { param: "host" },
    );
  }
  let draining = false;
  // While draining, responses say `Connection: close`, so each socket ends once its response is
  // written (a keep-alive socket would otherwise stay open, and destroying it could cut a response).
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) => {
    const response = await options.fetch(request, env);
    if (draining) env.outgoing.setHeader("connection", "close");
    return response;
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch, hostname: host, port }, () => resolve(s));
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
      draining = true;
      // Stops accepting and closes idle sockets; `closed` resolves when the busy ones have ended too.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, drainTimeoutMs)))]);
      clearTimeout(timer);
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
    })();
    return closing;
  };
  return { url: `http://${shownHost}:${address.port}`, close };
}
