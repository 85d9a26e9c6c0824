/**
 * Whether run folders are the shards of one plan, before `merge` touches anything: the same plan
 * (by hash; on a mismatch the first differing setting is named), split the same way, each shard
 * exactly once, none missing.
 */
import { DeliberateError } from "../errors.ts";
import { formatShard } from "./shard.ts";
import { planIdentity, type ShardGrid } from "./shard-grid.ts";

/** A shard run folder and its grid.json. */
export interface ShardRun {
  /** The run folder, absolute. */
  dir: string;
  grid: ShardGrid;
}

const bad = (message: string) => new DeliberateError("BAD_REQUEST", message, { param: "runs" });

/** `shard 1/3 (runs/x)`. */
export function describeShardRun(run: ShardRun): string {
  return `shard ${formatShard(run.grid.shard)} (${run.dir})`;
}

/** Short JSON of a value for a message. */
function brief(value: unknown): string {
  const text = value === undefined ? "absent" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The first path at which two JSON values differ (`strategies.1.options.samples`), with both
 * values; undefined when they are equal. Object keys are compared in sorted order, so the answer
 * does not depend on field order.
 */
export function firstDifference(
  a: unknown,
  b: unknown,
  path: string[] = [],
): { path: string; a: unknown; b: unknown } | undefined {
  const here = () => ({ path: path.join(".") || "(the whole grid)", a, b });
  if (a === b) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return { path: [...path, String(i)].join("."), a: a[i], b: b[i] };
      const inner = firstDifference(a[i], b[i], [...path, String(i)]);
      if (inner) return inner;
    }
    return undefined;
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const inner = firstDifference(a[key], b[key], [...path, key]);
      if (inner) return inner;
    }
    return undefined;
  }
  return here();
}

/** Throws a BAD_REQUEST naming the folder and what is wrong unless `runs` are every shard of one plan once. */
export function checkShards(runs: readonly ShardRun[]): void {
  if (runs.length === 0) throw bad("no run folders to merge");
  const [first] = runs;
  for (const run of runs.slice(1)) {
    if (run.grid.planHash !== first.grid.planHash) {
      const diff = firstDifference(planIdentity(first.grid.grid), planIdentity(run.grid.grid));
      const what = diff
        ? `\`${diff.path}\` differs (${brief(diff.a)} vs ${brief(diff.b)})`
        : `their plan hashes differ (${first.grid.planHash.slice(0, 10)} vs ${run.grid.planHash.slice(0, 10)})`;
      throw bad(
        `${describeShardRun(run)} is not from the same plan as ${describeShardRun(first)}: ${what}; every shard must run the same plan, only --out, --store and --shard differ`,
      );
    }
    if (run.grid.shard.count !== first.grid.shard.count) {
      throw bad(
        `${describeShardRun(run)} and ${describeShardRun(first)} split the grid into different numbers of shards (${run.grid.shard.count} vs ${first.grid.shard.count})`,
      );
    }
  }
  const { count } = first.grid.shard;
  const byIndex = new Map<number, ShardRun>();
  for (const run of runs) {
    const { index } = run.grid.shard;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw bad(`${run.dir}: grid.json names shard ${formatShard(run.grid.shard)}, which does not exist`);
    }
    const seen = byIndex.get(index);
    if (seen) {
      throw bad(`shard ${formatShard(run.grid.shard)} is given twice: ${seen.dir} and ${run.dir}`);
    }
    byIndex.set(index, run);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((i) => formatShard({ index: i, count }));
    const more = missing.length > shown.length ? ` and ${missing.length - shown.length} more` : "";
    throw bad(
      `${missing.length === 1 ? "shard" : "shards"} ${shown.join(", ")}${more} of the plan ${missing.length === 1 ? "is" : "are"} missing (given: ${[
        ...byIndex.keys(),
      ]
        .sort((a, b) => a - b)
        .map((i) => formatShard({ index: i, count }))
        .join(", ")})`,
    );
  }
}
