/**
 * `deliberate rewards serve | score | audit`: the reward service for RL trainers, the same scoring
 * offline over JSONL files, and the gold-answer audit to run before an RL run. Each subcommand is a
 * thin shell in its own file.
 */
import { Command } from "commander";
import { rewardsAuditCommand } from "./rewards-audit.ts";
import { rewardsScoreCommand } from "./rewards-score.ts";
import { rewardsServeCommand } from "./rewards-serve.ts";

export function rewardsCommand(): Command {
  return new Command("rewards")
    .description(
      "Verified rewards for RL trainers (TRL, verl, OpenRLHF): serve, score files, audit gold answers.",
    )
    .enablePositionalOptions()
    .addCommand(rewardsServeCommand())
    .addCommand(rewardsScoreCommand())
    .addCommand(rewardsAuditCommand());
}
