/**
 * The `deliberate` command line. Each command lives in `commands/` as a thin shell over the library.
 */
import { Command, CommanderError } from "commander";
import { DeliberateError, toDeliberateError } from "../errors.ts";
import { devCommand } from "./commands/dev.ts";
import { evalCommand } from "./commands/eval.ts";
import { generateCommand } from "./commands/generate.ts";
import { gradeCommand } from "./commands/grade.ts";
import { modelsCommand } from "./commands/models.ts";
import { reportCommand } from "./commands/report.ts";
import { serveCommand } from "./commands/serve.ts";
import { solveCommand } from "./commands/solve.ts";
import { strategiesCommand } from "./commands/strategies.ts";
import { trainCommand } from "./commands/train.ts";
import { exitCodes } from "./exit-codes.ts";

const program = new Command("deliberate")
  .description("Make small language models reason like large ones.")
  .version("0.1.0")
  .showHelpAfterError()
  // Each command owns the options after its name (`models inspect F --json` is inspect's --json).
  .enablePositionalOptions()
  .exitOverride();

// Commands: one line each, one file each.
const commands: Array<() => Command> = [
  generateCommand,
  gradeCommand,
  serveCommand,
  trainCommand,
  solveCommand,
  strategiesCommand,
  evalCommand,
  reportCommand,
  modelsCommand,
  devCommand,
];
for (const command of commands) program.addCommand(command());
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
