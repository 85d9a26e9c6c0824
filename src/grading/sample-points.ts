/**
 * Where expressions with variables are compared: random rational points, drawn from a cryptographic
 * source for every comparison, so no answer can be built to vanish at them ("x^2 + (x-a)(x-b)(x-c)(x-d)"
 * equals x^2 only at a, b, c, d). Schwartz–Zippel: a non-zero polynomial of degree d vanishes at a
 * random point of a set of size S with probability at most d/S; here S ≈ 2^17 per variable.
 *
 * Each point is n/p with p a prime in [67, 127] that does not divide n, so it is never an integer or a
 * "nice" fraction (floor(x) and ceil(x) − 1 differ only at integers, and must agree at every point),
 * and signs alternate by trial (ln x is undefined at negative points on both sides alike).
 */
import { createHmac, randomBytes, randomFillSync } from "node:crypto";
import type { Rational } from "./rational.ts";
import { rat } from "./rational.ts";

const PRIMES = [67n, 71n, 73n, 79n, 83n, 89n, 97n, 101n, 103n, 107n, 109n, 113n, 127n];
/** Numerators are drawn below this: values up to ~60 keep exact powers small and floats accurate. */
const NUMERATOR_RANGE = 4096;

/** A source of uniform 32-bit integers. */
export type RandomSource = () => number;

/** Fresh cryptographic randomness, buffered, drawn only once asked for (most comparisons have no variables). */
export function cryptoSource(): RandomSource {
  let buffer: Uint32Array | null = null;
  let used = BUFFERED_WORDS;
  return () => {
    buffer ??= new Uint32Array(BUFFERED_WORDS);
    if (used === BUFFERED_WORDS) {
      randomFillSync(buffer);
      used = 0;
    }
    return buffer[used++];
  };
}

/** Random words fetched at a time: two per variable per point. */
const BUFFERED_WORDS = 64;

/** One point: a value for each symbol. Odd trials are negative. */
export function randomPoint(
  symbols: readonly string[],
  trial: number,
  random: RandomSource,
): Map<string, Rational> {
  const env = new Map<string, Rational>();
  for (const name of symbols) {
    const p = PRIMES[random() % PRIMES.length];
    let n = BigInt(1 + (random() % NUMERATOR_RANGE));
    if (n % p === 0n) n += 1n;
    env.set(name, rat(trial % 2 === 1 ? -n : n, p));
  }
  return env;
}

/** `count` points for `symbols`, fresh for this comparison. */
export function randomPoints(
  symbols: readonly string[],
  count: number,
  random: RandomSource = cryptoSource(),
): Array<Map<string, Rational>> {
  return Array.from({ length: count }, (_, trial) => randomPoint(symbols, trial, random));
}

/** This process's secret: key points are fixed for its life and unknown outside it. */
const PROCESS_SECRET = randomBytes(32);

/** The words of an HMAC of `name` and `trial` under the process secret, one per call. */
function keySource(name: string, trial: number): RandomSource {
  const digest = createHmac("sha256", PROCESS_SECRET).update(`${trial}:${name}`).digest();
  let at = 0;
  return () => {
    const word = digest.readUInt32LE(at);
    at = (at + 4) % digest.length;
    return word;
  };
}

/**
 * Point `trial` for answer keys: the same for a given symbol in every call of this process (so equal
 * answers share a key), drawn from a per-process secret (so no answer can be built to collide with
 * another's key). Keys of expressions with variables are therefore stable within a process only.
 */
export function keyPoint(symbols: readonly string[], trial: number): Map<string, Rational> {
  const env = new Map<string, Rational>();
  for (const name of symbols) {
    const [value] = randomPoint(["_"], trial, keySource(name, trial)).values();
    env.set(name, value);
  }
  return env;
}
