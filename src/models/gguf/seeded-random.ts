/**
 * The shared mulberry32 stream (`src/util/mulberry32.ts`) with a Gaussian sampler, so random-weight
 * models are the same bytes for the same seed on every machine. Not for cryptography.
 */
import { Mulberry32 } from "../../util/mulberry32.ts";

export class SeededRandom extends Mulberry32 {
  private spare: number | undefined;

  constructor(seed: number) {
    // Mix the seed once so nearby seeds (0, 1, 2) start far apart. Builtin models' bytes depend on
    // this exact start state.
    super(Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b));
  }

  /** A standard normal sample (Box–Muller, using both outputs). */
  gaussian(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    const u = 1 - this.next(); // in (0, 1], so log(u) is finite
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** `count` normal samples with standard deviation `std`. */
  gaussians(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.gaussian() * std;
    return out;
  }
}
