/**
 * A chain of operations on one digit, `Start 4, apply +7 *3 +2 *9 mod 10.`: difficulty d has d+1
 * operations (`+k` with k in 1..9, `*k` with k in 2..9), applied left to right, keeping the last digit.
 *
 * Why it exists: in `sums` the answer is a function of the bag of digits, which attention computes in
 * one pass, so a model trained on answers alone does as well as one trained on steps. Here the
 * answer is a composition of d+1 maps that do not commute: nothing short of applying them in order
 * finds it, while every step alone is a one-digit lookup. It is the lab's test of whether steps
 * (distilled or gold) teach what answers alone cannot.
 *
 * The solution writes one `a+k=v` / `a*k=v` line per operation, each starting from the last digit of
 * the line before, then `#### ANSWER`. Composition has one order, so there is one solution.
 */
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

export const chain: ItemMaker = (rng: Rng, difficulty) => {
  const start = rng.int(0, 9);
  const ops = Array.from({ length: difficulty + 1 }, () =>
    rng.chance(0.5) ? { op: "+", k: rng.int(1, 9) } : { op: "*", k: rng.int(2, 9) },
  );
  const lines: string[] = [];
  let value = start;
  for (const { op, k } of ops) {
    const raw = op === "+" ? value + k : value * k;
    lines.push(`${value}${op}${k}=${raw}`);
    value = raw % 10;
  }
  return {
    question: `Start ${start}, apply ${ops.map(({ op, k }) => `${op}${k}`).join(" ")} mod 10.`,
    answer: String(value),
    category: `${ops.length} operations`,
    solutions: [[...lines, `#### ${value}`].join("\n")],
  };
};
