import type { Context, Env, Hono } from "hono";
import { DeliberateError, type ErrorCode, toDeliberateError } from "../errors.ts";

/** An OpenAI-style error body: `{"error": {message, type, param, code}}`. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** HTTP status and OpenAI error `type` for each of our codes; the one place this mapping lives. */
const statusOf: Record<ErrorCode, [number, string]> = {
  BAD_REQUEST: [400, "invalid_request_error"],
  REQUEST_TOO_LARGE: [413, "invalid_request_error"],
  NOT_FOUND: [404, "invalid_request_error"],
  CONFIG: [500, "server_error"],
  MODEL_NOT_FOUND: [404, "invalid_request_error"],
  MODEL_INVALID: [500, "server_error"],
  OFFLINE: [502, "upstream_error"],
  UPSTREAM: [502, "upstream_error"],
  RATE_LIMITED: [429, "rate_limit_error"],
  TIMEOUT: [504, "timeout_error"],
  BUDGET: [400, "invalid_request_error"],
  ABORTED: [499, "aborted"],
  UNAUTHORIZED: [401, "authentication_error"],
  INTERNAL: [500, "server_error"],
};

export function errorResponse(error: unknown): { status: number; body: ErrorBody; retryAfter?: number } {
  const failure = toDeliberateError(error);
  // Upstream 429s become our 429 so clients back off; other upstream statuses are a 502 (bad gateway).
  const [status, type] = statusOf[failure.code];
  return {
    status,
    retryAfter: failure.retryAfter,
    body: {
      error: {
        message: failure.message,
        type,
        param: failure.param ?? null,
        code: failure.code.toLowerCase(),
      },
    },
  };
}

/** The error as a JSON response on `c`, with `Retry-After` when the failure says how long to wait. */
export function errorReply(c: Context, error: unknown): Response {
  const { status, body, retryAfter } = errorResponse(error);
  if (retryAfter !== undefined) c.header("Retry-After", String(Math.ceil(retryAfter)));
  return c.json(body, status as 400);
}

/** Routes every thrown error, and every unknown route (404), through `errorReply`. */
export function replyWithErrors<E extends Env>(app: Hono<E>): void {
  app.onError((error, c) => errorReply(c, error));
  app.notFound((c) =>
    errorReply(c, new DeliberateError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`)),
  );
}
