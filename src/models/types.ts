/**
 * The model layer's contract. Type-only: no implementation imports here.
 * Every backend (embedded llama.cpp, OpenAI-compatible endpoints, scripted test backends) speaks it.
 */

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
}

/** Why a completion ended. Backends map their raw reasons to this union and keep the raw one beside it. */
export type FinishReason = "stop" | "length" | "abort" | "error";

/** Sampling settings shared by every request. Unset fields take the backend's defaults. */
export interface SamplingOptions {
  /** Softmax temperature, >= 0; 0 means greedy. Default: the backend's (llama: 0.8, OpenAI: 1). */
  temperature?: number;
  /** Nucleus sampling mass in (0, 1]. */
  topP?: number;
  /** Keep only the k most likely tokens, k >= 1. Not every backend honours it (see `warnings`). */
  topK?: number;
  /** Drop tokens whose probability is below `minP` times the top token's, in [0, 1). */
  minP?: number;
  /** Seed for sampling; with `n > 1`, sample i uses `seed + i` so each sample differs but reproduces. */
  seed?: number;
  /** Most tokens to generate per completion, >= 1. */
  maxTokens?: number;
  /** Generation stops before any of these strings; the stop string is not included in the text. */
  stop?: string[];
}

export interface GenerateRequest extends SamplingOptions {
  /** The conversation, rendered with the model's own chat template. Exactly one of `messages` or `prompt`. */
  messages?: ChatMessage[];
  /** A raw prompt, sent as is (no chat template). */
  prompt?: string;
  /**
   * Text the assistant's reply starts with (prefill), continued by the model: partial reasoning in
   * step search, a forced "Final answer:" in budget forcing. Only with `messages`; see `capabilities.prefill`.
   */
  assistantPrefix?: string;
  /** How many completions to sample, >= 1. Default 1. */
  n?: number;
  /** Return per-token logprobs with this many top alternatives (0 = only the chosen token's). Unset: none. */
  logprobs?: number;
  signal?: AbortSignal;
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

export interface TokenLogprob {
  token: string;
  /** Natural-log probability of the chosen token, <= 0. */
  logprob: number;
  /** The most likely alternatives at this position, most likely first. */
  top?: TopLogprob[];
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Tokens spent in hidden reasoning, when the upstream reports them separately. */
  reasoningTokens?: number;
}

export interface CompletionTimings {
  /** Wall time from the call to the last token, in ms. */
  totalMs: number;
  /** Time to first token, in ms, when known. */
  firstTokenMs?: number;
}

export interface Completion {
  /** Position among the request's n completions. */
  index: number;
  /** The generated text (without `assistantPrefix` and without the stop string). */
  text: string;
  /** Reasoning the upstream returned separately (`reasoning_content` / `reasoning`). */
  reasoning?: string;
  finishReason: FinishReason;
  /** The backend's own finish reason, for debugging. */
  rawFinishReason?: string;
  usage: TokenUsage;
  logprobs?: TokenLogprob[];
  timings: CompletionTimings;
  /** Id of the backend that served it, e.g. `llama:tiny.gguf` or `openai:qwen@http://host/v1`. */
  backend: string;
  /** The endpoint within a pool that served it. */
  endpoint?: string;
  /** The seed actually used for this sample. */
  seed?: number;
  /** Settings the backend could not honour, said out loud instead of ignored. */
  warnings?: string[];
  /** Why it failed, when `finishReason` is `error`. */
  error?: string;
}

/** Events of a streaming generation: deltas per sample, then each finished completion. */
export type StreamEvent =
  | { type: "delta"; index: number; text: string; logprobs?: TokenLogprob[] }
  | { type: "done"; completion: Completion };

export interface ScoreRequest {
  /** The context: a raw prompt, or messages rendered with the chat template. */
  prompt: string | ChatMessage[];
  /** The text whose tokens are scored, as if the model had generated it after `prompt`. */
  continuation: string;
  /** Also return this many top alternatives per continuation token. */
  logprobs?: number;
  signal?: AbortSignal;
}

export interface ScoreResult {
  /** Per-token logprobs of `continuation`. */
  tokens: TokenLogprob[];
  /** Sum of the tokens' logprobs. */
  logprob: number;
  promptTokens: number;
  backend: string;
}

export interface Capabilities {
  /** Samples `n` completions in one call (batched), rather than one call per sample. */
  nativeN: boolean;
  /** Returns per-token logprobs. */
  logprobs: boolean;
  /** Largest number of top alternatives per token it can return. */
  maxTopLogprobs: number;
  /** Implements `score()`. */
  score: boolean;
  /** Applies a chat template to `messages`. */
  chatTemplate: boolean;
  /** Accepts a raw `prompt`. */
  rawPrompt: boolean;
  /** Honours `assistantPrefix`. */
  prefill: boolean;
  /** Honours `seed` reproducibly. */
  seed: boolean;
  /** Honours `topK` / `minP`. */
  topK: boolean;
  minP: boolean;
  /** Context window in tokens, when known. */
  contextSize?: number;
}

export interface ModelBackend {
  /** Stable id, used in traces, caches and usage reports. */
  readonly id: string;
  /**
   * What makes the completions, where the id alone does not say: a GGUF's content hash (two runs'
   * `model.gguf` share an id). Caches key on it when present.
   */
  readonly fingerprint?: string;
  readonly capabilities: Capabilities;
  /** Generates `n` completions. Rejects with a DeliberateError; an aborted request resolves with `abort`. */
  generate(request: GenerateRequest): Promise<Completion[]>;
  /** The same, as a stream of deltas and finished completions. */
  stream(request: GenerateRequest): AsyncIterable<StreamEvent>;
  /** Logprobs of a given continuation; present only where `capabilities.score`. */
  score?(request: ScoreRequest): Promise<ScoreResult>;
  /** Frees what the backend holds (contexts, sockets). Idempotent. */
  close(): Promise<void>;
}
