/**
 * The policy whose own solutions the PRM stage labels (Math-Shepherd): it writes whole solutions to a
 * problem, and continues a solution from a prefix of its steps. `StepPolicy` is the seam a test fills
 * with a scripted policy of known success rates; `samplingPolicy` is the lab model's, on our KV-cache
 * decoder.
 *
 * A solution is the model's raw continuation of `question + "\n"`: steps, one a line, ending with the
 * `#### ANSWER` line and `</s>`. Continuing after steps s₀…sᵢ feeds `question\n s₀\n … sᵢ\n` and
 * samples the rest; the prefix is fed once and every rollout branches from it (`truncate`).
 */
import { KvCacheDecoder, sample } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { Random } from "../random.ts";
import type { TaskExample } from "../tasks/task-data.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

export interface StepPolicy {
  /** `count` solutions to `example`, as text without `</s>`. */
  solve(example: TaskExample, count: number): string[];
  /**
   * `count` completions of a solution that starts with `steps` (trimmed lines): each the whole
   * solution text, the steps included, as `solve` returns it.
   */
  continueFrom(example: TaskExample, steps: readonly string[], count: number): string[];
}

export interface SamplingPolicyOptions {
  /** Softmax temperature, > 0. */
  temperature: number;
  random: Random;
}

/** The lab model as a policy: sampled solutions and rollouts within its context. */
export function samplingPolicy(
  model: LlamaModel,
  tokenizer: CharTokenizer,
  { temperature, random }: SamplingPolicyOptions,
): StepPolicy {
  const decoder = new KvCacheDecoder(model);
  const { contextLength } = model.config;
  /** `count` continuations of `ids`, each decoded; the prefix is fed once. */
  const branch = (ids: number[], count: number): string[] => {
    decoder.reset();
    let logits = decoder.logits;
    for (const id of ids) logits = decoder.step(id);
    const start = logits.slice();
    const out: string[] = [];
    for (let c = 0; c < count; c++) {
      decoder.truncate(ids.length);
      logits = start;
      const generated: number[] = [];
      while (decoder.length < contextLength) {
        const next = sample(logits, temperature, random);
        if (next === CharTokenizer.eosId) break;
        generated.push(next);
        logits = decoder.step(next);
      }
      out.push(tokenizer.decode(generated));
    }
    return out;
  };
  return {
    solve: (example, count) => branch(example.prompt, count),
    continueFrom: (example, steps, count) => {
      const prefix = steps.map((s) => `${s}\n`).join("");
      // A prefix that fills the context leaves nothing to sample: the solution stops there.
      if (example.prompt.length + tokenizer.encode(prefix).length >= contextLength) {
        return Array.from({ length: count }, () => prefix);
      }
      return branch([...example.prompt, ...tokenizer.encode(prefix)], count).map((rest) => prefix + rest);
    },
  };
}
