/**
 * Labelled generator samples, the verifier's training data (TinyGSM-style outcome supervision):
 * several completions per problem at temperature ~1 from our KV-cache decoder, each labelled
 * correct/incorrect by the same reward the GRPO stage uses (deliberate's graders on the `#### ANSWER`
 * line; countdown checks the arithmetic).
 */
import type { SyntheticItem } from "../../tasks/index.ts";
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { Random } from "../random.ts";
import { finalAnswer, type TaskExample } from "../tasks/task-data.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { reward } from "./grpo-reward.ts";

export interface LabelledSample {
  /** Index of the problem in the list sampled from (groups samples for voting). */
  problem: number;
  question: string;
  /** The reference answer. */
  answer: string;
  /** The generated solution, without </s>. */
  text: string;
  /** The text after `####`, or null. */
  predicted: string | null;
  /** 1 = correct. */
  label: number;
}

export interface SampleOptions {
  /** Completions per problem. */
  samplesPerProblem: number;
  /** Sampling temperature. Default 1. */
  temperature?: number;
  random: Random;
}

/** `samplesPerProblem` labelled completions for each example, in problem order. */
export function sampleLabelled(
  generator: LlamaModel,
  tokenizer: CharTokenizer,
  examples: TaskExample[],
  { samplesPerProblem, temperature = 1, random }: SampleOptions,
): LabelledSample[] {
  const decoder = new KvCacheDecoder(generator);
  const out: LabelledSample[] = [];
  examples.forEach((example, problem) => {
    for (let s = 0; s < samplesPerProblem; s++) {
      const ids = decoder.generate(example.prompt, {
        maxTokens: generator.config.contextLength - example.prompt.length,
        temperature,
        random,
        stopId: CharTokenizer.eosId,
      });
      out.push(labelSample(problem, example.item, tokenizer.decode(ids)));
    }
  });
  return out;
}

export function labelSample(problem: number, item: SyntheticItem, text: string): LabelledSample {
  return {
    problem,
    question: item.question,
    answer: item.answer,
    text,
    predicted: finalAnswer(text),
    label: reward(item, text),
  };
}
