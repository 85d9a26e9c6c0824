/**
 * Reading the lab PRM the way the `prm` step scorer does through `score()`: for each step prefix,
 * the likelihood of `PRM_YES` after `prmPrompt(question, prefix)`. The prompts of consecutive
 * prefixes extend each other (Math-Shepherd's layout, prm-format.ts), so one pass over the solution's
 * row reads every verdict; the KV cache also keeps the beginning shared with the previous solution
 * (the question).
 */
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { tokenLogprob } from "./dpo-objective.ts";
import { prmRow, type VerdictTokens } from "./prm-format.ts";

export interface PrefixScore {
  /** exp(Σ log p(PRM_YES tokens)): what the `prm` step scorer reads; 0 when the verdict does not fit. */
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
    if (steps.length === 0) return [];
    const { yes, no } = this.verdicts;
    const { tokens, decisions } = prmRow(
      this.tokenizer,
      question,
      steps,
      steps.map(() => 1),
    );
    const { contextLength } = this.model.config;
    // A verdict fits when its last token is inside the context (as `score()` would see it).
    const fits = decisions.flatMap((d, index) =>
      d.at + yes.length <= contextLength ? [{ ...d, index }] : [],
    );
    const scores: PrefixScore[] = decisions.map(() => ({
      score: 0,
      yesFirst: Number.NaN,
      noFirst: Number.NaN,
    }));
    if (fits.length === 0) return scores;
    // Token p's log-probability comes from the logits after token p − 1, so feed from before the first
    // verdict on; the tokens before that may come from the cache.
    const first = fits[0].at - 1;
    let keep = 0;
    while (keep < this.cached.length && keep < first && this.cached[keep] === tokens[keep]) keep++;
    this.decoder.truncate(keep);
    this.cached.length = keep;
    // Which verdict token each position holds: decision index and token index j in PRM_YES.
    const verdictAt = new Map<number, { index: number; j: number }>();
    for (const { at, index } of fits) {
      for (let j = 0; j < yes.length; j++) verdictAt.set(at + j, { index, j });
    }
    const logprobs = decisions.map(() => 0);
    const last = fits.at(-1)!.at + yes.length - 1;
    for (let t = keep; t < last; t++) {
      this.cached.push(tokens[t]);
      // The logits after token t, for the token at t + 1 (the decoder reuses the buffer: read it now).
      const logits = this.decoder.step(tokens[t]);
      const verdict = verdictAt.get(t + 1);
      if (verdict === undefined) continue;
      const { index, j } = verdict;
      logprobs[index] += tokenLogprob(logits, yes[j]);
      if (j === 0)
        scores[index] = { score: 0, yesFirst: logprobs[index], noFirst: tokenLogprob(logits, no[0]) };
    }
    for (const { index } of fits) scores[index].score = Math.exp(logprobs[index]);
    return scores;
  }
}
