/**
 * Upstream answers (whole or streamed chunks) → choices in one shape, whichever API answered.
 */
import type { TokenLogprob } from "../types.ts";
import type { UpstreamChoice } from "./build-completions.ts";
import { mapChatLogprobs, mapLegacyLogprobs } from "./map-upstream.ts";
import {
  chatChunkSchema,
  chatResponseSchema,
  completionChunkSchema,
  completionResponseSchema,
  type UpstreamUsage,
} from "./upstream-schema.ts";

export interface ParsedAnswer {
  /** In index order. */
  choices: UpstreamChoice[];
  usage: UpstreamUsage;
}

/** Throws a ZodError (→ UPSTREAM "malformed response") when the body is not what the API promises. */
export function parseAnswer(api: "chat" | "completions", raw: unknown): ParsedAnswer {
  if (api === "chat") {
    const answer = chatResponseSchema.parse(raw);
    const choices = [...answer.choices]
      .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      .map((choice) => ({
        text: choice.message.content ?? "",
        reasoning: choice.message.reasoning_content ?? choice.message.reasoning ?? undefined,
        rawFinishReason: choice.finish_reason,
        logprobs: mapChatLogprobs(choice.logprobs),
      }));
    return { choices, usage: answer.usage };
  }
  const answer = completionResponseSchema.parse(raw);
  const choices = [...answer.choices]
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
    .map((choice) => ({
      text: choice.text,
      rawFinishReason: choice.finish_reason,
      logprobs: mapLegacyLogprobs(choice.logprobs),
    }));
  return { choices, usage: answer.usage };
}

/** One streamed choice fragment, whichever API sent it. */
export interface ChunkPart {
  index: number;
  text: string;
  reasoning?: string;
  logprobs?: TokenLogprob[];
  finishReason?: string;
}

/** One SSE chunk → its parts and (on the last chunk, when asked) the usage. */
export function parseChunk(
  api: "chat" | "completions",
  raw: unknown,
): { parts: ChunkPart[]; usage: UpstreamUsage } {
  if (api === "chat") {
    const chunk = chatChunkSchema.parse(raw);
    const parts = (chunk.choices ?? []).map((part) => ({
      index: part.index ?? 0,
      text: part.delta?.content ?? "",
      reasoning: part.delta?.reasoning_content ?? part.delta?.reasoning ?? undefined,
      logprobs: mapChatLogprobs(part.logprobs),
      finishReason: part.finish_reason ?? undefined,
    }));
    return { parts, usage: chunk.usage };
  }
  const chunk = completionChunkSchema.parse(raw);
  const parts = (chunk.choices ?? []).map((part) => ({
    index: part.index ?? 0,
    text: part.text ?? "",
    logprobs: mapLegacyLogprobs(part.logprobs),
    finishReason: part.finish_reason ?? undefined,
  }));
  return { parts, usage: chunk.usage };
}
