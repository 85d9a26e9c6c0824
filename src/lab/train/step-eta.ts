/**
 * When a training loop will stop, from its measured step rate. A loop stops at its time budget or
 * its last step, whichever comes first; the budget is a clock, but the last step is only as near as
 * the steps per second the loop has actually been making — validation pauses, checkpoints and a
 * busy machine included. The rate is measured over a recent window of the loop's own clock
 * (`elapsedMs`), so it follows a loop that speeds up or slows down, and is not fooled by the time
 * a resumed run spent before this process started.
 */

/** What a training loop reports after each step. */
export interface StepProgress {
  /** Steps done, those of earlier (resumed) runs included. */
  step: number;
  /** The loop stops after this step at the latest. */
  maxSteps: number;
  /** Training time so far, earlier runs included, ms. */
  elapsedMs: number;
  /** The loop stops once `elapsedMs` reaches this, ms. */
  budgetMs: number;
}

export interface EtaEstimate {
  /**
   * Time until the loop stops, ms: the budget left, or the steps left at the measured rate when
   * they run out first (before a rate is measured, the budget left: an upper bound).
   */
  etaMs: number;
  /** Steps per second over the recent window; undefined before two reports. */
  stepsPerSecond?: number;
  /** What ends the run first at the measured rate: the time budget or the last step. */
  limit: "time" | "steps";
  /** Share of the run done, in [0, 1], by the limit that ends it. */
  fraction: number;
}

export interface StepEtaOptions {
  /** How far back the rate looks, in the loop's ms. Default 60 000. */
  windowMs?: number;
}

export class StepEta {
  private readonly windowMs: number;
  /** [elapsedMs, step] reports within the window, oldest first. */
  private samples: Array<[number, number]> = [];

  constructor({ windowMs = 60_000 }: StepEtaOptions = {}) {
    this.windowMs = windowMs;
  }

  /** Records a report and estimates the time left. */
  observe(progress: StepProgress): EtaEstimate {
    const { step, maxSteps, elapsedMs, budgetMs } = progress;
    this.samples.push([elapsedMs, step]);
    // Keep the newest report older than the window too, so the window always spans windowMs.
    while (this.samples.length > 2 && this.samples[1][0] <= elapsedMs - this.windowMs) this.samples.shift();
    const [t0, s0] = this.samples[0];
    const rate = elapsedMs > t0 && step > s0 ? ((step - s0) * 1000) / (elapsedMs - t0) : undefined;
    const timeLeft = Math.max(0, budgetMs - elapsedMs);
    const stepsLeft = Math.max(0, maxSteps - step);
    const stepsTime = rate === undefined ? undefined : (stepsLeft * 1000) / rate;
    const bySteps = stepsLeft === 0 || (stepsTime !== undefined && stepsTime < timeLeft);
    const fraction = bySteps
      ? step / Math.max(1, maxSteps)
      : budgetMs > 0
        ? Math.min(1, elapsedMs / budgetMs)
        : 1;
    return {
      etaMs: bySteps ? (stepsTime ?? 0) : timeLeft,
      ...(rate === undefined ? {} : { stepsPerSecond: rate }),
      limit: bySteps ? "steps" : "time",
      fraction,
    };
  }
}

/** `3725000` → `1h02m`, `192000` → `3m12s`, `45000` → `45s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}
