/**
 * `ScriptedBackend`: a ModelBackend for logic tests. It records every call, replays scripted outputs
 * or samples answers from a given distribution with a seeded PRNG, returns logprobs on request, can
 * be slow (per call and per token) and honours abort mid-generation.
 *
 * Tokens are whitespace-delimited words (each with its leading space), so counts are predictable:
 * `"The answer is \\boxed{4}."` is 4 tokens. Prompt tokens are ceil(UTF-8 bytes / 4).
 */
import type {
  Capabilities,
  ChatMessage,
  Completion,
  GenerateRequest,
  ModelBackend,
  ScoreRequest,
  ScoreResult,
  StreamEvent,
  TokenLogprob,
  TopLogprob,
} from "../models/types.ts";
import { mulberry32 } from "../util/mulberry32.ts";

/** One scripted output: its text, and optionally the logprob of each of its tokens. */
export interface ScriptedOutput {
  text: string;
  /** Per-token logprob (<= 0), or one value for every token. Default `defaultLogprob`. */
  logprob?: number | number[];
  /** Override the finish reason (e.g. `error`). */
  finishReason?: Completion["finishReason"];
}

export interface ScriptContext {
  request: GenerateRequest;
  /** 0-based index of this call among all calls to the backend. */
  call: number;
  /** Index of the sample within the request (0..n-1). */
  sample: number;
  /** Uniform [0, 1) draws, seeded by the sample's seed (or the backend's seed when none). */
  random: () => number;
}

export type Script = Array<string | ScriptedOutput> | ((context: ScriptContext) => string | ScriptedOutput);

export interface ScriptedBackendOptions {
  /** Default `scripted`. */
  id?: string;
  /** `ModelBackend.fingerprint`, for testing caches and wrappers. Default: none. */
  fingerprint?: string;
  /**
   * Outputs to replay, in order over all samples of all calls (the last repeats), or a function of
   * the request. Takes precedence over `answers`.
   */
  script?: Script;
  /**
   * A distribution of final answers, answer → weight: each sample draws one and writes
   * `render(answer)`. With `assistantPrefix` ending in `{` it writes just `answer}`.
   */
  answers?: Record<string, number>;
  /** Text for a drawn answer. Default: "Let me think step by step. The answer is \\boxed{ANSWER}." */
  render?: (answer: string, context: ScriptContext) => string | ScriptedOutput;
  /** Seed for requests without one. Default 0. */
  seed?: number;
  /** Logprob of every token unless the output says otherwise. Default -0.05. */
  defaultLogprob?: number;
  /** Latency before the first token, ms. Default 0. */
  delayMs?: number;
  /** Time between tokens, ms. Default 0 (then the whole text arrives at once). */
  tokenDelayMs?: number;
  /** Per-token logprobs of a continuation for `score()`; absent → no `score` capability. */
  scorer?: (request: ScoreRequest) => number[];
  capabilities?: Partial<Capabilities>;
}

/** A recorded call (the request without its signal). */
export type RecordedCall = Omit<GenerateRequest, "signal">;

const DEFAULT_RENDER = (answer: string) => `Let me think step by step. The answer is \\boxed{${answer}}.`;

/** Splits text into the backend's tokens: words with their leading whitespace. */
export function scriptedTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function promptText(request: { messages?: ChatMessage[]; prompt?: string | ChatMessage[] }): string {
  const prompt = request.prompt;
  if (typeof prompt === "string") return prompt;
  return (request.messages ?? prompt ?? []).map((m) => m.content).join("\n");
}

export class ScriptedBackend implements ModelBackend {
  readonly id: string;
  readonly fingerprint?: string;
  readonly capabilities: Capabilities;
  /** Every generate/stream request, in call order. */
  readonly calls: RecordedCall[] = [];
  /** Every score request. */
  readonly scoreCalls: Omit<ScoreRequest, "signal">[] = [];
  /** Samples generating right now, and the most at any one time. */
  inFlight = 0;
  maxInFlight = 0;
  /** Samples that ended because their signal aborted. */
  aborted = 0;
  private scripted = 0;
  private readonly random: () => number;

  constructor(private readonly options: ScriptedBackendOptions = {}) {
    this.id = options.id ?? "scripted";
    if (options.fingerprint !== undefined) this.fingerprint = options.fingerprint;
    this.random = mulberry32(options.seed ?? 0);
    this.capabilities = {
      nativeN: true,
      logprobs: true,
      maxTopLogprobs: 20,
      score: options.scorer !== undefined,
      chatTemplate: true,
      rawPrompt: true,
      prefill: true,
      seed: true,
      topK: true,
      minP: true,
      ...options.capabilities,
    };
    if (options.scorer) this.score = this.scoreWith.bind(this, options.scorer);
  }

  score?: (request: ScoreRequest) => Promise<ScoreResult>;

  async generate(request: GenerateRequest): Promise<Completion[]> {
    const done: Completion[] = [];
    for await (const event of this.stream(request)) if (event.type === "done") done.push(event.completion);
    return done.sort((a, b) => a.index - b.index);
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamEvent> {
    const { signal, ...recorded } = request;
    const call = this.calls.push(recorded) - 1;
    const n = request.n ?? 1;
    // Samples run concurrently; their events are merged through a small queue.
    const queue: StreamEvent[] = [];
    let wake: (() => void) | undefined;
    let running = n;
    const push = (event: StreamEvent) => {
      queue.push(event);
      wake?.();
    };
    for (let sample = 0; sample < n; sample++) {
      void this.runSample(request, call, sample, push).finally(() => {
        running--;
        wake?.();
      });
    }
    while (running > 0 || queue.length > 0) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (queue.length > 0) yield queue.shift()!;
    }
  }

  async close(): Promise<void> {}

  private output(request: GenerateRequest, call: number, sample: number): ScriptedOutput {
    const seed = request.seed === undefined ? undefined : request.seed + sample;
    const random = seed === undefined ? this.random : mulberry32(seed);
    const context: ScriptContext = { request, call, sample, random };
    const { script, answers } = this.options;
    let out: string | ScriptedOutput;
    if (typeof script === "function") out = script(context);
    else if (script) out = script[Math.min(this.scripted++, script.length - 1)];
    else if (answers) {
      const answer = draw(answers, random());
      out = request.assistantPrefix?.endsWith("{")
        ? `${answer}}`
        : (this.options.render ?? DEFAULT_RENDER)(answer, context);
    } else out = "";
    return typeof out === "string" ? { text: out } : out;
  }

  private async runSample(
    request: GenerateRequest,
    call: number,
    sample: number,
    push: (event: StreamEvent) => void,
  ): Promise<void> {
    const started = Date.now();
    const { signal } = request;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const out = this.output(request, call, sample);
      let tokens = scriptedTokens(out.text);
      let finishReason: Completion["finishReason"] = out.finishReason ?? "stop";
      const stopAt = firstStop(out.text, request.stop);
      if (stopAt !== undefined) tokens = scriptedTokens(out.text.slice(0, stopAt));
      if (request.maxTokens !== undefined && tokens.length > request.maxTokens) {
        tokens = tokens.slice(0, request.maxTokens);
        finishReason = "length";
      }
      const logprobs = tokens.map((token, i) => this.tokenLogprob(token, i, out, request.logprobs));
      // Like a real backend without logprobs: asked for them, it says so instead of returning them.
      const withLogprobs = request.logprobs !== undefined && this.capabilities.logprobs;
      const warnings =
        request.logprobs !== undefined && !withLogprobs ? ["logprobs are not supported"] : undefined;
      await sleep(this.options.delayMs ?? 0, signal);
      let emitted = 0;
      const tokenDelay = this.options.tokenDelayMs ?? 0;
      while (emitted < tokens.length && !signal?.aborted) {
        // Without a token delay the whole text is one delta.
        const next = tokenDelay > 0 ? emitted + 1 : tokens.length;
        push({
          type: "delta",
          index: sample,
          text: tokens.slice(emitted, next).join(""),
          logprobs: withLogprobs ? logprobs.slice(emitted, next) : undefined,
        });
        emitted = next;
        if (emitted < tokens.length) await sleep(tokenDelay, signal);
        // Let the consumer react (and maybe abort) before the next token.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (signal?.aborted) {
        finishReason = "abort";
        this.aborted++;
      }
      const text = tokens.slice(0, emitted).join("");
      push({
        type: "done",
        completion: {
          index: sample,
          text,
          finishReason,
          usage: {
            promptTokens: Math.ceil(Buffer.byteLength(promptText(request), "utf8") / 4),
            completionTokens: emitted,
          },
          logprobs: withLogprobs ? logprobs.slice(0, emitted) : undefined,
          warnings,
          timings: { totalMs: Date.now() - started },
          backend: this.id,
          seed: request.seed === undefined ? undefined : request.seed + sample,
        },
      });
    } finally {
      this.inFlight--;
    }
  }

  private tokenLogprob(token: string, i: number, out: ScriptedOutput, top?: number): TokenLogprob {
    const given = out.logprob;
    const logprob = Array.isArray(given)
      ? (given[i] ?? given[given.length - 1] ?? 0)
      : (given ?? this.options.defaultLogprob ?? -0.05);
    return top ? { token, logprob, top: alternatives(token, logprob, top) } : { token, logprob };
  }

  private async scoreWith(
    scorer: (r: ScoreRequest) => number[],
    request: ScoreRequest,
  ): Promise<ScoreResult> {
    const { signal, ...recorded } = request;
    this.scoreCalls.push(recorded);
    await sleep(this.options.delayMs ?? 0, signal);
    const values = scorer(request);
    const tokens = scriptedTokens(request.continuation).map((token, i) => ({
      token,
      logprob: values[i] ?? values[values.length - 1] ?? 0,
    }));
    return {
      tokens,
      logprob: tokens.reduce((sum, t) => sum + t.logprob, 0),
      promptTokens: Math.ceil(Buffer.byteLength(promptText(request), "utf8") / 4),
      backend: this.id,
    };
  }
}

/** Picks a key with probability proportional to its weight. */
function draw(weights: Record<string, number>, u: number): string {
  const entries = Object.entries(weights);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let acc = 0;
  for (const [key, weight] of entries) {
    acc += weight / total;
    if (u < acc) return key;
  }
  return entries[entries.length - 1][0];
}

function firstStop(text: string, stop?: string[]): number | undefined {
  const hits = (stop ?? []).map((s) => text.indexOf(s)).filter((i) => i >= 0);
  return hits.length > 0 ? Math.min(...hits) : undefined;
}

/**
 * The chosen token first, then `k - 1` alternatives sharing the remaining probability mass evenly:
 * a confident token (logprob near 0) leaves its alternatives very unlikely, as in a real model.
 */
function alternatives(token: string, logprob: number, k: number): TopLogprob[] {
  const rest = Math.max(1e-12, 1 - Math.exp(logprob)) / Math.max(1, k - 1);
  const alts = Array.from({ length: k - 1 }, (_, j) => ({ token: `${token}#${j}`, logprob: Math.log(rest) }));
  return [{ token, logprob }, ...alts];
}
