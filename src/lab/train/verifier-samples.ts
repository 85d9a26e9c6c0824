/**
 * Labelled generator samples, the verifier's training data (TinyGSM-style outcome supervision):
 * several completions per problem at temperature ~1 from our KV-cache decoder, each labelled
 * correct/incorrect by the same reward the GRPO stage uses (deliberate's graders on the `#### ANSWER`
 * line; countdown checks the arithmetic).
 */
import { writeFile } from "node:fs/promises";
import type { SyntheticItem } from "../../tasks/index.ts";
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { Random } from "../random.ts";
import { finalAnswer, type TaskData, type TaskExample } from "../tasks/task-data.ts";
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

export interface VerifierSamplesOptions extends SampleOptions {
  /** Training problems sampled, drawn from the top two levels the generator trained on. */
  problems: number;
  /** Held-out problems sampled: the first of the validation split (at the top level). */
  heldOutProblems: number;
  /** The top level the generator trained on. */
  difficulty: number;
}

/**
 * The verifier's labelled data from a generator: `samplesPerProblem` completions for each of
 * `problems` random training problems and the first `heldOutProblems` validation problems. Judging
 * matters where the generator errs, so a generator trained on a mixture of levels has its training
 * problems drawn from the top two.
 */
export function sampleVerifierData(
  generator: LlamaModel,
  data: TaskData,
  { problems, heldOutProblems, difficulty, ...sampling }: VerifierSamplesOptions,
): { train: LabelledSample[]; heldOut: LabelledSample[] } {
  const hard = data.train.filter((example) => example.item.difficulty >= difficulty - 1);
  const picked = shuffled(hard, sampling.random).slice(0, problems);
  const train = sampleLabelled(generator, data.tokenizer, picked, sampling);
  const heldOut = sampleLabelled(generator, data.tokenizer, data.valid.slice(0, heldOutProblems), sampling);
  return { train, heldOut };
}

/** Writes samples.jsonl: one labelled sample a line, with its `split` (`train` or `held-out`). */
export function writeSamples(
  path: string,
  train: LabelledSample[],
  heldOut: LabelledSample[],
): Promise<void> {
  const lines = [
    ...train.map((s) => ({ split: "train", ...s })),
    ...heldOut.map((s) => ({ split: "held-out", ...s })),
  ].map((s) => JSON.stringify(s));
  return writeFile(path, `${lines.join("\n")}\n`);
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

/** Fisher–Yates on a copy. */
export function shuffled<T>(items: T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
