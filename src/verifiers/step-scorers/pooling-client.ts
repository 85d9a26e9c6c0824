/**
 * The wire to a vLLM-style `/pooling` endpoint: one POST, its time limit, the caller's abort and the
 * solve's time budget, and every way it can fail mapped to a `DeliberateError` naming the endpoint.
 * Plain `fetch`: the route is not part of the OpenAI API, so the `openai` SDK has no call for it.
 */
import { DeliberateError } from "../../errors.ts";
import { describeIssue } from "../../util/parse-or-bad-request.ts";
import { type PoolingResponse, poolingResponseSchema } from "./pooling-response.ts";

export interface PostPoolingOptions {
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Most ms to wait for the whole answer. */
  timeoutMs: number;
  /** Ms until the solve's time budget runs out, when it has one. */
  budgetMs?: number;
  /** The caller's abort signal. */
  signal?: AbortSignal;
}

/** Statuses worth retrying: request timeout, conflict, too early, and server-side failures. */
const RETRYABLE_STATUS = new Set([408, 409, 425, 500, 502, 503, 504]);
/** How much of an error body a message quotes. */
const QUOTED_CHARS = 300;

export async function postPooling(
  url: string,
  body: Record<string, unknown>,
  options: PostPoolingOptions,
): Promise<PoolingResponse> {
  const { apiKey, timeoutMs, budgetMs, signal: caller } = options;
  const budgetFirst = budgetMs !== undefined && budgetMs < timeoutMs;
  const controller = new AbortController();
  let fired: "timeout" | "budget" | undefined;
  const timer = setTimeout(
    () => {
      fired = budgetFirst ? "budget" : "timeout";
      controller.abort();
    },
    budgetFirst ? Math.max(0, budgetMs) : timeoutMs,
  );
  // AbortSignal.any adds no listener to the caller's signal (many scorers share one solve's signal).
  const signal = caller ? AbortSignal.any([controller.signal, caller]) : controller.signal;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw statusError(url, response.status, text, response.headers);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new DeliberateError("UPSTREAM", `pooling endpoint ${url} answered invalid JSON: ${quote(text)}`, {
        retryable: true,
        cause: error,
      });
    }
    const parsed = poolingResponseSchema.safeParse(json);
    if (!parsed.success) {
      const { message } = describeIssue(parsed.error, { noun: "field" });
      throw new DeliberateError(
        "UPSTREAM",
        `pooling endpoint ${url} answered a malformed response: ${message}`,
        {
          cause: parsed.error,
        },
      );
    }
    return parsed.data;
  } catch (error) {
    if (DeliberateError.isInstance(error)) throw error;
    if (fired === "timeout") {
      throw new DeliberateError("TIMEOUT", `pooling endpoint ${url} did not answer within ${timeoutMs} ms`, {
        retryable: true,
        cause: error,
      });
    }
    if (fired === "budget") {
      throw new DeliberateError(
        "BUDGET",
        `the time budget ran out while waiting for pooling endpoint ${url}`,
        {
          param: "maxSeconds",
          cause: error,
        },
      );
    }
    if (caller?.aborted) throw new DeliberateError("ABORTED", "the solve was aborted", { cause: error });
    throw new DeliberateError(
      "UPSTREAM",
      `could not reach pooling endpoint ${url}: ${describeCause(error)}`,
      {
        retryable: true,
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

function statusError(url: string, status: number, text: string, headers: Headers): DeliberateError {
  const message = `pooling endpoint ${url} answered HTTP ${status}: ${errorMessage(text)}`;
  const retryAfter = Number(headers.get("retry-after") ?? Number.NaN);
  const options = { status, ...(Number.isFinite(retryAfter) ? { retryAfter } : {}) };
  if (status === 429) return new DeliberateError("RATE_LIMITED", message, { ...options, retryable: true });
  if (status === 401 || status === 403) return new DeliberateError("UNAUTHORIZED", message, options);
  if (status === 404) {
    if (/model/i.test(text)) return new DeliberateError("MODEL_NOT_FOUND", message, options);
    // vLLM serves `/pooling` at the server root, not under `/v1`.
    return new DeliberateError(
      "UPSTREAM",
      `${message} (is \`baseUrl\` the server root, without \`/v1\`?)`,
      options,
    );
  }
  return new DeliberateError("UPSTREAM", message, { ...options, retryable: RETRYABLE_STATUS.has(status) });
}

/** vLLM's error body (`{ error: { message } }`, older `{ message }`), else the text itself. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof body.error === "object" ? body.error?.message : (body.error ?? body.message);
    if (typeof message === "string" && message !== "") return quote(message);
  } catch {
    // Not JSON: quote the text.
  }
  return quote(text);
}

function quote(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "(empty body)";
  return trimmed.length > QUOTED_CHARS ? `${trimmed.slice(0, QUOTED_CHARS)}…` : trimmed;
}

/** `fetch failed` hides the useful part (ECONNREFUSED) in its cause chain. */
function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(": ") : String(error);
}
