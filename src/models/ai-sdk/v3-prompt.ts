/**
 * Our chat messages ↔ the AI SDK's `LanguageModelV3Prompt`. Type-only use of `@ai-sdk/provider`: no
 * runtime import, so nothing here needs the package installed.
 *
 * Strategies work on text: going from an AI SDK prompt, text parts are kept and everything else
 * (files, tool calls and results, reasoning) is dropped and named in the returned `dropped` list,
 * which the caller turns into warnings.
 */
import type { LanguageModelV3Message, LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { ChatMessage } from "../types.ts";

/** Our messages as an AI SDK prompt; `assistantPrefix` becomes a trailing assistant message. */
export function toV3Prompt(
  messages: readonly ChatMessage[],
  assistantPrefix?: string,
): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Message[] = messages.map((message) =>
    message.role === "system"
      ? { role: "system", content: message.content }
      : { role: message.role, content: [{ type: "text", text: message.content }] },
  );
  if (assistantPrefix !== undefined) {
    prompt.push({ role: "assistant", content: [{ type: "text", text: assistantPrefix }] });
  }
  return prompt;
}

export interface MessagesFromPrompt {
  messages: ChatMessage[];
  /** Parts that are not text (`file`, `tool-call`, a `tool` message…), one entry per kind. */
  dropped: string[];
}

/** An AI SDK prompt as our messages: text parts joined per message, other parts dropped and named. */
export function fromV3Prompt(prompt: LanguageModelV3Prompt): MessagesFromPrompt {
  const messages: ChatMessage[] = [];
  const dropped = new Set<string>();
  for (const message of prompt) {
    if (message.role === "system") {
      messages.push({ role: "system", content: message.content });
      continue;
    }
    if (message.role === "tool") {
      dropped.add("tool messages");
      continue;
    }
    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === "text") texts.push(part.text);
      else dropped.add(`${part.type} parts`);
    }
    if (texts.length > 0) messages.push({ role: message.role, content: texts.join("\n") });
  }
  return { messages, dropped: [...dropped] };
}
