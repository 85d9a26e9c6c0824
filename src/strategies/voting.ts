/**
 * Shared voting: majority and weighted votes on grading's `answerKey` (never on raw strings), ties
 * broken by confidence, every vote recorded as a `vote` trace node.
 */
import type { Completion } from "../models/types.ts";
import type { TraceRecorder } from "../trace/recorder.ts";
import { meanProbability } from "./trace-confidence.ts";

export interface Ballot {
  /** The candidate's canonical answer key; null abstains (no answer could be extracted). */
  key: string | null;
  /** Vote weight, >= 0. Default 1 (plain majority). Weighted best-of-N passes verifier scores. */
  weight?: number;
  /** Per-candidate confidence in [0, 1], used only to break ties. Default 0. */
  confidence?: number;
}

export interface VoteResult {
  /** The winning key, or null when every ballot abstained. */
  winner: string | null;
  /** Index (into the ballots) of the winner's representative: its most confident ballot. */
  winnerIndex: number;
  /** Ballots per key. */
  counts: Record<string, number>;
  /** Summed weight per key. */
  weights: Record<string, number>;
  /** The winner's weight over all non-abstaining weight, in [0, 1]; 0 without a winner. */
  share: number;
  /** Ballots that abstained. */
  abstained: number;
  /** True when the winner was chosen among keys of equal weight. */
  tie: boolean;
}

/** Two weights closer than this are a tie (sums of float scores rarely match exactly). */
const TIE_EPSILON = 1e-9;

/**
 * Tallies ballots. Ties on weight go to the key whose ballots have the higher summed confidence, then
 * to the key seen first, so the result is deterministic.
 */
export function vote(ballots: Ballot[]): VoteResult {
  const counts: Record<string, number> = {};
  const weights: Record<string, number> = {};
  const confidence = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  let abstained = 0;
  let total = 0;
  ballots.forEach((ballot, index) => {
    if (ballot.key === null) {
      abstained++;
      return;
    }
    const weight = ballot.weight ?? 1;
    counts[ballot.key] = (counts[ballot.key] ?? 0) + 1;
    weights[ballot.key] = (weights[ballot.key] ?? 0) + weight;
    confidence.set(ballot.key, (confidence.get(ballot.key) ?? 0) + (ballot.confidence ?? 0));
    if (!firstSeen.has(ballot.key)) firstSeen.set(ballot.key, index);
    total += weight;
  });

  const keys = [...firstSeen.keys()];
  if (keys.length === 0)
    return { winner: null, winnerIndex: -1, counts, weights, share: 0, abstained, tie: false };
  const best = Math.max(...keys.map((k) => weights[k]));
  const leaders = keys.filter((k) => best - weights[k] <= TIE_EPSILON);
  const winner = leaders.reduce((a, b) =>
    confidence.get(b)! > confidence.get(a)! + TIE_EPSILON ||
    (Math.abs(confidence.get(b)! - confidence.get(a)!) <= TIE_EPSILON &&
      firstSeen.get(b)! < firstSeen.get(a)!)
      ? b
      : a,
  );
  let winnerIndex = -1;
  ballots.forEach((ballot, index) => {
    if (ballot.key !== winner) return;
    if (winnerIndex < 0 || (ballot.confidence ?? 0) > (ballots[winnerIndex].confidence ?? 0))
      winnerIndex = index;
  });
  return {
    winner,
    winnerIndex,
    counts,
    weights,
    share: total > 0 ? weights[winner] / total : 0,
    abstained,
    tie: leaders.length > 1,
  };
}

/** Records a vote as a `vote` trace node: keys, counts, weights, winner, ballots cast. */
export function recordVote(
  trace: TraceRecorder,
  result: VoteResult,
  parentId: string | undefined,
  extra: { samples: number; name?: string; model?: string },
): string {
  return trace.record(
    "vote",
    extra.name ?? "majority",
    {
      winner: result.winner,
      counts: result.counts,
      weights: result.weights,
      share: result.share,
      abstained: result.abstained,
      tie: result.tie,
      samples: extra.samples,
      ...(extra.model ? { model: extra.model } : {}),
    },
    parentId,
  );
}

/**
 * A candidate's confidence for tie-breaks and weighted votes: an inner strategy's confidence, else the
 * sample's mean token probability, else 0.5 (unknown is neutral, neither trusted nor distrusted).
 */
export function candidateConfidence(candidate: {
  completion?: Completion;
  solution?: { confidence: number };
}): number {
  if (candidate.solution) return candidate.solution.confidence;
  return candidate.completion ? meanProbability([candidate.completion]) : 0.5;
}
