/**
 * Flags every command that loads models shares: what a model spec may be, and `--context-size`.
 */
import { Option } from "commander";
import { integer } from "./parse-number.ts";

/** What `--model` takes, for help texts. */
export const MODEL_SPEC_HELP =
  "configured name, .gguf path, builtin:NAME, hf:org/repo:QUANT or openai:MODEL@BASE_URL; raw:SPEC sends raw prompts (models trained without a chat template, e.g. by `deliberate train`)";

/** llama.cpp's smallest context; `createLlamaBackend` refuses less. */
const MIN_CONTEXT_SIZE = 16;

/** `--context-size <n>`: tokens per llama.cpp sequence, prompt and completion together. */
export function contextSizeOption(): Option {
  return new Option(
    "--context-size <n>",
    `llama.cpp tokens per sequence, prompt + completion, >= ${MIN_CONTEXT_SIZE} (default: the config's contextSize, else min(4096, the model's trained context))`,
  ).argParser(integer(MIN_CONTEXT_SIZE));
}
