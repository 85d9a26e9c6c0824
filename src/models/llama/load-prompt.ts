/**
 * Puts all but the last prompt token into the cache of every sequence of a call, evaluating them
 * once: in the first sequence, whose state is then copied into the others, so n samples cost one
 * prompt evaluation instead of n. Each sample's first step evaluates the last prompt token, whose
 * logits start its generation.
 *
 * The copy goes through node-llama-cpp's public sequence-state file API (llama.cpp's
 * `llama_state_seq_save_file` / `_load_file`): 3.21.1 has no in-memory sequence copy. The file is
 * the first sequence's KV cache, written once to the OS temp folder and read n − 1 times (from the
 * page cache); it is removed before the call samples.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";

/** Loads the prompt prefix into sequences that start with an empty cache; returns tokens evaluated. */
export async function loadPrompt(
  sequences: readonly LlamaContextSequence[],
  promptTokens: readonly Token[],
): Promise<number> {
  const prefix = promptTokens.slice(0, -1) as Token[];
  const [first, ...rest] = sequences;
  if (prefix.length === 0 || first === undefined) return 0;
  await first.evaluateWithoutGeneratingNewTokens(prefix);
  if (rest.length === 0) return prefix.length;
  const file = join(tmpdir(), `deliberate-prompt-${process.pid}-${randomUUID()}.bin`);
  try {
    await first.saveStateToFile(file);
    // The state comes from this very model and context: the risk node-llama-cpp asks us to accept
    // (loading another model's state) cannot arise.
    for (const sequence of rest) await sequence.loadStateFromFile(file, { acceptRisk: true });
  } finally {
    await rm(file, { force: true });
  }
  return prefix.length;
}
