/**
 * The embedded llama.cpp backend: a GGUF file (or `hf:` URI) run in-process through node-llama-cpp.
 * `n` samples run as `n` sequences of one context, so llama.cpp decodes them in shared batches.
 */
import { randomInt } from "node:crypto";
import { setMaxListeners } from "node:events";
import { basename } from "node:path";
import { type ChatWrapper, getModuleVersion, type LlamaModel, resolveChatWrapper } from "node-llama-cpp";
import { DeliberateError, toDeliberateError } from "../../errors.ts";
import { parseGenerateRequest, parseScoreRequest, type ValidGenerateRequest } from "../request-schema.ts";
import type {
  Capabilities,
  Completion,
  GenerateRequest,
  ModelBackend,
  ScoreRequest,
  ScoreResult,
  StreamEvent,
} from "../types.ts";
import { defaultThreads } from "./default-threads.ts";
import { EventQueue } from "./event-queue.ts";
import { fileFingerprint } from "./file-fingerprint.ts";
import type { LlamaGpu } from "./llama-instance.ts";
import { loadPrompt } from "./load-prompt.ts";
import { Lockstep } from "./lockstep.ts";
import { acquireModel, releaseModel } from "./model-pool.ts";
import { renderPrompt, tokenizeRaw } from "./render-prompt.ts";
import { llamaRequestSchema } from "./request-limits.ts";
import { resolveGgufPath } from "./resolve-gguf-path.ts";
import { type SampleSettings, sampleSequence } from "./sample-sequence.ts";
import { scoreContinuation } from "./score-continuation.ts";
import { SequencePool } from "./sequence-pool.ts";
import { StopMatcher } from "./stop-matcher.ts";

export interface LlamaBackendOptions {
  /** A `.gguf` file path, or an `hf:org/repo:QUANT` URI downloaded into `modelsDir` on first use. */
  model: string;
  /** CPU threads per context. Default: `defaultThreads` of the model's size (1 for small models). */
  threads?: number;
  /** Tokens per sequence (prompt + completion). Default: min(4096, the model's trained context). */
  contextSize?: number;
  /** Tokens per llama.cpp batch. Default: node-llama-cpp's (512, or `contextSize` if smaller). */
  batchSize?: number;
  /** Compute layer: `false` = CPU only (default), or a GPU type / `"auto"`. */
  gpu?: LlamaGpu;
  /** Cache for `hf:` downloads. Default: `$DELIBERATE_MODELS_DIR`, else `~/.cache/deliberate/models`. */
  modelsDir?: string;
  /** Hugging Face endpoint or mirror for `hf:` URIs. Default: `$HF_ENDPOINT`, else huggingface.co. */
  huggingFaceEndpoint?: string;
  /** Download progress bar on stderr (drawn only on a TTY). Default: true. */
  progress?: boolean;
  signal?: AbortSignal;
}

/**
 * Sampling defaults when a request leaves a knob unset: llama.cpp's own command-line defaults, which
 * small instruction models are tuned against.
 */
export const LLAMA_SAMPLING_DEFAULTS = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05 } as const;
/** Most alternatives per token we return; more costs a detokenize per alternative per token. */
const MAX_TOP_LOGPROBS = 20;
/**
 * Bumped whenever the same request starts giving other samples through our own code (the batching
 * scheme): the eval cache keys on it, so older samples are not replayed. 2: lockstep batches in
 * their own context (samples made before it could be corrupted under load).
 */
const SAMPLING_SCHEME = 2;
/** Context size when neither the caller nor a smaller trained context says otherwise. */
const DEFAULT_CONTEXT_SIZE = 4096;

/** Chat wrappers per loaded model, shared by the backends over it (pooled models are shared too). */
const chatWrappers = new WeakMap<LlamaModel, ChatWrapper>();

function chatWrapperOf(model: LlamaModel): ChatWrapper {
  let wrapper = chatWrappers.get(model);
  if (wrapper === undefined) {
    wrapper = resolveChatWrapper(model, { warningLogs: false });
    chatWrappers.set(model, wrapper);
  }
  return wrapper;
}

/** Loads the model (downloading an `hf:` URI if needed) and returns a ready backend. */
export async function createLlamaBackend(options: LlamaBackendOptions): Promise<LlamaBackend> {
  const { gpu = false } = options;
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new DeliberateError("BAD_REQUEST", "`threads` must be an integer >= 1", { param: "threads" });
  }
  if (
    options.contextSize !== undefined &&
    !(Number.isInteger(options.contextSize) && options.contextSize >= 16)
  ) {
    throw new DeliberateError("BAD_REQUEST", "`contextSize` must be an integer >= 16", {
      param: "contextSize",
    });
  }
  const path = await resolveGgufPath(options.model, options);
  const file = await fileFingerprint(path);
  const model = await acquireModel(path, gpu);
  const threads = options.threads ?? defaultThreads(model.size);
  // What the samples depend on besides the request: the file's bytes, the engine (a fixed engine
  // bug must not replay its samples from a cache), the thread count and the context size (both
  // change llama.cpp's rounding).
  const fingerprint = [
    file,
    `node-llama-cpp ${await getModuleVersion()}`,
    `sampling ${SAMPLING_SCHEME}`,
    `threads ${threads}`,
    `context ${options.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, model.trainContextSize)}`,
    ...(gpu === false ? [] : [`gpu ${gpu}`]),
  ].join(", ");
  return new LlamaBackend(model, path, { ...options, threads }, fingerprint);
}

export class LlamaBackend implements ModelBackend {
  readonly id: string;
  readonly fingerprint?: string;
  readonly capabilities: Capabilities;
  private readonly model: LlamaModel;
  private readonly path: string;
  private readonly gpu: LlamaGpu;
  private readonly pool: SequencePool;
  private readonly contextSize: number;
  /** Resolved on first use: matching the template against known formats takes a while (0.5–2 s). */
  private resolvedChatWrapper?: ChatWrapper;
  private closed = false;

  /** Use `createLlamaBackend`; this takes a model already acquired from the model pool. */
  constructor(model: LlamaModel, path: string, options: LlamaBackendOptions, fingerprint?: string) {
    this.model = model;
    this.path = path;
    this.gpu = options.gpu ?? false;
    this.id = `llama:${basename(path)}`;
    if (fingerprint !== undefined) this.fingerprint = `${this.id}@${fingerprint}`;
    this.contextSize = options.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, model.trainContextSize);
    this.pool = new SequencePool({
      model,
      contextSize: this.contextSize,
      threads: options.threads ?? defaultThreads(model.size),
      batchSize: options.batchSize,
    });
    this.capabilities = {
      nativeN: true,
      logprobs: true,
      maxTopLogprobs: MAX_TOP_LOGPROBS,
      score: true,
      chatTemplate: true,
      rawPrompt: true,
      prefill: true,
      seed: true,
      topK: true,
      minP: true,
      contextSize: this.contextSize,
    };
  }

  /** The chat format from the GGUF's `tokenizer.chat_template` (node-llama-cpp's resolution). */
  private get chatWrapper(): ChatWrapper {
    this.resolvedChatWrapper ??= chatWrapperOf(this.model);
    return this.resolvedChatWrapper;
  }

  /** Said on every chat completion when the GGUF carries no chat template. */
  private templateWarning(): string | undefined {
    if (this.model.fileInfo.metadata?.tokenizer?.chat_template !== undefined) return undefined;
    return `the model has no chat template; messages were rendered in node-llama-cpp's "${this.chatWrapper.wrapperName}" format`;
  }

  async generate(request: GenerateRequest): Promise<Completion[]> {
    const valid = parseGenerateRequest(request, llamaRequestSchema);
    try {
      return await this.run(valid);
    } catch (error) {
      throw toDeliberateError(error);
    }
  }

  async *stream(request: GenerateRequest): AsyncGenerator<StreamEvent, void, undefined> {
    const valid = parseGenerateRequest(request, llamaRequestSchema);
    const queue = new EventQueue<StreamEvent>();
    // Stopping the iteration early (break) aborts the samples still running.
    const consumerGone = new AbortController();
    const signal = valid.signal ? AbortSignal.any([valid.signal, consumerGone.signal]) : consumerGone.signal;
    this.run({ ...valid, signal }, (event) => queue.push(event)).then(
      () => queue.end(),
      (error) => queue.fail(toDeliberateError(error)),
    );
    try {
      yield* queue.drain();
    } finally {
      consumerGone.abort();
    }
  }

  async score(request: ScoreRequest): Promise<ScoreResult> {
    const { prompt, continuation, logprobs = 0, signal } = parseScoreRequest(request);
    this.ensureOpen();
    const promptTokens =
      typeof prompt === "string"
        ? tokenizeRaw(this.model, prompt)
        : renderPrompt({ model: this.model, chatWrapper: this.chatWrapper, messages: prompt }).tokens;
    const continuationTokens = this.model.tokenize(continuation, false, "trimLeadingSpace");
    if (continuationTokens.length === 0) {
      throw new DeliberateError("BAD_REQUEST", "`continuation` has no tokens", { param: "continuation" });
    }
    this.checkFits(
      promptTokens.length + continuationTokens.length,
      typeof prompt === "string" ? "prompt" : "messages",
    );
    if (signal?.aborted) throw new DeliberateError("ABORTED", "the score request was aborted");
    const lease = await this.pool.acquire(1);
    let broken = false;
    try {
      const tokens = await scoreContinuation({
        sequence: lease.sequences[0],
        model: this.model,
        promptTokens,
        continuationTokens,
        top: Math.min(logprobs, MAX_TOP_LOGPROBS),
      });
      if (signal?.aborted) throw new DeliberateError("ABORTED", "the score request was aborted");
      return {
        tokens,
        logprob: tokens.reduce((sum, token) => sum + token.logprob, 0),
        promptTokens: promptTokens.length,
        backend: this.id,
      };
    } catch (error) {
      broken = true;
      throw toDeliberateError(error);
    } finally {
      this.pool.release(lease, { broken });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.dispose();
    await releaseModel(this.path, this.gpu);
  }

  /** Samples `n` completions concurrently; `onEvent` receives deltas and finished completions. */
  private async run(
    request: ValidGenerateRequest,
    onEvent?: (event: StreamEvent) => void,
  ): Promise<Completion[]> {
    this.ensureOpen();
    const startedAt = performance.now();
    const n = request.n ?? 1;
    const warnings: string[] = [];
    const chatWrapper = request.messages !== undefined ? this.chatWrapper : undefined;
    const rendered = renderPrompt({ model: this.model, chatWrapper, ...request });
    const templateWarning = chatWrapper && this.templateWarning();
    if (templateWarning) warnings.push(templateWarning);
    this.checkFits(rendered.tokens.length + 1, request.messages !== undefined ? "messages" : "prompt");
    let top = request.logprobs;
    if (top !== undefined && top > MAX_TOP_LOGPROBS) {
      warnings.push(`\`logprobs\` ${top} capped at ${MAX_TOP_LOGPROBS} alternatives`);
      top = MAX_TOP_LOGPROBS;
    }
    const stop = new StopMatcher([...(request.stop ?? []), ...rendered.stopStrings]);
    const baseSeed = request.seed ?? randomInt(0, 2 ** 32 - 1);
    const settings = (index: number): SampleSettings => ({
      temperature: request.temperature ?? LLAMA_SAMPLING_DEFAULTS.temperature,
      topP: request.topP ?? LLAMA_SAMPLING_DEFAULTS.topP,
      topK: request.topK ?? LLAMA_SAMPLING_DEFAULTS.topK,
      minP: request.minP ?? LLAMA_SAMPLING_DEFAULTS.minP,
      // llama.cpp seeds are uint32; wrap rather than overflow.
      seed: (baseSeed + index) % 2 ** 32,
    });
    // Our own signal for the n samples: each listens on it, and n > 10 listeners is by design here,
    // not the leak Node's MaxListenersExceededWarning is about.
    const signal = request.signal ? AbortSignal.any([request.signal]) : new AbortController().signal;
    setMaxListeners(n + 10, signal);
    if (signal.aborted)
      return Array.from({ length: n }, (_, index) =>
        this.aborted(index, baseSeed, rendered.tokens.length, startedAt),
      );

    const lease = await this.pool.acquire(n);
    try {
      await loadPrompt(lease.sequences, rendered.tokens);
    } catch (error) {
      this.pool.release(lease, { broken: true });
      throw error;
    }
    const steps = new Lockstep(n);
    let broken = false;
    const samples = lease.sequences.map(async (sequence, index) => {
      const seed = settings(index).seed;
      try {
        const result = await sampleSequence({
          sequence,
          model: this.model,
          promptTokens: rendered.tokens,
          settings: settings(index),
          maxTokens: request.maxTokens ?? Number.POSITIVE_INFINITY,
          stop,
          stopTokenSequences: rendered.stopTokenSequences,
          logprobs: top,
          signal,
          startedAt,
          lockstep: { steps, index },
          onDelta: onEvent && ((text, logprobs) => onEvent({ type: "delta", index, text, logprobs })),
        });
        const completion: Completion = {
          index,
          text: result.text,
          finishReason: result.finishReason,
          rawFinishReason: result.rawFinishReason,
          usage: { promptTokens: rendered.tokens.length, completionTokens: result.completionTokens },
          logprobs: result.logprobs,
          timings: { totalMs: result.totalMs, firstTokenMs: result.firstTokenMs },
          backend: this.id,
          seed,
          warnings: warnings.length > 0 ? [...warnings] : undefined,
        };
        onEvent?.({ type: "done", completion });
        return { completion, idle: result.idle };
      } catch (error) {
        // The sequence's state is unknown after a failure: the context is not reused.
        broken = true;
        const failure = toDeliberateError(error);
        const completion: Completion = {
          index,
          text: "",
          finishReason: "error",
          rawFinishReason: failure.code,
          usage: { promptTokens: rendered.tokens.length, completionTokens: 0 },
          timings: { totalMs: performance.now() - startedAt },
          backend: this.id,
          seed,
          error: failure.message,
        };
        onEvent?.({ type: "done", completion });
        return { completion, idle: Promise.resolve() };
      }
    });
    const settled = await Promise.all(samples);
    // The context goes back once every sequence is idle (an aborted step may still be running).
    void Promise.all(settled.map((sample) => sample.idle)).then(() => this.pool.release(lease, { broken }));
    return settled.map((sample) => sample.completion);
  }

  private aborted(index: number, seed: number, promptTokens: number, startedAt: number): Completion {
    return {
      index,
      text: "",
      finishReason: "abort",
      rawFinishReason: "abort",
      usage: { promptTokens, completionTokens: 0 },
      timings: { totalMs: performance.now() - startedAt },
      backend: this.id,
      seed: (seed + index) % 2 ** 32,
    };
  }

  private checkFits(tokens: number, param: string): void {
    if (tokens > this.contextSize) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `\`${param}\` needs ${tokens} tokens but a sequence holds ${this.contextSize} (raise \`contextSize\`)`,
        { param },
      );
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new DeliberateError("BAD_REQUEST", `the backend ${this.id} is closed`);
  }
}
