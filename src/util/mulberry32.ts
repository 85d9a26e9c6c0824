/**
 * mulberry32 (Tommy Ettinger's 32-bit PRNG): the one seeded generator in deliberate. Tiny, fast and
 * the same on every machine, which is what seeded stopping rules, synthetic tasks, random-weight
 * models and lab training need. Not for cryptography. Users keep their own seed mixing (the state
 * a seed starts from), so existing seeds keep producing the same streams.
 */
export class Mulberry32 {
  /** The 32-bit state; stored in checkpoints to resume a stream exactly. */
  state: number;

  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A `() => number` stream in [0, 1) from a seed, for code that only needs uniforms. */
export function mulberry32(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.next();
}
