import { Command } from "commander";
import { DeliberateError } from "../../errors.ts";
import { loadConfig } from "../../models/config.ts";
import { describeDefaultThreads } from "../../models/llama/default-threads.ts";
import { parseModelSpec } from "../../models/model-spec.ts";
import { ModelRegistry } from "../../models/registry.ts";
import type { ModelBackend } from "../../models/types.ts";
import { startServer } from "../../server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../../server/strategy-runner.ts";
import { contextSizeOption, MODEL_SPEC_HELP } from "../model-flags.ts";
import { collect, integer } from "../parse-number.ts";

interface ServeFlags {
  model?: string[];
  config?: string;
  host?: string;
  port?: number;
  threads?: number;
  contextSize?: number;
  concurrency: number;
  maxQueue: number;
  rateLimit?: number;
  /** `true` when given without a number: one proxy. */
  trustProxy?: number | true;
  maxCompletions?: number;
  maxRequestTokens?: number;
  maxKeyCompletions?: number;
  maxKeyTokens?: number;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("Serve models and strategies behind an OpenAI-compatible API with a live trace viewer.")
    .option(
      "-m, --model <spec>",
      `a model to serve (repeatable; default: every configured model): ${MODEL_SPEC_HELP}`,
      collect,
    )
    .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
    .option("--host <host>", "address to bind (default 127.0.0.1; others need API keys)")
    .option("--port <port>", "port (default 8080)", integer(0))
    .option("--threads <n>", `llama.cpp threads (${describeDefaultThreads()})`, integer(1))
    .addOption(contextSizeOption())
    .option("--concurrency <n>", "requests served at once", integer(1), 32)
    .option("--max-queue <n>", "requests waiting before 429", integer(0), 256)
    .option(
      "--rate-limit <n>",
      "requests per minute per API key (per client address without keys)",
      integer(1),
    )
    .option(
      "--trust-proxy [hops]",
      "behind this many reverse proxies (default 1): tell keyless clients apart by X-Forwarded-For; without it the header is ignored",
      integer(1),
    )
    .option(
      "--max-completions <n>",
      "most completions one request may sample: n × strategy samples × its further calls (default 256)",
      integer(1),
    )
    .option(
      "--max-request-tokens <n>",
      "most completion tokens one request may ask for, over all its completions (default 262144)",
      integer(1),
    )
    .option(
      "--max-key-completions <n>",
      "most completions in flight per API key or client (default 1024)",
      integer(1),
    )
    .option(
      "--max-key-tokens <n>",
      "most completion tokens in flight per API key or client (default 1048576)",
      integer(1),
    )
    .action(async (flags: ServeFlags) => {
      const config = loadConfig(flags.config);
      const registry = new ModelRegistry({ config, threads: flags.threads, contextSize: flags.contextSize });
      const specs = flags.model ?? registry.configured();
      if (specs.length === 0) {
        throw new DeliberateError(
          "BAD_REQUEST",
          "nothing to serve: pass --model SPEC or configure models in deliberate.config.yaml",
        );
      }
      const models = new Map<string, ModelBackend>();
      for (const spec of specs) models.set(parseModelSpec(spec, config).name, await registry.get(spec));
      const apiKeys = [
        ...(config.server?.apiKeys ?? []),
        ...(process.env.DELIBERATE_API_KEYS?.split(",")
          .map((k) => k.trim())
          .filter(Boolean) ?? []),
      ];
      const server = await startServer({
        models,
        strategies: strategyNames,
        runStrategy: runRegisteredStrategy,
        apiKeys,
        host: flags.host ?? config.server?.host,
        port: flags.port ?? config.server?.port,
        concurrency: flags.concurrency,
        maxWaiting: flags.maxQueue,
        rateLimitPerMinute: flags.rateLimit,
        trustProxy: flags.trustProxy === true ? 1 : flags.trustProxy,
        limits: {
          maxCompletionsPerRequest: flags.maxCompletions,
          maxTokensPerRequest: flags.maxRequestTokens,
          maxCompletionsPerKey: flags.maxKeyCompletions,
          maxTokensPerKey: flags.maxKeyTokens,
        },
      });
      process.stderr.write(
        `deliberate serving ${[...models.keys()].join(", ")} at ${server.url}/v1 (viewer: ${server.url}/)\n`,
      );
      const shutdown = async () => {
        process.stderr.write(`draining ${server.state.queue.active} in-flight request(s)…\n`);
        await server.close();
        await registry.close();
        process.exit(0);
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
    });
}
