/**
 * AI SDK results → ours: the unified finish reason mapped to `FinishReason` (the provider's raw one
 * kept beside it), V3 usage to token counts, V3 warnings to strings, provider errors to one
 * `DeliberateError`.
 */
import type {
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3Warning,
} from "@ai-sdk/provider";
import { DeliberateError } from "../../errors.ts";
import { parseRetryAfter } from "../openai/retry-policy.ts";
import type { Completion, FinishReason, TokenUsage } from "../types.ts";

/** The unified finish reason as ours; `error` says why when the model was stopped. */
export function mapFinishReason(reason: LanguageModelV3FinishReason): {
  finishReason: FinishReason;
  rawFinishReason: string;
  error?: string;
} {
  const rawFinishReason = reason.raw ?? reason.unified;
  switch (reason.unified) {
    case "length":
      return { finishReason: "length", rawFinishReason };
    case "content-filter":
      return { finishReason: "error", rawFinishReason, error: "the provider's content filter stopped it" };
    case "error":
      return { finishReason: "error", rawFinishReason, error: "the provider reported an error" };
    // A tool call or an unnamed reason still ends a complete reply as far as the text goes.
    case "stop":
    case "tool-calls":
    case "other":
      return { finishReason: "stop", rawFinishReason };
    default:
      return reason.unified satisfies never;
  }
}

export function mapUsage(usage: LanguageModelV3Usage): TokenUsage {
  const reasoning = usage.outputTokens.reasoning;
  return {
    promptTokens: usage.inputTokens.total ?? 0,
    completionTokens: usage.outputTokens.total ?? 0,
    ...(reasoning === undefined ? {} : { reasoningTokens: reasoning }),
  };
}

/** `unsupported: topK (details)` — a V3 warning as one line. */
export function warningText(warning: SharedV3Warning): string {
  if (warning.type === "other") return warning.message;
  const details = warning.details ? ` (${warning.details})` : "";
  return `${warning.type}: ${warning.feature}${details}`;
}

/** The text and reasoning of a result's content; other parts (tool calls, files) are not text. */
export function contentText(content: readonly LanguageModelV3Content[]): {
  text: string;
  reasoning?: string;
} {
  let text = "";
  let reasoning = "";
  for (const part of content) {
    if (part.type === "text") text += part.text;
    else if (part.type === "reasoning") reasoning += part.text;
  }
  return reasoning === "" ? { text } : { text, reasoning };
}

/** Whether a failure is the caller's abort (the AI SDK rejects with an `AbortError`). */
export function isAbortError(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  if (DeliberateError.isInstance(error)) return error.code === "ABORTED";
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

/** A provider failure as a `DeliberateError`: `APICallError`'s status and retryability kept. */
export function providerError(error: unknown, backend: string): DeliberateError {
  if (DeliberateError.isInstance(error)) return error;
  // The fields of the AI SDK's `APICallError`, read by shape (no runtime import of the AI SDK).
  const call = error as { statusCode?: unknown; isRetryable?: unknown; responseHeaders?: unknown };
  const status = typeof call?.statusCode === "number" ? call.statusCode : undefined;
  const headers = call?.responseHeaders;
  const retryAfter =
    typeof headers === "object" && headers !== null
      ? parseRetryAfter(new Headers(headers as Record<string, string>))
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliberateError(status === 429 ? "RATE_LIMITED" : "UPSTREAM", `\`${backend}\`: ${message}`, {
    status,
    retryable: call?.isRetryable === true,
    retryAfter,
    cause: error,
  });
}

/** A completion with no output: aborted or failed. */
export function emptyCompletion(
  index: number,
  backend: string,
  startedAt: number,
  failure: { finishReason: "abort" } | { finishReason: "error"; error: string },
  seed?: number,
): Completion {
  return {
    index,
    text: "",
    ...failure,
    usage: { promptTokens: 0, completionTokens: 0 },
    timings: { totalMs: performance.now() - startedAt },
    backend,
    ...(seed === undefined ? {} : { seed }),
  };
}
