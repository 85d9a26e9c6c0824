/** `deliberate rewards serve`: the reward service for RL trainers on a local port. */
import { Command } from "commander";
import { createRewardScorer } from "../../rewards/create-reward-scorer.ts";
import { DEFAULT_REWARDS_PORT, drainOnSignals, serveRewards } from "../../rewards/serve-rewards.ts";
import { collect, integer, number } from "../parse-number.ts";

interface RewardsServeFlags {
  host?: string;
  port: number;
  apiKey?: string[];
  timeoutMs?: number;
  fallback?: number;
  formatWeight?: number;
  lengthWeight?: number;
  workers?: number;
  maxQueue?: number;
  maxBodyBytes?: number;
  maxRunTimeoutMs?: number;
}

/** Keys from `--api-key`, `DELIBERATE_API_KEY` (one key) and `DELIBERATE_API_KEYS` (comma-separated). */
function apiKeys(flags: string[] = []): string[] {
  const env = [process.env.DELIBERATE_API_KEY ?? "", ...(process.env.DELIBERATE_API_KEYS ?? "").split(",")];
  return [...flags, ...env].map((key) => key.trim()).filter(Boolean);
}

export function rewardsServeCommand(): Command {
  return new Command("serve")
    .description(
      "Serve verified rewards over HTTP: OpenRLHF (/openrlhf), verl (/verl/compute_score), TRL and others (/v1/rewards), SandboxFusion (/run_code).",
    )
    .option("--host <host>", "address to bind (default 127.0.0.1; any other needs an API key)")
    .option("--port <port>", `port (0 picks a free one)`, integer(0), DEFAULT_REWARDS_PORT)
    .option("--api-key <key>", "accepted Bearer key (repeatable; also DELIBERATE_API_KEY)", collect)
    .option("--timeout-ms <ms>", "hard time limit per item (default 5000)", integer(1))
    .option(
      "--fallback <reward>",
      "reward for an item that could not be checked: bad gold, grader timeout or error (default 0)",
      number(Number.NEGATIVE_INFINITY),
    )
    .option("--format-weight <w>", "weight of the <think>/answer format term (default 0: off)", number(0))
    .option("--length-weight <w>", "weight of the soft length penalty (default 0: off)", number(0))
    .option("--workers <n>", "grading worker threads (default one per core, at most 8)", integer(1))
    .option("--max-queue <n>", "items in flight over all requests before 429 (default 4096)", integer(1))
    .option("--max-body-bytes <n>", "largest request body (default 33554432, 32 MiB)", integer(1))
    .option("--max-run-timeout-ms <ms>", "longest run_timeout /run_code accepts (default 60000)", integer(1))
    .action(async (flags: RewardsServeFlags) => {
      const scorer = createRewardScorer({
        timeoutMs: flags.timeoutMs,
        fallback: flags.fallback,
        workers: flags.workers,
        shaping: { formatWeight: flags.formatWeight, lengthWeight: flags.lengthWeight },
      });
      const log = (line: string) => process.stderr.write(`${line}\n`);
      let service: Awaited<ReturnType<typeof serveRewards>>;
      try {
        service = await serveRewards({
          scorer,
          host: flags.host,
          port: flags.port,
          apiKeys: apiKeys(flags.apiKey),
          maxQueue: flags.maxQueue,
          maxBodyBytes: flags.maxBodyBytes,
          maxRunTimeoutMs: flags.maxRunTimeoutMs,
        });
      } catch (error) {
        await scorer.close();
        throw error;
      }
      log(
        `deliberate rewards serving at ${service.url} (POST /openrlhf, /verl/compute_score, /v1/rewards, /run_code; GET /health, /metrics)`,
      );
      drainOnSignals(
        service,
        async () => {
          await service.close();
          await scorer.close();
        },
        log,
      );
    });
}
