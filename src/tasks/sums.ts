/**
 * Sums of one-digit numbers, `Compute 7+5+9+3.`: difficulty d has d+1 terms, so d additions.
 * The lab's reference task: each step is small (a running total plus a digit), but keeping track of
 * which terms are still to add gets harder with every term, so a level past what a model masters is
 * always one term away.
 *
 * Solutions add the terms in different orders, one `a+b=c` line per addition: left to right, right
 * to left, adjacent pairs first, and a few random orders. Sampled chains then take different paths,
 * their slips are less correlated, and majority voting has something to work with.
 */
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

/** A running sum over the terms in this order: `47+38=85`, `85+15=100`, … */
function runningSum(terms: number[]): string[] {
  const lines: string[] = [];
  let total = terms[0];
  for (const term of terms.slice(1)) {
    lines.push(`${total}+${term}=${total + term}`);
    total += term;
  }
  return lines;
}

/** Adjacent pairs first, then the pairs' sums, round after round: a balanced tree of additions. */
function pairwiseSum(terms: number[]): string[] {
  const lines: string[] = [];
  let level = terms;
  while (level.length > 1) {
    const next: number[] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) {
        next.push(level[i]);
        continue;
      }
      lines.push(`${level[i]}+${level[i + 1]}=${level[i] + level[i + 1]}`);
      next.push(level[i] + level[i + 1]);
    }
    level = next;
  }
  return lines;
}

export const sums: ItemMaker = (rng: Rng, difficulty) => {
  const terms = Array.from({ length: difficulty + 1 }, () => rng.int(1, 9));
  const answer = terms.reduce((a, b) => a + b, 0);
  const orders = [
    runningSum(terms),
    runningSum([...terms].reverse()),
    pairwiseSum(terms),
    runningSum(rng.shuffle(terms)),
    runningSum(rng.shuffle(terms)),
  ];
  const end = `#### ${answer}`;
  return {
    question: `Compute ${terms.join("+")}.`,
    answer: String(answer),
    category: `${terms.length} terms`,
    solutions: [...new Set(orders.map((lines) => [...lines, end].join("\n")))],
  };
};
