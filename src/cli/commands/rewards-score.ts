/**
 * `deliberate rewards score --jsonl FILE|-`: the reward service's scoring offline over a JSONL file
 * (or stdin): one result line per input line, in order, a summary on stderr. A thin shell over
 * createRewardScorer and scoreJsonl.
 */
import { Command } from "commander";
import { createRewardScorer } from "../../rewards/create-reward-scorer.ts";
import { describeSummary, scoreJsonl } from "../../rewards/score-jsonl.ts";
import { openJsonlLines, writeLine } from "../open-jsonl.ts";
import { integer, number } from "../parse-number.ts";

interface ScoreFlags {
  jsonl: string;
  timeoutMs: number;
  fallback: number;
  formatWeight: number;
  lengthWeight: number;
  lengthTarget: number;
  lengthSpan: number;
  workers?: number;
}

export function rewardsScoreCommand(): Command {
  return new Command("score")
    .description(
      "Score a JSONL file of model outputs as the reward service does: lines {output|completion|solution_str, gold|ground_truth|label, kind?, choices?, tests?, id?}.",
    )
    .requiredOption("--jsonl <file>", "the lines to score, or - for stdin")
    .option("--timeout-ms <ms>", "hard time limit per item (grading or running the tests)", integer(1), 5000)
    .option("--fallback <reward>", "reward for an item that could not be checked", number(-1e9, 1e9), 0)
    .option("--format-weight <w>", "weight of the format term (<think> structure, an answer)", number(0), 0)
    .option("--length-weight <w>", "weight of the length penalty", number(0), 0)
    .option("--length-target <chars>", "outputs longer than this start to be penalised", integer(0), 4000)
    .option(
      "--length-span <chars>",
      "characters past the target where the penalty reaches -1",
      integer(1),
      4000,
    )
    .option("--workers <n>", "grading worker threads (default: one per core, at most 8)", integer(1))
    .action(async (flags: ScoreFlags) => {
      const lines = await openJsonlLines(flags.jsonl);
      const scorer = createRewardScorer({
        timeoutMs: flags.timeoutMs,
        fallback: flags.fallback,
        shaping: {
          formatWeight: flags.formatWeight,
          lengthWeight: flags.lengthWeight,
          lengthTarget: flags.lengthTarget,
          lengthSpan: flags.lengthSpan,
        },
        ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      });
      try {
        const summary = await scoreJsonl(lines, writeLine, { scorer });
        process.stderr.write(`deliberate: ${describeSummary(summary)}\n`);
      } finally {
        await scorer.close();
      }
    });
}
