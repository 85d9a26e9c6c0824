/**
 * Puts all but the last prompt token into the cache of every sequence of a call, evaluating them
 * once: in the first sequence, then copied into the others, so n samples cost one prompt
 * evaluation instead of n. Each sample's first step evaluates the last prompt token, whose logits
 * start its generation.
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * node-llama-cpp's sequence copy (llama.cpp's `llama_memory_seq_cp`). It is internal there (its
 * own decision contexts use it), so it is looked up, not assumed: without it each sequence
 * evaluates the prompt itself, one after another, which gives the same state at n times the cost.
 */
type CopyState = (source: LlamaContextSequence, upToTokenIndex: number) => Promise<boolean>;

function copyStateOf(sequence: LlamaContextSequence): CopyState | undefined {
  const copy = (sequence as unknown as { _copyStateFromOtherSequence?: CopyState })
    ._copyStateFromOtherSequence;
  return typeof copy === "function" ? copy.bind(sequence) : undefined;
}

/** Loads the prompt prefix into sequences that start with an empty cache; returns tokens evaluated. */
export async function loadPrompt(
  sequences: readonly LlamaContextSequence[],
  promptTokens: readonly Token[],
): Promise<number> {
  const prefix = promptTokens.slice(0, -1) as Token[];
  if (prefix.length === 0 || sequences.length === 0) return 0;
  const [first, ...rest] = sequences;
  await first.evaluateWithoutGeneratingNewTokens(prefix);
  let evaluated = prefix.length;
  for (const sequence of rest) {
    const copied = (await copyStateOf(sequence)?.(first, prefix.length)) === true;
    if (copied && sequence.nextTokenIndex === prefix.length) continue;
    if (sequence.nextTokenIndex > 0) await sequence.clearHistory();
    await sequence.evaluateWithoutGeneratingNewTokens(prefix);
    evaluated += prefix.length;
  }
  return evaluated;
}
