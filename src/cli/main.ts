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
  .exitOverride();

// Commands: one line each, one file each.
const commands: Array<() => Command> = [];
for (const command of commands) program.addCommand(command());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const failure = toDeliberateError(error);
  process.stderr.write(`deliberate: ${failure.message}\n`);
  if (process.env.DELIBERATE_LOG === "debug" && failure.cause) console.error(failure.cause);
  process.exit(DeliberateError.isInstance(failure) ? exitCodes[failure.code] : 1);
}
