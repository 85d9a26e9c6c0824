/**
 * `deliberate solve`: one question through one strategy. A thin shell over `solve()`: flags → options,
 * then the answer, confidence, calls, tokens and time (or the Solution and its trace as JSON).
 */
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { DeliberateError } from "../../errors.ts";
import { loadConfig } from "../../models/config.ts";
import { describeDefaultThreads } from "../../models/llama/default-threads.ts";
import { priceUsage } from "../../models/pricing.ts";
import { ModelRegistry } from "../../models/registry.ts";
import { readAnswer } from "../../run/answers.ts";
import { parseStrategyOptions, solve, strategyDefinition } from "../../strategies/index.ts";
import type { Backends, Budget, Problem, Solution, TaskKind } from "../../strategies/types.ts";
import { TraceRecorder } from "../../trace/recorder.ts";
import { contextSizeOption, MODEL_SPEC_HELP } from "../model-flags.ts";
import { collect, integer, number } from "../parse-number.ts";
import { type SolveProgressMode, showSolveProgress } from "../solve-progress.ts";

interface SolveFlags {
  model: string;
  large?: string;
  verifier?: string;
  strategy: string;
  samples?: number;
  option?: string[];
  kind?: TaskKind;
  choice?: string[];
  budgetTokens?: number;
  budgetCalls?: number;
  budgetSeconds?: number;
  seed: number;
  system?: string;
  config?: string;
  threads?: number;
  contextSize?: number;
  json?: boolean;
  trace?: string;
  progress: SolveProgressMode;
}

const KINDS = ["math", "choice", "code", "text"] as const;

/** `--option key=value`: the value is JSON when it parses as JSON (`4`, `true`, `{"rule":"beta"}`), else text. */
function parseOptionPair(pair: string): [string, unknown] {
  const at = pair.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got \`${pair}\``);
  const raw = pair.slice(at + 1);
  try {
    return [pair.slice(0, at), JSON.parse(raw)];
  } catch {
    return [pair.slice(0, at), raw];
  }
}

/**
 * The strategy options the flags spell, checked against the strategy's schema before any model loads
 * (a typo such as `-o sample=4` is an error naming `samples`).
 */
export function strategyOptionsFromFlags(flags: Pick<SolveFlags, "strategy" | "samples" | "option">) {
  const options: Record<string, unknown> = Object.fromEntries((flags.option ?? []).map(parseOptionPair));
  if (flags.samples !== undefined) {
    const schema = strategyDefinition(flags.strategy).options as { shape?: Record<string, unknown> };
    if (!schema.shape || !("samples" in schema.shape)) {
      throw new DeliberateError("BAD_REQUEST", `strategy \`${flags.strategy}\` takes no \`--samples\``, {
        param: "samples",
      });
    }
    options.samples = flags.samples;
  }
  parseStrategyOptions(flags.strategy, options);
  return options;
}

function formatSolution(solution: Solution): string {
  const usage = Object.entries(solution.usage);
  const calls = usage.reduce((sum, [, u]) => sum + u.calls, 0);
  const prompt = usage.reduce((sum, [, u]) => sum + u.promptTokens, 0);
  const completion = usage.reduce((sum, [, u]) => sum + u.completionTokens, 0);
  const perBackend = usage.map(([id, u]) => `${id}: ${u.calls}`).join(", ");
  const cost = usage.reduce((sum, [, u]) => sum + (u.cost ?? 0), 0);
  return [
    `answer: ${solution.answer ?? "(none)"}`,
    `confidence: ${solution.confidence.toFixed(3)}`,
    `calls: ${calls} (${perBackend})`,
    `tokens: ${prompt + completion} (prompt ${prompt}, completion ${completion})`,
    ...(cost > 0 ? [`cost: ${cost.toFixed(6)}`] : []),
    `time: ${(solution.wallMs / 1000).toFixed(2)} s`,
  ].join("\n");
}

export function solveCommand(): Command {
  return new Command("solve")
    .description("Answer a question with a reasoning strategy (voting, verifiers, search).")
    .argument("<question>", "the question (the user message)")
    .requiredOption("-m, --model <spec>", `policy model: ${MODEL_SPEC_HELP}`)
    .option("--large <spec>", "a larger model for escalation strategies")
    .option(
      "--verifier <spec>",
      "a model used as judge or reward model (default: the policy); pick the method with -o verifier=judge|reward|tests",
    )
    .option("-s, --strategy <name>", "strategy (see `deliberate strategies`)", "cot")
    .option("-n, --samples <n>", "samples for sampling strategies", integer(1))
    .option("-o, --option <key=value>", "a strategy option, value as JSON or text (repeatable)", collect)
    .option("--kind <kind>", `task kind: ${KINDS.join(", ")} (default math)`, (value: string) => {
      if (!(KINDS as readonly string[]).includes(value))
        throw new InvalidArgumentError(`expected one of ${KINDS.join(", ")}`);
      return value as TaskKind;
    })
    .option("--choice <text>", "a multiple-choice option, in order (repeatable)", collect)
    .option("--budget-tokens <n>", "most tokens (prompt + completion) over all calls", integer(1))
    .option("--budget-calls <n>", "most model calls", integer(1))
    .option("--budget-seconds <s>", "most wall-clock seconds", number(Number.MIN_VALUE))
    .option("--seed <seed>", "base seed for every sample", integer(0), 0)
    .option("--system <text>", "a system message before the question")
    .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
    .option("--threads <n>", `llama.cpp threads (${describeDefaultThreads()})`, integer(1))
    .addOption(contextSizeOption())
    .option("--json", "print the Solution and its trace as JSON")
    .option("--trace <file>", "write the trace as JSON to this file")
    .addOption(
      new Option(
        "--progress <mode>",
        "multi-sample strategies' progress on stderr (samples done, the leading answer): auto (on a terminal only), bar, lines or none",
      )
        .choices(["auto", "bar", "lines", "none"])
        .default("auto"),
    )
    .action(async (question: string, flags: SolveFlags) => {
      const options = strategyOptionsFromFlags(flags);
      const problem: Problem = {
        messages: [
          ...(flags.system ? [{ role: "system" as const, content: flags.system }] : []),
          { role: "user" as const, content: question },
        ],
        kind: flags.kind,
        choices: flags.choice,
      };
      const budget: Budget = {
        maxTokens: flags.budgetTokens,
        maxCalls: flags.budgetCalls,
        maxSeconds: flags.budgetSeconds,
      };
      const registry = new ModelRegistry({
        config: loadConfig(flags.config),
        threads: flags.threads,
        contextSize: flags.contextSize,
      });
      // Ctrl-C aborts the solve cleanly (every in-flight generation stops) instead of killing mid-write.
      const controller = new AbortController();
      const onInterrupt = () => controller.abort();
      process.once("SIGINT", onInterrupt);
      const trace = new TraceRecorder();
      const stopProgress = showSolveProgress(trace, flags.progress, {
        keyOf: (text) => readAnswer(problem, text).key,
      });
      try {
        const backends: Backends = {
          policy: await registry.get(flags.model),
          large: flags.large ? await registry.get(flags.large) : undefined,
          verifier: flags.verifier ? await registry.get(flags.verifier) : undefined,
        };
        const solution = await solve(problem, {
          strategy: flags.strategy,
          options,
          backends,
          budget,
          seed: flags.seed,
          signal: controller.signal,
          trace,
        });
        stopProgress();
        // Usage is keyed by backend id; the registry attached configured prices to its backends.
        priceUsage(solution.usage, (id) => registry.prices(id));
        if (flags.trace) writeFileSync(flags.trace, `${JSON.stringify(trace.trace, null, 2)}\n`);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ solution, trace: trace.trace }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${solution.text.trim()}\n\n${formatSolution(solution)}\n`);
      } catch (error) {
        if (flags.trace) writeFileSync(flags.trace, `${JSON.stringify(trace.trace, null, 2)}\n`);
        throw error;
      } finally {
        stopProgress();
        process.off("SIGINT", onInterrupt);
        await registry.close();
      }
    });
}
