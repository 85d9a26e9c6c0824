/**
 * DPO's frozen reference: the init checkpoint's weights in a model of their own that never trains,
 * and its log-probs of each pair's two responses, computed the first time a pair is drawn and cached.
 *
 * Each pair is forwarded on its own (a batch of its two sequences), not with whatever pairs share
 * its first training batch: the same pair then always gets bit-identical numbers however batches
 * are padded or split across threads, so a resumed run — whose cache starts empty — computes
 * exactly the references an uninterrupted run used.
 */
import type { LlamaModel } from "../model/llama-model.ts";
import type { DpoPair } from "../tasks/dpo-file-data.ts";
import { type ReferenceLogprobs, responseLogprobs } from "./dpo-gradients.ts";

export class DpoReference {
  /** The frozen model: nothing may write its params. */
  readonly model: LlamaModel;
  private readonly cache = new WeakMap<DpoPair, ReferenceLogprobs>();
  private computedCount = 0;

  constructor(model: LlamaModel) {
    this.model = model;
  }

  /** Pairs whose log-probs have been computed so far (each once). */
  get computed(): number {
    return this.computedCount;
  }

  /** The reference's summed log-probs of the pair's chosen and rejected responses. */
  of(pair: DpoPair): ReferenceLogprobs {
    const cached = this.cache.get(pair);
    if (cached) return cached;
    const [chosen, rejected] = responseLogprobs(this.model, [
      { prompt: pair.prompt, response: pair.chosen },
      { prompt: pair.prompt, response: pair.rejected },
    ]);
    const logprobs = { chosen, rejected };
    this.cache.set(pair, logprobs);
    this.computedCount++;
    return logprobs;
  }
}
