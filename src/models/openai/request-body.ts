/**
 * GenerateRequest → the JSON body of one upstream call, shaped by what the upstream is known to
 * support. Settings it cannot honour become warnings, never silence.
 */
import type { GenerateRequest } from "../types.ts";

/** How `assistantPrefix` (prefill) reaches the upstream. */
export type PrefillMode =
  /** Append it as a final assistant message; llama-server, Ollama and LM Studio continue it. */
  | "trailing-message"
  /** The same plus vLLM / SGLang's `continue_final_message: true, add_generation_prompt: false`. */
  | "continue-final-message";

/** What the upstream is believed to support; learned lazily and cached by the backend. */
export interface UpstreamFeatures {
  /** Sends `n` > 1 in one call. */
  nativeN: boolean;
  /** Sends logprob requests. */
  logprobs: boolean;
  /** Sends `top_k` / `min_p` as extra body fields. */
  samplingExtensions: boolean;
  /** Asks for a usage chunk at the end of streams (`stream_options.include_usage`). */
  streamUsage: boolean;
  maxTopLogprobs: number;
  prefill: PrefillMode;
}

export interface UpstreamCall {
  /** Which endpoint: chat completions for `messages`, legacy completions for a raw `prompt`. */
  api: "chat" | "completions";
  body: Record<string, unknown>;
  warnings: string[];
}

export interface BuildBodyOptions {
  model: string;
  /** Choices asked of this call (1 for each call of a fan-out). */
  n: number;
  /** Seed of this call (`seed + i` for sample i of a fan-out). */
  seed?: number;
  stream: boolean;
  features: UpstreamFeatures;
}

export function buildUpstreamCall(request: GenerateRequest, options: BuildBodyOptions): UpstreamCall {
  const { model, n, seed, stream, features } = options;
  const warnings: string[] = [];
  const body: Record<string, unknown> = { model };
  const api = request.prompt !== undefined ? "completions" : "chat";

  if (api === "chat") {
    const messages = request.messages!.map(({ role, content }) => ({ role, content }));
    if (request.assistantPrefix !== undefined) {
      messages.push({ role: "assistant", content: request.assistantPrefix });
      if (features.prefill === "continue-final-message") {
        body.continue_final_message = true;
        body.add_generation_prompt = false;
      }
    }
    body.messages = messages;
  } else {
    body.prompt = request.prompt;
  }

  if (n > 1) body.n = n;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (seed !== undefined) body.seed = seed;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.stop?.length) body.stop = request.stop;

  for (const [name, field, value] of [
    ["topK", "top_k", request.topK],
    ["minP", "min_p", request.minP],
  ] as const) {
    if (value === undefined) continue;
    if (features.samplingExtensions) body[field] = value;
    else warnings.push(`\`${name}\` is not supported by this endpoint and was ignored`);
  }

  if (request.logprobs !== undefined) {
    if (!features.logprobs) {
      warnings.push("`logprobs` are not supported by this endpoint; completions carry none");
    } else {
      const top = Math.min(request.logprobs, features.maxTopLogprobs);
      if (top < request.logprobs) {
        warnings.push(
          `\`logprobs\` asked ${request.logprobs} alternatives; this endpoint returns at most ${top}`,
        );
      }
      if (api === "chat") {
        body.logprobs = true;
        body.top_logprobs = top;
      } else {
        body.logprobs = top;
      }
    }
  }

  if (stream) {
    body.stream = true;
    if (features.streamUsage) body.stream_options = { include_usage: true };
  }
  return { api, body, warnings };
}
