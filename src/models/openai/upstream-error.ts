/**
 * Everything an upstream call can throw (SDK errors, fetch failures, bad JSON, schema mismatches, our
 * deadline) mapped to one DeliberateError that names the endpoint. Retryability lives here, in one place.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";
import { describeIssue } from "../../util/parse-or-bad-request.ts";
import type { Deadline } from "./deadline.ts";
import type { LeaseOutcome } from "./endpoint-pool.ts";
import { parseRetryAfter } from "./retry-policy.ts";

/** Statuses worth retrying: request timeout, conflict/lock, too early, and server-side failures. */
const RETRYABLE_STATUS = new Set([408, 409, 425, 500, 502, 503, 504]);

export function toUpstreamError(error: unknown, url: string, deadline?: Deadline): DeliberateError {
  if (DeliberateError.isInstance(error)) return error;
  if (deadline?.timedOut || error instanceof APIConnectionTimeoutError) {
    const limit = deadline ? ` within ${deadline.ms} ms` : "";
    return new DeliberateError("TIMEOUT", `${url} did not answer${limit}`, { retryable: true, cause: error });
  }
  if (deadline?.signal.aborted || error instanceof APIUserAbortError || isAbortError(error)) {
    return new DeliberateError("ABORTED", "the request was aborted", { cause: error });
  }
  if (error instanceof APIConnectionError) {
    const reason = describeCause(error.cause) ?? error.message;
    return new DeliberateError("UPSTREAM", `could not reach ${url}: ${reason}`, {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof APIError && error.status !== undefined) return fromStatus(error, url);
  if (error instanceof SyntaxError) {
    return new DeliberateError("UPSTREAM", `${url} answered invalid JSON: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  }
  if (error instanceof z.ZodError) {
    const { message } = describeIssue(error, { noun: "" });
    return new DeliberateError("UPSTREAM", `${url} answered a malformed response: ${message}`, {
      retryable: true,
      cause: error,
    });
  }
  // undici reports a connection dropped mid-body as `TypeError: terminated`.
  const reason = describeCause(error) ?? String(error);
  return new DeliberateError("UPSTREAM", `${url} failed: ${reason}`, { retryable: true, cause: error });
}

function fromStatus(error: APIError, url: string): DeliberateError {
  const status = error.status!;
  const retryAfter = parseRetryAfter(error.headers);
  const message = `${url} answered ${error.message}`;
  const options = { status, retryAfter, cause: error };
  if (status === 429) return new DeliberateError("RATE_LIMITED", message, { ...options, retryable: true });
  if (status === 401 || status === 403) return new DeliberateError("UNAUTHORIZED", message, options);
  if (status === 404) {
    if (/model/i.test(error.message)) return new DeliberateError("MODEL_NOT_FOUND", message, options);
    // The usual cause: a base URL without its API prefix (`http://host:8000` instead of `…/v1`).
    return new DeliberateError(
      "UPSTREAM",
      `${message} (does the base URL need its \`/v1\` prefix?)`,
      options,
    );
  }
  return new DeliberateError("UPSTREAM", message, { ...options, retryable: RETRYABLE_STATUS.has(status) });
}

/** What an error says about the endpoint's health (see EndpointPool). */
export function leaseOutcome(error: DeliberateError): LeaseOutcome {
  switch (error.code) {
    case "TIMEOUT":
      return "failure";
    case "UPSTREAM":
      // 4xx answers mean the endpoint is alive and judged our request.
      return error.status !== undefined && error.status < 500 ? "neutral" : "failure";
    default:
      return "neutral";
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/** `fetch failed` hides the useful part (ECONNREFUSED, ENOTFOUND) in its cause chain. */
function describeCause(error: unknown): string | undefined {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(": ") : undefined;
}
