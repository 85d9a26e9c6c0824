/**
 * Static shards of an eval grid: `--shard i/N` runs only the items whose stable hash lands in
 * shard `i` of `N`, with no broker and no coordination between the shards. `deliberate merge`
 * puts the N run folders back together (merge-runs.ts).
 *
 * An item's shard depends only on its dataset's name and its id, so every cell (model ×
 * strategy) and every seed of one item runs in the same shard: the samples the caching backend
 * stores for one strategy are found by the others, exactly as in an unsharded run.
 */
import { DeliberateError } from "../errors.ts";
import { fnv1a, mix32 } from "../util/fnv1a.ts";

export interface Shard {
  /** This shard's number, 0-based: 0 <= index < count. */
  index: number;
  /** How many shards the grid is split into, >= 1. */
  count: number;
}

/**
 * Enough shards for any cluster or CI matrix; a bound so a typo (`--shard 1/1000000000`) is an
 * error rather than a billion nearly empty shards.
 */
export const maxShards = 100_000;

/**
 * What is wrong with a shard's text, or undefined when it is a valid `INDEX/COUNT`. Shared by
 * `parseShard` and the eval plan's schema, so the flag and the YAML key say the same thing.
 */
export function shardProblem(text: string): string | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return `\`${text}\` is not INDEX/COUNT with whole numbers, e.g. \`0/4\` (shards count from 0)`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) return `\`${text}\`: the shard count must be at least 1`;
  if (count > maxShards) return `\`${text}\`: at most ${maxShards} shards`;
  if (index >= count) {
    // Kubernetes' JOB_COMPLETION_INDEX and Slurm's `--array=0-(N-1)` count from 0; `N/N` is the
    // classic off-by-one of 1-based numbering.
    return `\`${text}\`: the shards of ${count} are numbered 0 to ${count - 1}`;
  }
  return undefined;
}

/** `2/8` → `{index: 2, count: 8}`; a BAD_REQUEST naming what is wrong otherwise. */
export function parseShard(text: string): Shard {
  const problem = shardProblem(text);
  if (problem) throw new DeliberateError("BAD_REQUEST", `shard ${problem}`, { param: "shard" });
  const [index, count] = text.split("/").map((part) => Number(part.trim()));
  return { index, count };
}

/** `2/8`: the text `parseShard` reads back. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The shard an item belongs to among `count`: FNV-1a of the dataset's name and the item's id,
 * mixed (FNV-1a's low bits follow the last characters, and ids like `item-17` differ only there)
 * and taken modulo `count`. Stable across machines, processes and Node versions: no insertion
 * order, no Math.random. The dataset's name (its base name, or `synthetic:NAME?params`) and not
 * the path it was loaded from, because that is how the store and results.json name it, and the
 * same file mounted at another path on another machine must land in the same shards.
 */
export function shardOf(datasetName: string, itemId: string, count: number): number {
  // The NUL keeps `ab` + `c` apart from `a` + `bc`.
  return mix32(fnv1a(`${datasetName}\u0000${itemId}`)) % count;
}

/** Whether the item is this shard's to run. */
export function inShard(shard: Shard, datasetName: string, itemId: string): boolean {
  return shardOf(datasetName, itemId, shard.count) === shard.index;
}

/** The dataset with only this shard's items, in their order (name and spec unchanged, so cell keys are too). */
export function shardDataset<D extends { name: string; items: ReadonlyArray<{ id: string }> }>(
  dataset: D,
  shard: Shard,
): D {
  return { ...dataset, items: dataset.items.filter((item) => inShard(shard, dataset.name, item.id)) };
}
