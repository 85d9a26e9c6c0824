/**
 * The lab's seeded random stream (the shared mulberry32, `src/util/mulberry32.ts`) with the draws
 * training needs, so initialisation, batching and sampling reproduce from a seed.
 */
import { Mulberry32 } from "../util/mulberry32.ts";

export class Random {
  private readonly generator: Mulberry32;

  /** Seed 0 (which would start mulberry32 from state 0) starts from the golden-ratio constant instead. */
  constructor(seed: number) {
    this.generator = new Mulberry32(seed >>> 0 || 0x9e3779b9);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.generator.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The generator's state, to store in checkpoints. */
  get seedState(): number {
    return this.generator.state;
  }

  set seedState(value: number) {
    this.generator.state = value >>> 0;
  }
}
