/**
 * Reading the lab PRM the way the `prm` step scorer does through `score()`: for each step prefix,
 * teacher-force `PRM_YES` after `prmPrompt(question, prefix)` and take exp of its summed logprob.
 * Consecutive prefixes' prompts share their beginning (the question and the earlier steps), so the
 * KV cache keeps the shared tokens and feeds only what differs.
 */
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { tokenLogprob } from "./dpo-objective.ts";
import { prmRow, type VerdictTokens } from "./prm-format.ts";

export interface PrefixScore {
  /** exp(Σ log p(PRM_YES tokens)): what the `prm` step scorer reads; 0 when the row does not fit. */
  score: number;
  /** log p of the yes-verdict's and the no-verdict's first token: the decision. NaN when it does not fit. */
  yesFirst: number;
  noFirst: number;
}

/**
 * Scores prefixes with `model`'s weights as they are when scored; the cache assumes they stay so, so
 * after a training step make a new scorer.
 */
export class PrmScorer {
  private readonly decoder: KvCacheDecoder;
  /** The tokens whose keys and values the decoder holds, in order. */
  private cached: number[] = [];

  constructor(
    private readonly model: LlamaModel,
    private readonly tokenizer: CharTokenizer,
    private readonly verdicts: VerdictTokens,
  ) {
    this.decoder = new KvCacheDecoder(model);
  }

  /** One score per prefix `steps[0..i]` of a solution to `question`. */
  scoreSteps(question: string, steps: readonly string[]): PrefixScore[] {
    return steps.map((_, i) =>
      this.scorePrefix(prmRow(this.tokenizer, question, steps.slice(0, i + 1), 1).prompt),
    );
  }

  /** The score after `prompt` (ids, with <s>). */
  scorePrefix(prompt: number[]): PrefixScore {
    const { yes, no } = this.verdicts;
    if (prompt.length + yes.length > this.model.config.contextLength) {
      return { score: 0, yesFirst: Number.NaN, noFirst: Number.NaN };
    }
    const sequence = [...prompt, ...yes];
    // Keep the shared beginning, but always feed the last prompt token: its logits score yes[0].
    let keep = 0;
    while (keep < this.cached.length && keep < prompt.length - 1 && this.cached[keep] === sequence[keep])
      keep++;
    this.decoder.truncate(keep);
    this.cached.length = keep;
    let logits = this.decoder.logits;
    for (let t = keep; t < prompt.length; t++) logits = this.step(sequence[t]);
    const yesFirst = tokenLogprob(logits, yes[0]);
    const noFirst = tokenLogprob(logits, no[0]);
    let logprob = yesFirst;
    for (let j = 1; j < yes.length; j++) {
      logits = this.step(yes[j - 1]);
      logprob += tokenLogprob(logits, yes[j]);
    }
    return { score: Math.exp(logprob), yesFirst, noFirst };
  }

  private step(token: number): Float32Array {
    this.cached.push(token);
    return this.decoder.step(token);
  }
}
