/**
 * `deliberate merge RUN_DIR…`: the shard run folders of one plan (`deliberate eval --shard i/N`)
 * into one run folder with the whole grid's results.json. A thin shell over `mergeRuns`.
 */
import { Command } from "commander";
import { mergeRuns } from "../../queue/merge-runs.ts";
import { cellLine } from "./eval.ts";

interface MergeFlags {
  out?: string;
  store?: string;
  json?: boolean;
}

export function mergeCommand(): Command {
  return new Command("merge")
    .description(
      "Merge the run folders of `deliberate eval --shard i/N` (every shard of one plan, once) into one run.",
    )
    .argument("<runs...>", "the shard run folders, in any order")
    .option("-o, --out <dir>", "merged run folder (default runs/merged-HASH of the plan)")
    .option("--store <spec>", "merged store: a SQLite file or postgres:// URL (default OUT/store.sqlite)")
    .option("--json", "print the merged results.json instead of the table")
    .action(async (runs: string[], flags: MergeFlags) => {
      const merged = await mergeRuns({ runs, outDir: flags.out, store: flags.store });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(merged.results, null, 2)}\n`);
        return;
      }
      for (const cell of merged.results.cells) process.stdout.write(`${cellLine(cell)}\n`);
      const records = merged.shards.reduce((sum, s) => sum + s.records, 0);
      process.stdout.write(
        `${merged.shards.length} shards merged: ${records} records, ${merged.completions} samples copied → ${merged.resultsPath}\n`,
      );
    });
}
