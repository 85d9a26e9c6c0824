/**
 * One GRPO step's gradients: sample G completions per prompt from the current policy, score them,
 * turn the rewards into group-normalised advantages, and write the clipped surrogate's gradient into
 * `model.grads` (the training loop clips and applies it). The objective's gradient w.r.t. the logits
 * is written by hand (grpo-objective.ts) into the model's dLogits, then the ordinary backward pass
 * carries it to the weights.
 */
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { Random } from "../random.ts";
import { makeBatch } from "../tasks/task-data.ts";
import { groupAdvantages, surrogateGradient } from "./grpo-objective.ts";

export interface GrpoPrompt {
  /** Prompt ids (<s> included). */
  prompt: number[];
  /** Reward of a decoded completion, e.g. 1 for a correct answer. */
  reward: (completion: number[]) => number;
}

export interface GrpoGradientsOptions {
  /** Completions per prompt (the group size G), >= 2. */
  groupSize: number;
  /** Sampling temperature. Default 1 (then π_old is exactly the sampling distribution). */
  temperature?: number;
  /** Clip range ε. Default 0.2. */
  epsilon?: number;
  /** Most new tokens per completion. */
  maxTokens: number;
  /** Token that ends a completion (</s>). */
  stopId: number;
  random: Random;
}

export interface GrpoGradientsResult {
  /** Mean reward over every sampled completion. */
  meanReward: number;
  /** Share of completions with full reward (a correct answer), format bonus aside. */
  correctFraction: number;
  /** Share of full-reward completions in each prompt's group, in prompt order (for the curriculum). */
  groupPassRates: number[];
  /** Mean completion length in tokens. */
  meanLength: number;
  /** Groups with differing rewards (the only ones that carry gradient). */
  informativeGroups: number;
  /** Fraction of completion tokens whose clipped branch won. */
  clipFraction: number;
  /** Whether `model.grads` holds a gradient to apply (false when every group had equal rewards). */
  hasGradient: boolean;
}

export function grpoGradients(
  model: LlamaModel,
  prompts: GrpoPrompt[],
  options: GrpoGradientsOptions,
): GrpoGradientsResult {
  const { groupSize, temperature = 1, epsilon = 0.2, maxTokens, stopId, random } = options;
  const decoder = new KvCacheDecoder(model);
  const { contextLength, vocabSize: V } = model.config;
  // 1. Sample: G completions per prompt, remembering log π_old of each sampled token.
  const rows: { prompt: number[]; completion: number[]; oldLogprobs: number[]; advantage: number }[] = [];
  let rewardSum = 0;
  let lengthSum = 0;
  let informativeGroups = 0;
  const groupPassRates: number[] = [];
  for (const { prompt, reward } of prompts) {
    const group: { completion: number[]; oldLogprobs: number[]; reward: number }[] = [];
    for (let g = 0; g < groupSize; g++) {
      const { completion, logprobs } = sampleWithLogprobs(decoder, prompt, {
        maxTokens: Math.min(maxTokens, contextLength - prompt.length),
        temperature,
        stopId,
        random,
      });
      const r = reward(completion);
      rewardSum += r;
      lengthSum += completion.length;
      group.push({ completion, oldLogprobs: logprobs, reward: r });
    }
    groupPassRates.push(group.filter((c) => c.reward >= 1).length / groupSize);
    // 2. Advantages within the group; equal rewards teach nothing and are skipped.
    const advantages = groupAdvantages(group.map((c) => c.reward));
    if (advantages.every((a) => a === 0)) continue;
    informativeGroups++;
    group.forEach((c, i) => {
      if (c.completion.length > 0) rows.push({ prompt, ...c, advantage: advantages[i] });
    });
  }
  const samples = Math.max(1, prompts.length * groupSize);
  const stats = {
    meanReward: rewardSum / samples,
    // Every group has groupSize samples, so the overall share is the mean of the groups' shares.
    correctFraction: groupPassRates.reduce((a, b) => a + b, 0) / Math.max(1, prompts.length),
    groupPassRates,
    meanLength: lengthSum / samples,
    informativeGroups,
  };
  if (rows.length === 0) return { ...stats, clipFraction: 0, hasGradient: false };

  // 3. Forward the sampled sequences; the loss is ours, so no cross-entropy targets.
  const batch = makeBatch(
    rows.map((row) => ({ prompt: row.prompt, solution: row.completion })),
    contextLength,
  );
  batch.targets.fill(-1);
  model.zeroGrad();
  model.forward(batch.tokens, batch.targets, batch.B, batch.T);
  const { logits, dLogits } = model;
  // 4. dLoss/dlogits of −(1/groups) Σ_groups (1/G) Σ_i (1/|o_i|) Σ_t min(ρA, clip(ρ)A).
  let clippedTokens = 0;
  let tokens = 0;
  rows.forEach((row, b) => {
    const scale = 1 / (informativeGroups * groupSize * row.completion.length);
    row.completion.forEach((token, j) => {
      // Position p predicts the token at p + 1: completion token j is predicted at prompt.length − 1 + j.
      const p = row.prompt.length - 1 + j;
      if (p >= batch.T) return;
      const at = (b * batch.T + p) * V;
      const result = surrogateGradient(
        {
          logits: logits.subarray(at, at + V),
          token,
          advantage: row.advantage,
          oldLogprob: row.oldLogprobs[j],
          epsilon,
          scale,
        },
        dLogits.subarray(at, at + V),
      );
      if (result.clipped) clippedTokens++;
      tokens++;
    });
  });
  model.backward();
  return { ...stats, clipFraction: clippedTokens / Math.max(1, tokens), hasGradient: true };
}

interface SampleOptions {
  maxTokens: number;
  temperature: number;
  stopId: number;
  random: Random;
}

/** Samples a completion and the log-probability (under softmax(logits / temperature)) of each token. */
function sampleWithLogprobs(
  decoder: KvCacheDecoder,
  prompt: number[],
  { maxTokens, temperature, stopId, random }: SampleOptions,
): { completion: number[]; logprobs: number[] } {
  decoder.reset();
  let logits = decoder.logits;
  for (const token of prompt) logits = decoder.step(token);
  const completion: number[] = [];
  const logprobs: number[] = [];
  while (completion.length < maxTokens) {
    const V = logits.length;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < V; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = 0; i < V; i++) sum += Math.exp((logits[i] - max) / temperature);
    let u = random.next() * sum;
    let token = V - 1;
    for (let i = 0; i < V; i++) {
      u -= Math.exp((logits[i] - max) / temperature);
      if (u <= 0) {
        token = i;
        break;
      }
    }
    completion.push(token);
    logprobs.push((logits[token] - max) / temperature - Math.log(sum));
    if (token === stopId) break;
    logits = decoder.step(token);
  }
  return { completion, logprobs };
}
