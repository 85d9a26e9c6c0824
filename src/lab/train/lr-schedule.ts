/**
 * Linear warm-up then cosine decay to a floor, as in nanoGPT. Steps count from 0.
 */
export interface LrScheduleOptions {
  /** Peak learning rate. */
  maxLr: number;
  /** Learning rate after decay (and beyond `decaySteps`). */
  minLr: number;
  /** Steps of linear warm-up from ~0 to maxLr. */
  warmupSteps: number;
  /** Step at which the cosine reaches minLr. */
  decaySteps: number;
}

export function learningRate(
  step: number,
  { maxLr, minLr, warmupSteps, decaySteps }: LrScheduleOptions,
): number {
  if (step < warmupSteps) return (maxLr * (step + 1)) / warmupSteps;
  if (step >= decaySteps) return minLr;
  const progress = (step - warmupSteps) / Math.max(1, decaySteps - warmupSteps);
  return minLr + 0.5 * (maxLr - minLr) * (1 + Math.cos(Math.PI * progress));
}
