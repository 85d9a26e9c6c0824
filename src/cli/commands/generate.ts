import { Command } from "commander";
import { loadConfig } from "../../models/config.ts";
import { describeDefaultThreads } from "../../models/llama/default-threads.ts";
import { ModelRegistry } from "../../models/registry.ts";
import type { GenerateRequest } from "../../models/types.ts";
import { contextSizeOption, MODEL_SPEC_HELP } from "../model-flags.ts";
import { collect, integer, number } from "../parse-number.ts";

interface GenerateFlags {
  model: string;
  config?: string;
  n: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  maxTokens: number;
  stop?: string[];
  logprobs?: number;
  system?: string;
  raw?: boolean;
  threads?: number;
  contextSize?: number;
  json?: boolean;
}

export function generateCommand(): Command {
  return new Command("generate")
    .description("Sample completions for a prompt from any model spec.")
    .argument("<prompt>", "the user message (or the raw prompt with --raw)")
    .requiredOption("-m, --model <spec>", MODEL_SPEC_HELP)
    .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
    .option("-n, --n <n>", "completions to sample", integer(1), 1)
    .option("-t, --temperature <t>", "sampling temperature (0 = greedy)", number(0, 2))
    .option("--top-p <p>", "nucleus sampling mass", number(Number.MIN_VALUE, 1))
    .option("--top-k <k>", "keep the k most likely tokens", integer(1))
    .option("--min-p <p>", "drop tokens below p times the top token's probability", number(0, 0.999))
    .option("--seed <seed>", "sampling seed (sample i uses seed + i)", integer(0))
    .option("--max-tokens <n>", "most tokens per completion", integer(1), 64)
    .option("--stop <text>", "stop string (repeatable)", collect)
    .option("--logprobs <k>", "per-token logprobs with k alternatives", integer(0))
    .option("--system <text>", "a system message before the prompt")
    .option("--raw", "send the prompt as is, without the chat template")
    .option("--threads <n>", `llama.cpp threads (${describeDefaultThreads()})`, integer(1))
    .addOption(contextSizeOption())
    .option("--json", "print completions with token counts, finish reasons, logprobs and timings")
    .action(async (prompt: string, flags: GenerateFlags) => {
      const registry = new ModelRegistry({
        config: loadConfig(flags.config),
        threads: flags.threads,
        contextSize: flags.contextSize,
      });
      try {
        const backend = await registry.get(flags.model);
        const request: GenerateRequest = {
          ...(flags.raw
            ? { prompt }
            : {
                messages: [
                  ...(flags.system ? [{ role: "system" as const, content: flags.system }] : []),
                  { role: "user" as const, content: prompt },
                ],
              }),
          n: flags.n,
          temperature: flags.temperature,
          topP: flags.topP,
          topK: flags.topK,
          minP: flags.minP,
          seed: flags.seed,
          maxTokens: flags.maxTokens,
          stop: flags.stop,
          logprobs: flags.logprobs,
        };
        const completions = await backend.generate(request);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ backend: backend.id, completions }, null, 2)}\n`);
          return;
        }
        for (const completion of completions) {
          if (completions.length > 1)
            process.stdout.write(`--- ${completion.index} (${completion.finishReason})\n`);
          process.stdout.write(`${completion.text}\n`);
          for (const warning of completion.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
        }
      } finally {
        await registry.close();
      }
    });
}
