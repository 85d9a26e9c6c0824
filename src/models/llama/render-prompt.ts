/**
 * Request → prompt tokens. `messages` go through the model's own chat template (node-llama-cpp resolves
 * a wrapper from the GGUF's `tokenizer.chat_template`), ending in an open assistant turn that starts
 * with `assistantPrefix`; a raw `prompt` is tokenized as is.
 */
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import { LlamaVocabularyType } from "node-llama-cpp";
import type { ChatMessage } from "../types.ts";

export interface RenderedPrompt {
  tokens: Token[];
  /** Token sequences the template says end the assistant's turn (besides the model's EOG tokens). */
  stopTokenSequences: Token[][];
  /** The same triggers as text, where they are plain text. */
  stopStrings: string[];
}

export interface RenderPromptOptions {
  model: LlamaModel;
  /** Present when `messages` are rendered. */
  chatWrapper?: ChatWrapper;
  messages?: readonly ChatMessage[];
  prompt?: string;
  assistantPrefix?: string;
}

export function renderPrompt(options: RenderPromptOptions): RenderedPrompt {
  const { model, chatWrapper, messages, prompt, assistantPrefix } = options;
  if (messages === undefined || chatWrapper === undefined) {
    return { tokens: tokenizeRaw(model, prompt ?? ""), stopTokenSequences: [], stopStrings: [] };
  }
  const chatHistory: ChatHistoryItem[] = messages.map(toHistoryItem);
  // The wrapper leaves a trailing model message open, so generation continues right after the prefix.
  chatHistory.push({ type: "model", response: [assistantPrefix ?? ""] });
  const state = chatWrapper.generateContextState({ chatHistory });
  const stopTokenSequences: Token[][] = [];
  const stopStrings: string[] = [];
  for (const trigger of state.stopGenerationTriggers) {
    const tokens = trigger.tokenize(model.tokenizer);
    // A lone end-of-generation token already ends generation inside llama.cpp's evaluator.
    if (tokens.length === 0 || (tokens.length === 1 && model.isEogToken(tokens[0]))) continue;
    stopTokenSequences.push(tokens);
    if (trigger.values.every((value) => typeof value === "string")) stopStrings.push(trigger.values.join(""));
  }
  return { tokens: state.contextText.tokenize(model.tokenizer), stopTokenSequences, stopStrings };
}

/** Tokenizes a raw prompt the way llama.cpp's completion does: BOS first when the vocabulary wants it. */
export function tokenizeRaw(model: LlamaModel, text: string): Token[] {
  const bos = beginningToken(model);
  const tokens = model.tokenize(text, true, bos === null ? undefined : "trimLeadingSpace");
  return bos === null ? tokens : [bos, ...tokens];
}

function beginningToken(model: LlamaModel): Token | null {
  switch (model.vocabularyType) {
    case LlamaVocabularyType.rwkv:
    case LlamaVocabularyType.ugm:
      return null;
    case LlamaVocabularyType.wpm:
      return model.tokens.bos;
    default:
      return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  }
}

function toHistoryItem(message: ChatMessage): ChatHistoryItem {
  switch (message.role) {
    case "system":
      return { type: "system", text: message.content };
    case "user":
      return { type: "user", text: message.content };
    case "assistant":
      return { type: "model", response: [message.content] };
    default:
      return message.role satisfies never;
  }
}
