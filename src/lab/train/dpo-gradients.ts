/**
 * One DPO batch: forward every pair's chosen and rejected sequence in one batch (chosen rows first),
 * sum each response's token log-probs from the logits (float64), take the DPO loss of each pair
 * against its cached reference log-probs, plus α times the chosen response's per-token NLL
 * (dpo-objective.ts), and — when asked for gradients — write ∂loss/∂logits by hand into the model's
 * dLogits and run the ordinary backward pass, as GRPO does.
 * The loss is the mean over the batch's pairs; the training loop clips and applies the gradient.
 */
import type { LlamaModel } from "../model/llama-model.ts";
import type { DpoPair } from "../tasks/dpo-file-data.ts";
import { makeBatch } from "../tasks/task-data.ts";
import { addLogprobGradient, type DpoObjective, dpoPairLoss, tokenLogprob } from "./dpo-objective.ts";

/** The frozen reference's log-probs of a pair's two responses. */
export interface ReferenceLogprobs {
  chosen: number;
  rejected: number;
}

export interface DpoBatchResult {
  /** Mean loss over the pairs (DPO's plus α·chosenNll), in nats. */
  loss: number;
  /** Mean reward margin β·h. */
  margin: number;
  /** Share of pairs whose margin is positive (the policy prefers the chosen response more than the reference does). */
  preference: number;
  /** Mean log π(chosen) − log π_ref(chosen): how far training moved the chosen responses (nats). */
  chosenShift: number;
  /** Mean log π(rejected) − log π_ref(rejected). */
  rejectedShift: number;
  /** Mean over pairs of −log π(chosen) / |chosen|: the chosen responses' NLL per token (nats), unweighted. */
  chosenNll: number;
  /** The policy's summed log-probs, chosen and rejected, per pair. */
  policy: ReferenceLogprobs[];
  /** Response tokens in the batch (chosen and rejected). */
  tokens: number;
}

interface Sequence {
  prompt: number[];
  response: number[];
}

/**
 * Runs `sequences` through the model (no cross-entropy targets) and returns each response's summed
 * token log-probs. The logits stay in the model for `backward`.
 */
export function responseLogprobs(model: LlamaModel, sequences: Sequence[]): number[] {
  return forwardResponses(model, sequences).sums;
}

function forwardResponses(model: LlamaModel, sequences: Sequence[]): { sums: number[]; T: number } {
  const { contextLength, vocabSize: V } = model.config;
  for (const s of sequences) {
    if (s.prompt.length + s.response.length > contextLength) {
      throw new RangeError(
        `a sequence of ${s.prompt.length + s.response.length} tokens does not fit the context of ${contextLength}`,
      );
    }
  }
  const batch = makeBatch(
    sequences.map((s) => ({ prompt: s.prompt, solution: s.response })),
    contextLength,
  );
  batch.targets.fill(-1);
  model.forward(batch.tokens, batch.targets, batch.B, batch.T);
  const { logits } = model;
  const sums = sequences.map((s, b) =>
    sumOverResponse(s, b, batch.T, (at, token) => tokenLogprob(logits.subarray(at * V, at * V + V), token)),
  );
  return { sums, T: batch.T };
}

/**
 * The loss of `pairs` against their reference log-probs (DPO's, plus α·NLL of the chosen responses
 * when `nllWeight` > 0); with `gradient`, also ∂loss/∂params added into `model.grads` (zero them first).
 */
export function dpoBatch(
  model: LlamaModel,
  pairs: DpoPair[],
  references: ReferenceLogprobs[],
  { gradient, ...objective }: DpoObjective & { gradient: boolean },
): DpoBatchResult {
  const P = pairs.length;
  const sequences: Sequence[] = [
    ...pairs.map((p) => ({ prompt: p.prompt, response: p.chosen })),
    ...pairs.map((p) => ({ prompt: p.prompt, response: p.rejected })),
  ];
  const { sums, T } = forwardResponses(model, sequences);
  const policy = pairs.map((_, i) => ({ chosen: sums[i], rejected: sums[P + i] }));
  const losses = pairs.map((_, i) =>
    dpoPairLoss(
      {
        policyChosen: policy[i].chosen,
        policyRejected: policy[i].rejected,
        referenceChosen: references[i].chosen,
        referenceRejected: references[i].rejected,
        chosenTokens: pairs[i].chosen.length,
      },
      objective,
    ),
  );
  const tokens = sequences.reduce((n, s) => n + s.response.length, 0);
  if (gradient) {
    // forward() without targets left dLogits at zero; each response token adds
    // (∂loss/∂log π(response) / P) · (onehot − softmax) at the position that predicts it; for a
    // chosen response that coefficient carries the NLL term's −α/|c|.
    const { logits, dLogits } = model;
    const { vocabSize: V } = model.config;
    sequences.forEach((s, b) => {
      const pair = losses[b % P];
      const coefficient = (b < P ? pair.dChosen : pair.dRejected) / P;
      sumOverResponse(s, b, T, (at, token) => {
        const row = at * V;
        addLogprobGradient(logits.subarray(row, row + V), token, coefficient, dLogits.subarray(row, row + V));
        return 0;
      });
    });
    model.backward();
  }
  const mean = (value: (i: number) => number) =>
    pairs.reduce((sum, _, i) => sum + value(i), 0) / Math.max(1, P);
  return {
    loss: mean((i) => losses[i].loss),
    margin: mean((i) => losses[i].margin),
    preference: mean((i) => (losses[i].margin > 0 ? 1 : 0)),
    chosenShift: mean((i) => policy[i].chosen - references[i].chosen),
    rejectedShift: mean((i) => policy[i].rejected - references[i].rejected),
    chosenNll: mean((i) => losses[i].chosenNll),
    policy,
    tokens,
  };
}

/**
 * Σ_j f(row of the position predicting response token j, token j) for sequence b of a batch of
 * length T: position p predicts the token at p + 1, so response token j is predicted at
 * prompt.length − 1 + j.
 */
function sumOverResponse(
  s: Sequence,
  b: number,
  T: number,
  f: (row: number, token: number) => number,
): number {
  let sum = 0;
  s.response.forEach((token, j) => {
    sum += f(b * T + s.prompt.length - 1 + j, token);
  });
  return sum;
}
