/**
 * One sample on one context sequence: evaluate the prompt (reusing whatever prefix the sequence still
 * holds), then draw tokens until an end-of-generation token, a stop string, `maxTokens`, a full
 * context or an abort. Several of these run at once on sequences of one context; node-llama-cpp
 * gathers their pending tokens into one llama.cpp batch per step.
 */
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { FinishReason, TokenLogprob } from "../types.ts";
import type { Lockstep } from "./lockstep.ts";
import type { StopMatcher } from "./stop-matcher.ts";
import { toTokenLogprob } from "./to-token-logprob.ts";
import { TokenTextDecoder } from "./token-text-decoder.ts";

export interface SampleSettings {
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  seed: number;
}

export interface SampleSequenceOptions {
  sequence: LlamaContextSequence;
  model: LlamaModel;
  promptTokens: readonly Token[];
  settings: SampleSettings;
  /** Most tokens to draw. */
  maxTokens: number;
  stop: StopMatcher;
  /** Token sequences that end the turn (from the chat template). */
  stopTokenSequences: readonly (readonly Token[])[];
  /** Top alternatives per token; undefined = no logprobs. */
  logprobs?: number;
  signal: AbortSignal;
  /** Called with text that can no longer turn into a stop string. */
  onDelta?: (text: string, logprobs: TokenLogprob[] | undefined) => void;
  /** When the call started (`performance.now()`), for timings. */
  startedAt: number;
  /** The call's other samples to step together with, and this sample's index among them. */
  lockstep?: { steps: Lockstep; index: number };
}

/** Our raw finish reasons, kept beside the unified one. */
export type RawFinishReason =
  | "eog"
  | "stop_string"
  | "stop_trigger"
  | "max_tokens"
  | "context_full"
  | "abort";

export interface SampleSequenceResult {
  text: string;
  finishReason: FinishReason;
  rawFinishReason: RawFinishReason;
  completionTokens: number;
  /** Prompt tokens actually evaluated (the rest came from the sequence's cached prefix). */
  evaluatedPromptTokens: number;
  logprobs?: TokenLogprob[];
  firstTokenMs?: number;
  totalMs: number;
  /** Settles once the sequence is idle again (after an abort, when the in-flight step ends). */
  idle: Promise<void>;
}

const FINISH: Record<RawFinishReason, FinishReason> = {
  eog: "stop",
  stop_string: "stop",
  stop_trigger: "stop",
  max_tokens: "length",
  context_full: "length",
  abort: "abort",
};

export async function sampleSequence(options: SampleSequenceOptions): Promise<SampleSequenceResult> {
  const { lockstep } = options;
  try {
    return await sample(options);
  } finally {
    lockstep?.steps.leave(lockstep.index);
  }
}

async function sample(options: SampleSequenceOptions): Promise<SampleSequenceResult> {
  const { sequence, model, promptTokens, settings, maxTokens, stop, stopTokenSequences, signal, onDelta } =
    options;
  const { lockstep } = options;
  const evaluatedPromptTokens = await reuseCachedPrefix(sequence, promptTokens);
  const wantLogprobs = options.logprobs !== undefined;
  const top = options.logprobs ?? 0;
  const generator = sequence.evaluateWithMetadata(
    promptTokens.slice(promptTokens.length - evaluatedPromptTokens),
    { confidence: wantLogprobs && top === 0, probabilities: top > 0 },
    { ...settings, yieldEogToken: false },
  );
  const decoder = new TokenTextDecoder(model, promptTokens);
  const tokens: Token[] = [];
  /** Text length before each token's text, to cut logprobs where a stop string cuts the text. */
  const offsets: number[] = [];
  const logprobs: TokenLogprob[] = [];
  let text = "";
  let emitted = 0;
  let emittedTokens = 0;
  let firstTokenMs: number | undefined;
  let raw: RawFinishReason | undefined;
  let cut: number | undefined;
  /** The next step, taken once the call's other samples are ready for theirs too. */
  const step = async (): Promise<IteratorResult<{ token: Token }, void>> =>
    lockstep === undefined
      ? generator.next()
      : ((await lockstep.steps.take(lockstep.index, () => generator.next())) ?? {
          done: true,
          value: undefined,
        });
  let pending = step();

  while (raw === undefined) {
    const next = await untilAborted(pending, signal);
    if (next === "aborted") {
      raw = "abort";
      break;
    }
    if (next.done) {
      raw = "eog";
      break;
    }
    const { token } = next.value;
    firstTokenMs ??= performance.now() - options.startedAt;
    const before = text.length;
    offsets.push(before);
    tokens.push(token);
    if (wantLogprobs) {
      const { confidence, probabilities } = next.value as {
        confidence?: number;
        probabilities?: Map<Token, number>;
      };
      const previous = tokens.length > 1 ? tokens[tokens.length - 2] : promptTokens[promptTokens.length - 1];
      logprobs.push(toTokenLogprob({ model, token, confidence, probabilities, top, previous }));
    }
    text += decoder.push(token);

    const trigger = stopTokenSequences.find((sequenceTokens) => endsWith(tokens, sequenceTokens));
    const match = stop.find(text, before);
    if (trigger !== undefined) {
      raw = "stop_trigger";
      cut = offsets[tokens.length - trigger.length];
    } else if (match !== undefined) {
      raw = "stop_string";
      cut = match.index;
    } else if (tokens.length >= maxTokens) raw = "max_tokens";
    else if (promptTokens.length + tokens.length >= sequence.contextSize) raw = "context_full";
    else pending = step();

    if (raw === undefined && onDelta !== undefined) {
      const safe = stop.safeLength(text);
      if (safe > emitted) {
        const count = countTokensBefore(offsets, safe);
        onDelta(text.slice(emitted, safe), wantLogprobs ? logprobs.slice(emittedTokens, count) : undefined);
        emitted = safe;
        emittedTokens = count;
      }
    }
  }

  if (raw !== "abort" && cut === undefined) text += decoder.flush();
  if (cut !== undefined) text = text.slice(0, cut);
  const keptTokens = cut === undefined ? tokens.length : countTokensBefore(offsets, cut);
  if (onDelta !== undefined && raw !== "abort" && text.length > emitted) {
    onDelta(text.slice(emitted), wantLogprobs ? logprobs.slice(emittedTokens, keptTokens) : undefined);
  }
  // No more steps for this sample: the others need not wait for it (an aborted step in flight
  // still ends before the sequence is reused, through `idle`).
  lockstep?.steps.leave(lockstep.index);
  const idle = close(generator, raw === "abort" ? pending : undefined);
  return {
    text,
    finishReason: FINISH[raw],
    rawFinishReason: raw,
    completionTokens: tokens.length,
    evaluatedPromptTokens,
    logprobs: wantLogprobs ? logprobs.slice(0, keptTokens) : undefined,
    firstTokenMs,
    totalMs: performance.now() - options.startedAt,
    idle,
  };
}

/**
 * Keeps the longest cached prefix the sequence shares with `promptTokens` and erases the rest; returns
 * how many prompt tokens still need evaluating (at least one, whose logits start generation).
 */
async function reuseCachedPrefix(
  sequence: LlamaContextSequence,
  promptTokens: readonly Token[],
): Promise<number> {
  const { firstDifferentIndex } = sequence.compareContextTokens(promptTokens as Token[]);
  const keep = Math.min(firstDifferentIndex, promptTokens.length - 1);
  if (sequence.nextTokenIndex > keep) {
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  }
  return promptTokens.length - keep;
}

/** Resolves with the step, or "aborted" as soon as the signal fires (the step keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | "aborted"> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Ends the generator once any in-flight step has finished, so the sequence can be reused. */
async function close(
  generator: AsyncGenerator<unknown, void, unknown>,
  inFlight?: Promise<unknown>,
): Promise<void> {
  await inFlight?.catch(() => undefined);
  await generator.return(undefined).catch(() => undefined);
}

function endsWith(tokens: readonly Token[], suffix: readonly Token[]): boolean {
  if (suffix.length === 0 || suffix.length > tokens.length) return false;
  const start = tokens.length - suffix.length;
  return suffix.every((token, i) => tokens[start + i] === token);
}

/** How many tokens began before text offset `end`. */
function countTokensBefore(offsets: readonly number[], end: number): number {
  let count = 0;
  while (count < offsets.length && offsets[count] < end) count++;
  return count;
}
