/**
 * The `deliberate` command line. Each command lives in `commands/` as a thin shell over the library.
 */
import { Command, CommanderError } from "commander";
import { DeliberateError, toDeliberateError } from "../errors.ts";
import { exitCodes } from "./exit-codes.ts";

const program = new Command("deliberate")
  .description("Make small language models reason like large ones.")
  .version("0.1.0")
  .showHelpAfterError()
  // Each command owns the options after its name (`models inspect F --json` is inspect's --json).
  .enablePositionalOptions()
  .exitOverride();

// Commands: one line each, one file each. Loaded on demand: a command's dependencies (llama.cpp,
// the sandbox, SQLite) cost seconds of start-up that other commands should not pay.
const commands: Record<string, () => Promise<() => Command>> = {
  generate: async () => (await import("./commands/generate.ts")).generateCommand,
  solve: async () => (await import("./commands/solve.ts")).solveCommand,
  strategies: async () => (await import("./commands/strategies.ts")).strategiesCommand,
  grade: async () => (await import("./commands/grade.ts")).gradeCommand,
  eval: async () => (await import("./commands/eval.ts")).evalCommand,
  worker: async () => (await import("./commands/worker.ts")).workerCommand,
  distill: async () => (await import("./commands/distill.ts")).distillCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
  merge: async () => (await import("./commands/merge.ts")).mergeCommand,
  store: async () => (await import("./commands/store.ts")).storeCommand,
  serve: async () => (await import("./commands/serve.ts")).serveCommand,
  train: async () => (await import("./commands/train.ts")).trainCommand,
  models: async () => (await import("./commands/models.ts")).modelsCommand,
  demo: async () => (await import("./commands/demo.ts")).demoCommand,
  dev: async () => (await import("./commands/dev.ts")).devCommand,
  rewards: async () => (await import("./commands/rewards.ts")).rewardsCommand,
};
const requested = process.argv[2];
const needed =
  requested !== undefined && Object.hasOwn(commands, requested) ? [requested] : Object.keys(commands);
for (const name of needed) program.addCommand((await commands[name]!())());
// Subcommands get the program's error handling (exit codes come from our mapping below).
const inherit = (command: Command) => {
  command.exitOverride().showHelpAfterError();
  command.commands.forEach(inherit);
};
program.commands.forEach(inherit);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Usage mistakes (bad flags, missing arguments) exit 2 like BAD_REQUEST; --help and --version exit 0.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : exitCodes.BAD_REQUEST);
  const failure = toDeliberateError(error);
  process.stderr.write(`deliberate: ${failure.message}\n`);
  if (process.env.DELIBERATE_LOG === "debug" && failure.cause) console.error(failure.cause);
  process.exit(DeliberateError.isInstance(failure) ? exitCodes[failure.code] : 1);
}
