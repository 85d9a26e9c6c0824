/**
 * Bearer API keys as hono middleware, for every app this package serves (the chat server, the
 * reward service): a missing or unknown key is a 401 through the one error mapping; a valid one is
 * set as the `apiKey` context variable. Keys are compared in constant time.
 */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { DeliberateError } from "../errors.ts";
import { errorReply } from "./error-body.ts";

export interface ApiKeyOptions {
  /** Accepted keys; when empty every request passes. */
  keys: readonly string[];
  /**
   * Also accept `?key=KEY` (for the trace viewer: EventSource cannot send headers). Default false:
   * a key in a URL ends up in logs.
   */
  queryKey?: boolean;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Middleware that lets a request through only with one of `keys` (`Authorization: Bearer KEY`). */
export function requireApiKey<E extends { Variables: { apiKey?: string } }>(
  options: ApiKeyOptions,
): MiddlewareHandler<E> {
  const { keys, queryKey = false } = options;
  return async (c, next) => {
    if (keys.length === 0) return next();
    const header = c.req.header("authorization") ?? "";
    const key = header.startsWith("Bearer ")
      ? header.slice(7).trim()
      : queryKey
        ? (c.req.query("key") ?? "")
        : "";
    if (!key) {
      return errorReply(
        c,
        new DeliberateError("UNAUTHORIZED", "missing API key: send `Authorization: Bearer KEY`"),
      );
    }
    if (!keys.some((k) => safeEqual(k, key))) {
      return errorReply(c, new DeliberateError("UNAUTHORIZED", "invalid API key"));
    }
    c.set("apiKey", key);
    return next();
  };
}
