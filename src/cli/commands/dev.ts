/**
 * `deliberate dev …`: developer tools. `dev tiny-model` writes a random-weight llama GGUF that
 * llama.cpp runs, for tests, benchmarks and trying the CLI without downloading a model.
 */
import { Command, Option } from "commander";
import { writeTinyModel } from "../../models/gguf/tiny-model.ts";
import { integer } from "../parse-number.ts";

interface TinyModelFlags {
  out: string;
  layers?: number;
  embd?: number;
  heads?: number;
  kvHeads?: number;
  ff?: number;
  context?: number;
  vocab?: "chars";
  seed?: number;
  type?: "F32" | "F16" | "Q8_0";
  json?: boolean;
}

export function devCommand(): Command {
  return new Command("dev").description("Developer tools.").addCommand(tinyModelCommand());
}

function tinyModelCommand(): Command {
  return new Command("tiny-model")
    .description("Write a random-weight llama GGUF (char vocabulary, ChatML template) that llama.cpp runs.")
    .requiredOption("-o, --out <file>", "where to write the .gguf")
    .option("--layers <n>", "transformer blocks (default 2)", integer(1))
    .option("--embd <n>", "embedding width (default 64)", integer(4))
    .option("--heads <n>", "attention heads (default 4)", integer(1))
    .option("--kv-heads <n>", "key/value heads for grouped-query attention (default: heads)", integer(1))
    .option("--ff <n>", "feed-forward width (default 3 × embd)", integer(1))
    .option("--context <n>", "trained context length in tokens (default 2048)", integer(16))
    .addOption(new Option("--vocab <kind>", "vocabulary").choices(["chars"]).default("chars"))
    .option("--seed <n>", "weights seed (default 1)", integer(0))
    .addOption(
      new Option("--type <type>", "matrix storage type").choices(["F32", "F16", "Q8_0"]).default("F16"),
    )
    .option("--json", "print the result as JSON")
    .action(async (flags: TinyModelFlags) => {
      const result = await writeTinyModel(flags.out, {
        layers: flags.layers,
        embd: flags.embd,
        heads: flags.heads,
        kvHeads: flags.kvHeads,
        ff: flags.ff,
        contextLength: flags.context,
        vocab: flags.vocab,
        seed: flags.seed,
        tensorType: flags.type,
      });
      const summary = {
        path: flags.out,
        bytes: result.bytes,
        parameters: result.parameters,
        options: result.options,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const { layers, embd, heads, ff, tensorType } = result.options;
      process.stdout.write(
        `wrote ${flags.out}: ${result.parameters.toLocaleString("en-US")} parameters, ${result.bytes.toLocaleString("en-US")} bytes ` +
          `(${layers} layers, embd ${embd}, ${heads} heads, ff ${ff}, ${tensorType})\n`,
      );
    });
}
