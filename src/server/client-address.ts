/**
 * Who a keyless request comes from, for rate limits and in-flight work. `X-Forwarded-For` is whatever
 * the client wrote, so it counts only behind reverse proxies the operator names (`trustProxy`): each
 * proxy appends the address it received the request from, so only the last `trustProxy` entries were
 * written by machines we trust, and the client is the entry just left of them. Without trusted
 * proxies the header is ignored and the socket's address decides (red-team review, finding 9).
 */
import type { Context } from "hono";

/** Socket address of the request, or `local` for in-process requests (`app.request()`), which have none. */
function socketAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "local";
}

/**
 * The client's address: the socket's, or with `trustProxy` = N > 0 the N-th address from the right of
 * `X-Forwarded-For` + the socket (`"spoofed, 203.0.113.7"` through one proxy → `203.0.113.7`). When
 * the header has fewer entries than proxies, the leftmost one there is.
 */
export function clientAddress(c: Context, trustProxy: number): string {
  const socket = socketAddress(c);
  if (trustProxy <= 0) return socket;
  const forwarded = (c.req.header("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const hops = [...forwarded, socket];
  return hops[Math.max(0, hops.length - 1 - trustProxy)]!;
}
