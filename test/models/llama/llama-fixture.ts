/**
 * Shared setup for the llama backend's integration tests: a tiny random-weight GGUF run on real
 * llama.cpp with one thread (the machine's cores are shared; more threads only spin-wait).
 */
import {
  createLlamaBackend,
  type LlamaBackend,
  type LlamaBackendOptions,
} from "../../../src/models/llama/index.ts";
import { type TinyModelOptions, tinyModelPath } from "../../helpers/tiny-model.ts";

export async function openTinyBackend(
  options: Partial<LlamaBackendOptions> = {},
  model: Partial<TinyModelOptions> = {},
): Promise<LlamaBackend> {
  return createLlamaBackend({ model: await tinyModelPath(model), threads: 1, contextSize: 256, ...options });
}

/** A prompt that gives varied continuations from the tiny model. */
export const PROMPT = "Q: What is 2+2?\nA:";
