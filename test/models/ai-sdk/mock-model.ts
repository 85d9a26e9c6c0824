/**
 * AI SDK mock models for tests: the AI SDK's own `MockLanguageModelV3` answering from a script, so
 * which answer each call gets is known. Tokens are words: usage is predictable.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from "@ai-sdk/provider";
import { MockLanguageModelV3 } from "ai/test";

/** What a scripted call answers. */
export interface MockAnswer {
  text: string;
  finish?: LanguageModelV3GenerateResult["finishReason"];
  providerMetadata?: SharedV3ProviderMetadata;
}

export interface ScriptedModelOptions {
  /** The answer of the `call`-th doGenerate/doStream call (0-based, in call order). */
  answer: (call: number, options: LanguageModelV3CallOptions) => string | MockAnswer;
  /** Prompt tokens each call reports. Default 10. */
  inputTokens?: number;
  modelId?: string;
}

export function usageOf(inputTokens: number, outputTokens: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

/** Words, as this mock counts tokens. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** A MockLanguageModelV3 whose calls answer from `options.answer`, instantly. */
export function scriptedModel(options: ScriptedModelOptions): MockLanguageModelV3 {
  const { answer, inputTokens = 10, modelId = "mock-model" } = options;
  let calls = 0;
  const next = (params: LanguageModelV3CallOptions) => {
    const given = answer(calls++, params);
    return typeof given === "string" ? { text: given } : given;
  };
  return new MockLanguageModelV3({
    modelId,
    doGenerate: async (params) => {
      const { text, finish, providerMetadata } = next(params);
      return {
        content: [{ type: "text", text }],
        finishReason: finish ?? { unified: "stop", raw: "stop" },
        usage: usageOf(inputTokens, wordCount(text)),
        ...(providerMetadata ? { providerMetadata } : {}),
        warnings: [],
      };
    },
    doStream: async (params) => {
      const { text, finish, providerMetadata } = next(params);
      const words = text.match(/\s*\S+/g) ?? [];
      const parts: LanguageModelV3StreamPart[] = [
        { type: "stream-start", warnings: [] },
        { type: "text-start", id: "t" },
        ...words.map((delta): LanguageModelV3StreamPart => ({ type: "text-delta", id: "t", delta })),
        { type: "text-end", id: "t" },
        {
          type: "finish",
          finishReason: finish ?? { unified: "stop", raw: "stop" },
          usage: usageOf(inputTokens, words.length),
          ...(providerMetadata ? { providerMetadata } : {}),
        },
      ];
      return { stream: streamOf(parts) };
    },
  });
}

export function streamOf<T>(parts: T[]): ReadableStream<T> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

/**
 * A model whose calls never finish on their own: each waits on its `abortSignal`, rejecting with an
 * `AbortError` when it fires. `inFlight` counts the calls waiting; `whenInFlight(n)` resolves once
 * `n` calls wait at the same time (so a test aborts at a moment it controls, not after a sleep).
 */
export function hangingModel() {
  let inFlight = 0;
  let started = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const model = new MockLanguageModelV3({
    doGenerate: (params) =>
      new Promise<LanguageModelV3GenerateResult>((_, reject) => {
        inFlight++;
        started++;
        for (const waiter of waiters.filter((w) => inFlight >= w.n)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        const signal = params.abortSignal;
        const stop = () => {
          inFlight--;
          reject(new DOMException("aborted", "AbortError"));
        };
        if (signal?.aborted) stop();
        else signal?.addEventListener("abort", stop, { once: true });
      }),
  });
  return {
    model,
    get inFlight() {
      return inFlight;
    },
    get started() {
      return started;
    },
    whenInFlight(n: number): Promise<void> {
      if (inFlight >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}
