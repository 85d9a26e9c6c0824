/**
 * Validation accuracy by generating with our own forward pass (KV cache): greedy, and optionally
 * majority voting over k sampled solutions (maj@k), voting on the final `#### ANSWER`.
 */
import type { SyntheticItem } from "../../tasks/index.ts";
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { finalAnswer, isCorrect, type TaskExample } from "../tasks/task-data.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

export interface EvaluateOptions {
  /** Problems to evaluate (the first n). Default: all. */
  limit?: number;
  /** Samples per problem for maj@k; 0 = greedy only. Default 0. */
  samples?: number;
  /** Sampling temperature for maj@k. Default 1. */
  temperature?: number;
  /** Seed for sampling. Default 1. */
  seed?: number;
  /** Whether an output answers its problem. Default `isCorrect` (the task's `#### ` line; countdown's arithmetic). */
  correct?: (item: SyntheticItem, output: string) => boolean;
}

export interface EvaluateResult {
  problems: number;
  /** Fraction correct with greedy decoding. */
  greedy: number;
  /** Fraction correct by majority vote over `samples` samples (absent when samples = 0). */
  majority?: number;
  /** Fraction where at least one sample was correct (pass@k). */
  anyCorrect?: number;
  /** Mean fraction of samples that were correct. */
  sampleAccuracy?: number;
  /** The first few greedy outputs, for logs. */
  examples: { question: string; output: string; correct: boolean }[];
}

export function evaluateAccuracy(
  model: LlamaModel,
  tokenizer: CharTokenizer,
  examples: TaskExample[],
  {
    limit = examples.length,
    samples = 0,
    temperature = 1,
    seed = 1,
    correct: check = isCorrect,
  }: EvaluateOptions = {},
): EvaluateResult {
  const decoder = new KvCacheDecoder(model);
  const random = new Random(seed);
  const chosen = examples.slice(0, limit);
  let greedy = 0;
  let majority = 0;
  let anyCorrect = 0;
  let sampleCorrect = 0;
  const shown: EvaluateResult["examples"] = [];
  const generate = (prompt: number[], t: number) =>
    tokenizer.decode(
      decoder.generate(prompt, {
        maxTokens: model.config.contextLength - prompt.length,
        temperature: t,
        random,
        stopId: CharTokenizer.eosId,
      }),
    );
  for (const { item, prompt } of chosen) {
    const output = generate(prompt, 0);
    const correct = check(item, output);
    if (correct) greedy++;
    if (shown.length < 3) shown.push({ question: item.question, output, correct });
    if (samples <= 0) continue;
    const outputs: string[] = [];
    for (let s = 0; s < samples; s++) outputs.push(generate(prompt, temperature));
    const correctness = outputs.map((sampled) => check(item, sampled));
    sampleCorrect += correctness.filter(Boolean).length;
    if (correctness.some(Boolean)) anyCorrect++;
    const winner = majorityVote(outputs);
    if (winner !== null && check(item, winner)) majority++;
  }
  const n = Math.max(1, chosen.length);
  return {
    problems: chosen.length,
    greedy: greedy / n,
    ...(samples > 0
      ? { majority: majority / n, anyCorrect: anyCorrect / n, sampleAccuracy: sampleCorrect / (n * samples) }
      : {}),
    examples: shown,
  };
}

/**
 * The output whose final answer (`#### X`) most outputs share; ties go to the answer seen first, so
 * the vote is deterministic. Outputs without an answer do not vote. Null when none has an answer.
 */
export function majorityVote(outputs: string[]): string | null {
  const votes = new Map<string, { count: number; output: string }>();
  for (const output of outputs) {
    const key = finalAnswer(output);
    if (key === null) continue;
    const entry = votes.get(key) ?? { count: 0, output };
    entry.count++;
    votes.set(key, entry);
  }
  let winner: { count: number; output: string } | null = null;
  for (const entry of votes.values()) if (!winner || entry.count > winner.count) winner = entry;
  return winner?.output ?? null;
}
