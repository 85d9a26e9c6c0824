/**
 * `score()`: the logprobs of a given continuation, read from the legacy completions endpoint with
 * `echo: true` (the prompt comes back with per-token logprobs). vLLM and SGLang support it; OpenAI's
 * current models and llama-server do not, so it is opt-in (`scoring: true`).
 */
import { DeliberateError } from "../../errors.ts";
import { parseScoreRequest } from "../request-schema.ts";
import type { ScoreRequest, ScoreResult } from "../types.ts";
import type { BackendContext } from "./backend-context.ts";
import { callWithRetries } from "./call-with-retries.ts";
import { legacyTokenAt } from "./map-upstream.ts";
import { routingKey } from "./prefix-hash.ts";
import { completionResponseSchema } from "./upstream-schema.ts";

export async function scoreContinuation(
  context: BackendContext,
  request: ScoreRequest,
): Promise<ScoreResult> {
  if (typeof request.prompt !== "string") {
    // The chat template lives on the server; without it we cannot know where the continuation starts.
    throw new DeliberateError(
      "BAD_REQUEST",
      "`prompt` must be a rendered string to score over an OpenAI-compatible endpoint (messages need the chat template)",
      { param: "prompt" },
    );
  }
  parseScoreRequest(request);
  const text = request.prompt + request.continuation;
  // One generated token is the smallest request every echo-capable server accepts; it is ignored.
  const body = {
    model: context.model,
    prompt: text,
    echo: true,
    logprobs: request.logprobs ?? 0,
    max_tokens: 1,
  };
  const { value } = await callWithRetries(
    {
      pool: context.pool,
      key: routingKey({ prompt: text }, context.routingPrefixChars),
      retry: context.retry,
      timeoutMs: context.timeoutMs,
      signal: request.signal,
    },
    async (url, deadline) =>
      completionResponseSchema.parse(
        await context.client.post(url, { api: "completions", body, warnings: [] }, deadline),
      ),
  );
  const logprobs = value.choices[0].logprobs;
  if (!logprobs) {
    throw new DeliberateError(
      "UPSTREAM",
      `${context.id} returned no logprobs for an echoed prompt; scoring needs echo support`,
    );
  }
  const positions = continuationTokens(
    logprobs.tokens,
    logprobs.text_offset ?? undefined,
    request.prompt.length,
    text.length,
  );
  const scored = positions.flatMap((position) => {
    const token = legacyTokenAt(logprobs, position);
    if (!token) return [];
    return [request.logprobs === undefined ? { token: token.token, logprob: token.logprob } : token];
  });
  return {
    tokens: scored,
    logprob: scored.reduce((sum, token) => sum + token.logprob, 0),
    promptTokens: positions.length > 0 ? positions[0] : logprobs.tokens.length,
    backend: context.id,
  };
}

/**
 * Positions of the echoed tokens that belong to the continuation: those ending after the prompt and
 * starting before the end of the text (so the generated extra token is left out). A token straddling
 * the boundary (the tokenizer merged the prompt's end with the continuation's start) counts as continuation.
 */
export function continuationTokens(
  tokens: string[],
  offsets: number[] | undefined,
  promptLength: number,
  textLength: number,
): number[] {
  const positions: number[] = [];
  let start = 0;
  tokens.forEach((token, i) => {
    const at = offsets?.[i] ?? start;
    const end = at + token.length;
    start = end;
    if (end > promptLength && at < textLength) positions.push(i);
  });
  return positions;
}
