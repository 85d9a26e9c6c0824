/** `deliberate report RUN [RUN…]`: one self-contained HTML report, plus Markdown and JSON beside it. */
import { Command } from "commander";
import { writeReport } from "../../eval/report.ts";
import { integer } from "../parse-number.ts";

interface ReportFlags {
  out?: string;
  title?: string;
  maxItems?: number;
}

export function reportCommand(): Command {
  return new Command("report")
    .description("Write an HTML report (and .md, .json) for one or more eval run folders.")
    .argument("<runs...>", "run folders written by `deliberate eval`")
    .option("-o, --out <file>", "HTML file (default RUN/report.html for one run, ./report.html for several)")
    .option("--title <text>", "page title")
    .option("--max-items <n>", "problems per cell in the drill-down", integer(1), 200)
    .action(async (runs: string[], flags: ReportFlags) => {
      const written = await writeReport({
        runs,
        out: flags.out,
        title: flags.title,
        maxItems: flags.maxItems,
      });
      process.stdout.write(`${written.html}\n${written.markdown}\n${written.json}\n`);
    });
}
