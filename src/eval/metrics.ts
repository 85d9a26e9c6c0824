/**
 * Eval metrics: accuracy with bootstrap confidence intervals, pass@k (the unbiased estimator of
 * Chen et al. 2021), maj@k and weighted@k (majority / weighted voting over k of the N samples),
 * curves over k = 1, 2, 4, ..., N by subsampling the largest-N generations (search-and-learn),
 * and usage: tokens, calls, wall time, cost.
 */
import { createRng, mixSeed } from "../tasks/rng.ts";
import type { EvalRecord, ModelRole, RoleUsage, RoleUsageMap, SampleRecord } from "./types.ts";

/** Mean of booleans (or 0/1 numbers); 0 for an empty list. */
export function accuracy(values: ReadonlyArray<boolean | number>): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += Number(v);
  return sum / values.length;
}

/**
 * pass@k = 1 - C(n-c, k) / C(n, k): the chance that at least one of k samples drawn without
 * replacement from n (c of them correct) is correct. Computed as a running product so large n
 * does not overflow (Chen et al. 2021, fig. 3).
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k < 1 || k > n) throw new RangeError(`pass@k needs 1 <= k <= n (k=${k}, n=${n})`);
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

/**
 * The vote over one subset: the key with the most votes (or the largest weight sum) wins; ties go
 * to the key seen first in sample order; samples without a key do not vote. Returns whether the
 * winner is correct (false when nobody voted).
 */
export function voteCorrect(
  samples: readonly SampleRecord[],
  indices: readonly number[],
  weighted: boolean,
): boolean {
  const totals = new Map<string, { score: number; first: number; correct: boolean }>();
  for (const i of indices) {
    const sample = samples[i];
    if (sample.key === null) continue;
    const entry = totals.get(sample.key);
    const add = weighted ? sample.weight : 1;
    if (entry) entry.score += add;
    else totals.set(sample.key, { score: add, first: i, correct: sample.correct });
  }
  let best: { score: number; first: number; correct: boolean } | undefined;
  for (const entry of totals.values()) {
    if (
      !best ||
      entry.score > best.score + 1e-12 ||
      (Math.abs(entry.score - best.score) <= 1e-12 && entry.first < best.first)
    ) {
      best = entry;
    }
  }
  return best?.correct ?? false;
}

export interface SubsetOptions {
  /** Enumerate every subset when there are at most this many; otherwise draw `draws` random ones. Default 256. */
  exactLimit?: number;
  /** Random subsets per k when not enumerating. Default 64. */
  draws?: number;
  /** Seed of the subsampling. Default 0. */
  seed?: number;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** Calls `visit` with every k-subset of 0..n-1 in lexicographic order. */
function eachSubset(n: number, k: number, visit: (indices: number[]) => void): void {
  const indices = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    visit(indices);
    let i = k - 1;
    while (i >= 0 && indices[i] === n - k + i) i--;
    if (i < 0) return;
    indices[i]++;
    for (let j = i + 1; j < k; j++) indices[j] = indices[j - 1] + 1;
  }
}

/** Expected maj@k (or weighted@k) over k-subsets of the samples: exact when few subsets, else sampled. */
export function votingAtK(
  samples: readonly SampleRecord[],
  k: number,
  weighted: boolean,
  { exactLimit = 256, draws = 64, seed = 0 }: SubsetOptions = {},
): number {
  const n = samples.length;
  if (k < 1 || k > n) throw new RangeError(`voting@k needs 1 <= k <= n (k=${k}, n=${n})`);
  if (k === 1) {
    // One sample votes alone: the same sum, in the same order, as enumerating the n subsets.
    let correct = 0;
    for (const sample of samples) correct += Number(sample.key !== null && sample.correct);
    return correct / n;
  }
  if (binomial(n, k) <= exactLimit) {
    let correct = 0;
    let total = 0;
    eachSubset(n, k, (indices) => {
      correct += Number(voteCorrect(samples, indices, weighted));
      total++;
    });
    return correct / total;
  }
  const rng = createRng(mixSeed("subsample", seed, n, k));
  const all = Array.from({ length: n }, (_, i) => i);
  let correct = 0;
  for (let d = 0; d < draws; d++) {
    // A partial Fisher-Yates shuffle: the first k of a random permutation, then in sample order.
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      [all[i], all[j]] = [all[j], all[i]];
    }
    const subset = all.slice(0, k).sort((a, b) => a - b);
    correct += Number(voteCorrect(samples, subset, weighted));
  }
  return correct / draws;
}

export function majAtK(samples: readonly SampleRecord[], k: number, options?: SubsetOptions): number {
  return votingAtK(samples, k, false, options);
}

export function weightedAtK(samples: readonly SampleRecord[], k: number, options?: SubsetOptions): number {
  return votingAtK(samples, k, true, options);
}

/** k = 1, 2, 4, ... up to n, with n itself last when it is not a power of two. */
export function curveKs(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  if (n >= 1 && ks.at(-1) !== n) ks.push(n);
  return ks;
}

export interface CurvePoint {
  k: number;
  /** Mean over the sample sets (items × seeds) that have at least k samples. */
  maj: number;
  weighted: number;
  pass: number;
  /** How many sample sets contributed. */
  sets: number;
  /** Mean tokens spent by k samples: k times the mean tokens per sample. */
  tokens: number;
}

/** maj@k, weighted@k and pass@k curves, each sample set subsampled with its own seed stream. */
export function curves(
  sampleSets: ReadonlyArray<readonly SampleRecord[]>,
  options: SubsetOptions = {},
): CurvePoint[] {
  let largest = 0;
  let tokenSum = 0;
  let sampleCount = 0;
  for (const set of sampleSets) {
    largest = Math.max(largest, set.length);
    for (const sample of set) tokenSum += sample.tokens;
    sampleCount += set.length;
  }
  const perSampleTokens = sampleCount ? tokenSum / sampleCount : 0;
  return curveKs(largest).map((k) => {
    const eligible = sampleSets.filter((s) => s.length >= k);
    let maj = 0;
    let weighted = 0;
    let pass = 0;
    eligible.forEach((samples, index) => {
      // k = 1 draws no subsets (and most sets of a sweep have one sample): no seed to derive.
      const subset = k === 1 ? options : { ...options, seed: mixSeed(options.seed ?? 0, index) };
      maj += majAtK(samples, k, subset);
      weighted += weightedAtK(samples, k, subset);
      let right = 0;
      for (const s of samples) if (s.correct) right++;
      pass += passAtK(samples.length, right, k);
    });
    const sets = eligible.length;
    return {
      k,
      maj: sets ? maj / sets : 0,
      weighted: sets ? weighted / sets : 0,
      pass: sets ? pass / sets : 0,
      sets,
      tokens: k * perSampleTokens,
    };
  });
}

export interface BootstrapOptions {
  /**
   * Resamples. Default 1000, fewer for large inputs (at least 200, about 4M draws in all): with
   * thousands of items the interval is narrow and its ends move less than a rounding digit.
   */
  resamples?: number;
  /** Confidence level in (0, 1). Default 0.95. */
  level?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
}

/** Percentile bootstrap interval of the mean; [0, 0] for no data. */
export function bootstrapCI(
  values: readonly number[],
  { resamples: asked, level = 0.95, seed = 0 }: BootstrapOptions = {},
): [number, number] {
  const n = values.length;
  if (n === 0) return [0, 0];
  const tail = (1 - level) / 2;
  const distinct = [...new Set(values)];
  if (distinct.length === 1) return [distinct[0], distinct[0]];
  // Two values (right/wrong with one seed): the resampled mean is a + (b - a) * Binomial(n, p) / n
  // exactly, so read its quantiles off the binomial CDF: the bootstrap with infinitely many resamples.
  if (distinct.length === 2 && asked === undefined) {
    const [a, b] = distinct[0] < distinct[1] ? distinct : [distinct[1], distinct[0]];
    const hits = values.filter((v) => v === b).length;
    const [lo, hi] = binomialQuantiles(n, hits / n, [tail, 1 - tail]);
    return [a + ((b - a) * lo) / n, a + ((b - a) * hi) / n];
  }
  const resamples = asked ?? Math.max(200, Math.min(1000, Math.floor(4_000_000 / n)));
  // util/mulberry32's stream, inlined: this loop runs millions of times, and a call per draw doubles
  // it (4M draws, Node 20: 48 ms inline, 96 ms with Mulberry32.next(), 160 ms with the closure).
  let state = mixSeed("bootstrap", seed, n);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum += values[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)];
    }
    means[r] = sum / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return [at(tail), at(1 - tail)];
}

/** The smallest k with P(Binomial(n, p) <= k) >= q, for each q (ascending), summed in log space. */
function binomialQuantiles(n: number, p: number, qs: number[]): number[] {
  const out: number[] = [];
  const logRatio = Math.log(p / (1 - p));
  let logPmf = n * Math.log(1 - p);
  let cdf = 0;
  let next = 0;
  for (let k = 0; k <= n && next < qs.length; k++) {
    cdf += Math.exp(logPmf);
    while (next < qs.length && cdf >= qs[next] - 1e-12) {
      out.push(k);
      next++;
    }
    logPmf += Math.log((n - k) / (k + 1)) + logRatio;
  }
  while (out.length < qs.length) out.push(n);
  return out;
}

// Costs follow the one pricing rule of the model layer (prices attached to backends by the registry).
export { costOf, type Prices } from "../models/pricing.ts";

export interface SliceSummary {
  /** Graded attempts (items × seeds), errors excluded. */
  n: number;
  /** Distinct items. */
  items: number;
  accuracy: number;
  /** 95% bootstrap interval over items (each item's mean over seeds). */
  ci95: [number, number];
  errors: number;
}

export interface Summary extends SliceSummary {
  promptTokens: number;
  completionTokens: number;
  /** Mean tokens (prompt + completion) per attempt. */
  tokensPerItem: number;
  calls: number;
  wallMs: number;
  cost: number;
  /**
   * Usage per role summed over attempts: the large model's (and the verifier's) tokens and cost
   * apart from the policy's. Records written before roles existed count as the policy's.
   */
  usage: RoleUsageMap;
  /** Usage of endpoints outside the cell's models (`EvalRecord.external`), by id; only when some record has it. */
  external?: Record<string, RoleUsage>;
  /** Cascade cells: how many questions escalated to the large model. */
  cascade?: CascadeSummary;
  curves: CurvePoint[];
  byDifficulty: Record<string, SliceSummary>;
  byCategory: Record<string, SliceSummary>;
}

export interface CascadeSummary {
  /** Attempts with a cascade outcome (graded or not). */
  questions: number;
  escalated: number;
  /** escalated / questions. */
  escalationShare: number;
  /** Summed tokens saved against asking the large model alone, as the cascade estimated them. */
  savedTokens: number;
}

/** Adds one role's usage into a per-role map. */
export function addRoleUsage(into: RoleUsageMap, role: ModelRole, usage: RoleUsage): void {
  const entry = into[role] ?? { calls: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  entry.calls += usage.calls;
  entry.promptTokens += usage.promptTokens;
  entry.completionTokens += usage.completionTokens;
  entry.cost += usage.cost;
  into[role] = entry;
}

/** Per-role usage summed over records. */
export function usageSum(records: readonly EvalRecord[]): RoleUsageMap {
  const out: RoleUsageMap = {};
  for (const r of records) {
    if (!r.usage) {
      // Records written before roles existed: everything was the policy's.
      addRoleUsage(out, "policy", r);
      continue;
    }
    for (const [role, usage] of Object.entries(r.usage) as Array<[ModelRole, RoleUsage]>) {
      addRoleUsage(out, role, usage);
    }
  }
  return out;
}

/** Usage of endpoints outside the cells' models summed by id over records; undefined when no record has any. */
export function externalUsageSum(records: readonly EvalRecord[]): Record<string, RoleUsage> | undefined {
  let out: Record<string, RoleUsage> | undefined;
  for (const r of records) {
    for (const [id, usage] of Object.entries(r.external ?? {})) {
      out ??= {};
      const entry = out[id] ?? { calls: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
      entry.calls += usage.calls;
      entry.promptTokens += usage.promptTokens;
      entry.completionTokens += usage.completionTokens;
      entry.cost += usage.cost;
      out[id] = entry;
    }
  }
  return out;
}

/** Escalation share over the records that carry a cascade outcome; undefined when none does. */
export function cascadeSummary(records: readonly EvalRecord[]): CascadeSummary | undefined {
  let questions = 0;
  let escalated = 0;
  let savedTokens = 0;
  for (const r of records) {
    if (!r.cascade) continue;
    questions++;
    if (r.cascade.escalated) escalated++;
    savedTokens += r.cascade.savedTokens;
  }
  if (questions === 0) return undefined;
  return { questions, escalated, escalationShare: escalated / questions, savedTokens };
}

export interface SummarizeOptions extends SubsetOptions {
  bootstrap?: BootstrapOptions;
}

function slice(records: readonly EvalRecord[], bootstrap?: BootstrapOptions): SliceSummary {
  const perItem = new Map<string, number[]>();
  let graded = 0;
  let right = 0;
  for (const r of records) {
    if (r.status !== "ok") continue;
    graded++;
    if (r.correct) right++;
    const list = perItem.get(r.itemId);
    if (list) list.push(Number(r.correct));
    else perItem.set(r.itemId, [Number(r.correct)]);
  }
  const itemMeans = [...perItem.values()].map((list) => accuracy(list));
  return {
    n: graded,
    items: perItem.size,
    accuracy: graded ? right / graded : 0,
    ci95: bootstrapCI(itemMeans, bootstrap),
    errors: records.length - graded,
  };
}

/** A fixed order for records: by item id, then seed, then cell (plain code-unit comparison). */
function byItemAndSeed(a: EvalRecord, b: EvalRecord): number {
  if (a.itemId !== b.itemId) return a.itemId < b.itemId ? -1 : 1;
  if (a.seed !== b.seed) return a.seed - b.seed;
  return a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0;
}

/** Everything a results table shows for one set of records (one grid cell, or all of them). */
export function summarize(unordered: readonly EvalRecord[], options: SummarizeOptions = {}): Summary {
  // Records arrive in the order they finished, which depends on timing; the subsampled curves and
  // the bootstrap draw by position, so they are computed over one canonical order instead.
  const records = [...unordered].sort(byItemAndSeed);
  // One pass for the sums and the groups: a results file summarises every cell and the whole run,
  // and a pass per number over 10,000 records costs more than a scripted item's solve.
  let promptTokens = 0;
  let completionTokens = 0;
  let calls = 0;
  let wallMs = 0;
  let cost = 0;
  const sampleSets: SampleRecord[][] = [];
  const byDifficulty = new Map<string, EvalRecord[]>();
  const byCategory = new Map<string, EvalRecord[]>();
  for (const r of records) {
    promptTokens += r.promptTokens;
    completionTokens += r.completionTokens;
    calls += r.calls;
    wallMs += r.wallMs;
    cost += r.cost;
    if (r.status === "ok" && r.samples.length > 0) sampleSets.push(r.samples);
    if (r.difficulty !== undefined) push(byDifficulty, String(r.difficulty), r);
    if (r.category !== undefined) push(byCategory, r.category, r);
  }
  const sorted = (groups: Map<string, EvalRecord[]>) =>
    Object.fromEntries(
      [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([k, list]) => [k, slice(list, options.bootstrap)]),
    );
  const cascade = cascadeSummary(records);
  const external = externalUsageSum(records);
  return {
    ...slice(records, options.bootstrap),
    promptTokens,
    completionTokens,
    tokensPerItem: records.length ? (promptTokens + completionTokens) / records.length : 0,
    calls,
    wallMs,
    cost,
    usage: usageSum(records),
    ...(external ? { external } : {}),
    ...(cascade ? { cascade } : {}),
    curves: curves(sampleSets, options),
    byDifficulty: sorted(byDifficulty),
    byCategory: sorted(byCategory),
  };
}

function push(groups: Map<string, EvalRecord[]>, key: string, record: EvalRecord): void {
  const list = groups.get(key);
  if (list) list.push(record);
  else groups.set(key, [record]);
}
