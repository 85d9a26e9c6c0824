/**
 * One error family for the whole library. Every failure a user can act on is a `DeliberateError`
 * with a stable `code`; the CLI maps codes to exit codes and the server maps them to OpenAI error
 * bodies, each in one place (`cli/exit-codes.ts`, `server/error-body.ts`).
 */

export type ErrorCode =
  /** Invalid options, flags, request bodies or config values. */
  | "BAD_REQUEST"
  /** A request (an HTTP body) over a size limit. */
  | "REQUEST_TOO_LARGE"
  /** Something named that does not exist, other than a model: an HTTP route, a trace id. */
  | "NOT_FOUND"
  /** A model spec, file, configured name or endpoint model that does not exist. */
  | "MODEL_NOT_FOUND"
  /** A file that exists but is not a usable model (not GGUF, truncated, broken vocabulary). */
  | "MODEL_INVALID"
  /** Something needs the network and it is not there (an `hf:` download offline). */
  | "OFFLINE"
  /** An upstream server failed, answered garbage, or could not be reached. */
  | "UPSTREAM"
  /** Too many requests, ours or upstream's. */
  | "RATE_LIMITED"
  /** A limit in time ran out. */
  | "TIMEOUT"
  /** The caller aborted. */
  | "ABORTED"
  /** A budget (calls, tokens, seconds) is spent. */
  | "BUDGET"
  /** Config file problems (syntax or schema), with the offending path and line. */
  | "CONFIG"
  /** Authentication failed. */
  | "UNAUTHORIZED"
  /** A bug or an unexpected state. */
  | "INTERNAL";

export interface DeliberateErrorOptions {
  /** Whether retrying the same call may succeed (rate limits, transient upstream failures). */
  retryable?: boolean;
  /** The HTTP status involved, when there was one. */
  status?: number;
  /** The parameter or option at fault, in the OpenAI error body's `param` sense. */
  param?: string;
  /** Seconds to wait before retrying, when the failure said so (Retry-After). */
  retryAfter?: number;
  cause?: unknown;
}

const brand = Symbol.for("deliberate.error");

export class DeliberateError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  readonly param?: string;
  readonly retryAfter?: number;
  readonly [brand] = true;

  constructor(code: ErrorCode, message: string, options: DeliberateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DeliberateError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.param = options.param;
    this.retryAfter = options.retryAfter;
  }

  /** Works across duplicate copies of this package, unlike `instanceof`. */
  static isInstance(value: unknown): value is DeliberateError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** Wraps anything thrown into a DeliberateError, keeping DeliberateErrors as they are. */
export function toDeliberateError(error: unknown, fallback: ErrorCode = "INTERNAL"): DeliberateError {
  if (DeliberateError.isInstance(error)) return error;
  if (error instanceof Error && error.name === "AbortError") {
    return new DeliberateError("ABORTED", "the operation was aborted", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DeliberateError(fallback, message, { cause: error });
}
