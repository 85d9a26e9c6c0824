/**
 * Evaluates models trained without a chat template (the lab's tiny models see `question + "\n"`
 * and continue with a solution): a wrapper that turns a chat request into that raw prompt. The
 * strategy's system instruction is dropped, and only the last user message is sent, so it fits
 * single-turn strategies (cot, self-consistency, sampling for best-of-n, step search and MCTS, whose
 * prefill continues the raw prompt), not multi-turn ones.
 */
import type { ChatMessage, GenerateRequest, ModelBackend } from "./types.ts";
import { WrappedBackend } from "./wrap-backend.ts";

export interface RawQuestionOptions {
  /** The raw prompt for a question. Default `question + "\n"` (the lab's training format). */
  format?: (question: string) => string;
}

const defaultFormat = (question: string) => `${question}\n`;

function lastQuestion(messages: readonly ChatMessage[]): string {
  return [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
}

export class RawQuestionBackend extends WrappedBackend {
  constructor(inner: ModelBackend, { format = defaultFormat }: RawQuestionOptions = {}) {
    super(inner, {
      // A distinct id and fingerprint: traces and caches must not mix raw and chat-template completions.
      overrideId: (inner) => `${inner.id}#raw`,
      overrideFingerprint: (inner) =>
        inner.fingerprint === undefined ? undefined : `${inner.fingerprint}#raw`,
      // Prefill is the raw prompt's tail: the model continues `question + "\n" + prefix` as it would
      // its own partial solution (what step search and MCTS ask of it).
      overrideCapabilities: (inner) => ({ ...inner.capabilities, chatTemplate: false, prefill: true }),
      transformRequest: (request): GenerateRequest => {
        if (!request.messages) return request;
        const { messages, assistantPrefix = "", ...rest } = request;
        return { ...rest, prompt: `${format(lastQuestion(messages))}${assistantPrefix}` };
      },
      wrapScore: ({ doScore, request }) =>
        doScore({
          ...request,
          prompt: typeof request.prompt === "string" ? request.prompt : format(lastQuestion(request.prompt)),
        }),
    });
  }
}
