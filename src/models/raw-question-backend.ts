/**
 * Evaluates models trained without a chat template (the lab's tiny models see `question + "\n"`
 * and continue with a solution): a wrapper that turns a chat request into that raw prompt. The
 * strategy's system instruction is dropped, and only the last user message is sent, so it fits
 * single-turn strategies (cot, self-consistency, sampling for best-of-n), not multi-turn ones.
 */
import type { GenerateRequest, ModelBackend, ScoreRequest, ScoreResult, StreamEvent } from "./types.ts";

export interface RawQuestionOptions {
  /** The raw prompt for a question. Default `question + "\n"` (the lab's training format). */
  format?: (question: string) => string;
}

const defaultFormat = (question: string) => `${question}\n`;

function rawRequest(request: GenerateRequest, format: (question: string) => string): GenerateRequest {
  if (!request.messages) return request;
  const { messages, assistantPrefix: _prefix, ...rest } = request;
  const question = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  return { ...rest, prompt: format(question) };
}

export class RawQuestionBackend implements ModelBackend {
  readonly id: string;
  readonly fingerprint?: string;
  readonly capabilities: ModelBackend["capabilities"];
  readonly score?: (request: ScoreRequest) => Promise<ScoreResult>;
  private readonly format: (question: string) => string;

  constructor(
    private readonly inner: ModelBackend,
    { format = defaultFormat }: RawQuestionOptions = {},
  ) {
    // A distinct id: traces and caches must not mix raw and chat-template completions.
    this.id = `${inner.id}#raw`;
    if (inner.fingerprint !== undefined) this.fingerprint = `${inner.fingerprint}#raw`;
    this.capabilities = { ...inner.capabilities, chatTemplate: false, prefill: false };
    this.format = format;
    if (inner.score) {
      const score = inner.score.bind(inner);
      this.score = (request) =>
        score({
          ...request,
          prompt:
            typeof request.prompt === "string"
              ? request.prompt
              : rawRequest({ messages: request.prompt }, this.format).prompt!,
        });
    }
  }

  generate(request: GenerateRequest) {
    return this.inner.generate(rawRequest(request, this.format));
  }

  stream(request: GenerateRequest): AsyncIterable<StreamEvent> {
    return this.inner.stream(rawRequest(request, this.format));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
