/**
 * GRPO's curriculum by measured pass rate. A group of G samples teaches only when its rewards differ,
 * which happens with probability 1 − p^G − (1 − p)^G at pass rate p: never on levels the model always
 * or never solves, most often near p = 1/2. Levels are drawn in proportion to that probability, from
 * a running estimate of each level's pass rate, so the compute goes where the signal is.
 */
import type { Random } from "../random.ts";

// Every level keeps a little weight, so a level written off early is measured again.
const FLOOR = 0.02;

export class PassRateCurriculum {
  private readonly rates = new Map<number, number>();

  constructor(
    levels: number[],
    private readonly groupSize: number,
    /** Weight of the newest group in the running pass rate. */
    private readonly smoothing = 0.1,
  ) {
    for (const level of levels) this.rates.set(level, 0.5);
  }

  /** Probability that a group at this level has differing rewards (plus the floor). */
  weight(level: number): number {
    const p = this.rates.get(level) ?? 0.5;
    return 1 - p ** this.groupSize - (1 - p) ** this.groupSize + FLOOR;
  }

  pick(random: Random): number {
    const levels = [...this.rates.keys()];
    const weights = levels.map((level) => this.weight(level));
    let u = random.next() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < levels.length; i++) {
      u -= weights[i];
      if (u < 0) return levels[i];
    }
    return levels[levels.length - 1];
  }

  update(level: number, passRate: number): void {
    const old = this.rates.get(level) ?? 0.5;
    this.rates.set(level, old + this.smoothing * (passRate - old));
  }

  /** Running pass rate per level, for the log. */
  passRates(): Record<string, number> {
    return Object.fromEntries(
      [...this.rates].map(([level, p]) => [String(level), Math.round(p * 1000) / 1000]),
    );
  }
}
