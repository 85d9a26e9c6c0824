/**
 * The dataset card, `README.md`: YAML front matter as on the Hugging Face Hub (configs pointing at
 * the files, task categories, a license placeholder), then what the run did (teachers, settings,
 * counts), its pass-rate and length histograms as markdown tables with unicode bars (no images, no
 * network), which file each trainer reads and the flags that read it (`export-card-usage.ts`).
 * Everything comes from the manifest and the rows written; nothing is measured here.
 */
import { stringify } from "yaml";
import { DeliberateError } from "../errors.ts";
import { type CardUsageOptions, cardUsage } from "./export-card-usage.ts";
import { type DatasetFile, datasetFiles } from "./export-layout.ts";
import type { DistilledProblem, DistilledTrace, DistillManifest, Histogram, SftRow } from "./types.ts";

export interface DatasetCardOptions extends CardUsageOptions {
  manifest: DistillManifest;
  problems: readonly DistilledProblem[];
  traces: readonly DistilledTrace[];
  sft: readonly SftRow[];
  /** Rows per file written; files not written are left out of the configs and the table. */
  rows: Partial<Record<DatasetFile, number>>;
}

/** Longest bar, in character cells. */
const BAR_CELLS = 30;
/** Partial cells in eighths: a bin's bar is its count over the largest count, to 1/8 of a cell. */
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `count / max` of `BAR_CELLS` cells; a non-zero count always shows at least ▏. */
export function bar(count: number, max: number): string {
  if (count <= 0 || max <= 0) return "";
  const eighths = Math.max(1, Math.round((count / max) * BAR_CELLS * 8));
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * A histogram as table rows `| [lo, hi) | count | share | bar |`. `edges` holds each bin's lower
 * edge (`counts.length` entries) or, numpy-style, every boundary (`counts.length + 1`); with lower
 * edges only, `top` closes the last bin. The last bin is closed: `[lo, hi]`.
 */
export function histogramTable(
  histogram: Histogram,
  options: { name: string; unit: string; top: number; format: (value: number) => string },
): string {
  const { edges, counts } = histogram;
  const { name, unit, top, format } = options;
  if (edges.length !== counts.length && edges.length !== counts.length + 1) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`manifest.${name}\`: ${edges.length} edges for ${counts.length} bins (one lower edge per bin, or one more for the top)`,
      { param: `manifest.${name}` },
    );
  }
  const bad = counts.findIndex((count) => !Number.isInteger(count) || count < 0);
  if (bad >= 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`manifest.${name}.counts.${bad}\` must be a non-negative integer, got ${counts[bad]}`,
      { param: `manifest.${name}.counts.${bad}` },
    );
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  const max = Math.max(0, ...counts);
  const lines = [`| ${unit} | count | share | |`, "|---|--:|--:|---|"];
  counts.forEach((count, i) => {
    const last = i === counts.length - 1;
    const lo = format(edges[i]);
    const hi = format(edges[i + 1] ?? top);
    const share = total === 0 ? "–" : `${((100 * count) / total).toFixed(1)}%`;
    lines.push(
      `| ${last ? `[${lo}, ${hi}]` : `[${lo}, ${hi})`} | ${count} | ${share} | ${bar(count, max)} |`,
    );
  });
  return lines.join("\n");
}

/** A settings value as a table cell: JSON, with the characters markdown tables break on escaped. */
function cell(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Inline code; a text holding a backtick gets double-backtick fences, as CommonMark allows. */
function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** The Hub's size buckets, by the largest file's rows. */
function sizeCategory(rows: number): string {
  if (rows < 1_000) return "n<1K";
  if (rows < 10_000) return "1K<n<10K";
  if (rows < 100_000) return "10K<n<100K";
  if (rows < 1_000_000) return "100K<n<1M";
  return "1M<n<10M";
}

function frontMatter(options: DatasetCardOptions): string {
  const written = (Object.keys(datasetFiles) as DatasetFile[]).filter(
    (file) => options.rows[file] !== undefined,
  );
  const configs = new Map<string, { split: string; path: string }[]>();
  for (const file of written) {
    const { config, split } = datasetFiles[file];
    configs.set(config, [...(configs.get(config) ?? []), { split, path: file }]);
  }
  const largest = Math.max(0, ...written.map((file) => options.rows[file] ?? 0));
  const yaml = stringify({
    // A placeholder: the source problems' and the teachers' terms decide the real one.
    license: "other",
    license_name: "to-be-set",
    pretty_name: `Distilled reasoning traces (${options.manifest.dataset.spec})`,
    task_categories: ["text-generation", "question-answering"],
    tags: ["reasoning", "distillation", "synthetic", "deliberate"],
    size_categories: [sizeCategory(largest)],
    configs: [...configs].map(([config, dataFiles]) => ({
      config_name: config,
      ...(config === "sft" ? { default: true } : {}),
      data_files: dataFiles,
    })),
  });
  return `---\n# license: a placeholder; set it to what the source problems and the teachers' outputs allow.\n${yaml}---`;
}

function countsTable(manifest: DistillManifest): string {
  const { counts, dataset } = manifest;
  const rows: Array<[string, number]> = [
    ["problems", dataset.problems],
    ["teacher traces graded", counts.traces],
    ["… that the grader accepted", counts.correct],
    ["exact duplicates removed", counts.exactDuplicates],
    ["near duplicates removed", counts.nearDuplicates],
    ["STaR rationales kept", counts.rationalized],
    ["traces kept (`sft.jsonl`)", counts.kept],
    ["DPO pairs (`dpo.jsonl`)", counts.dpoPairs],
    ["problems with no kept trace", counts.unsolved],
  ];
  return ["| | count |", "|---|--:|", ...rows.map(([name, n]) => `| ${name} | ${n} |`)].join("\n");
}

function teachersTable(teachers: readonly string[], traces: readonly DistilledTrace[]): string {
  const lines = ["| teacher | traces | accepted | accuracy |", "|---|--:|--:|--:|"];
  for (const teacher of teachers) {
    const own = traces.filter((trace) => trace.teacher === teacher && trace.source === "sample");
    const accepted = own.filter((trace) => trace.correct).length;
    const accuracy = own.length === 0 ? "–" : `${((100 * accepted) / own.length).toFixed(1)}%`;
    lines.push(`| ${code(cell(teacher))} | ${own.length} | ${accepted} | ${accuracy} |`);
  }
  return lines.join("\n");
}

function kindsTable(problems: readonly DistilledProblem[]): string {
  const kinds = [...new Set(problems.map((problem) => problem.kind))].sort();
  const lines = ["| kind | problems | solved by some sample | mean pass rate |", "|---|--:|--:|--:|"];
  for (const kind of kinds) {
    const own = problems.filter((problem) => problem.kind === kind);
    const solved = own.filter((problem) => problem.correct > 0).length;
    const mean = own.reduce((sum, problem) => sum + problem.passRate, 0) / own.length;
    lines.push(`| ${kind} | ${own.length} | ${solved} | ${mean.toFixed(3)} |`);
  }
  return lines.join("\n");
}

/** The whole card. */
export function renderDatasetCard(options: DatasetCardOptions): string {
  const { manifest, problems, traces, sft, rows } = options;
  const { lengths } = manifest;
  const thinking = sft.filter((row) => /<think>[\s\S]*?<\/think>/.test(row.solution ?? "")).length;
  const settings = Object.entries(manifest.settings);
  const files = (Object.keys(datasetFiles) as DatasetFile[]).filter((file) => rows[file] !== undefined);
  const sections = [
    frontMatter(options),
    `# Distilled reasoning traces: ${code(cell(manifest.dataset.spec))}`,
    `Written by \`deliberate distill\` on ${manifest.createdAt} (\`${manifest.schema}\`). Teachers answered each of the ${manifest.dataset.problems} problems; a grader checked every answer against the gold answer, and only the traces it accepted were kept, deduplicated, for fine-tuning. Incorrect rollouts pair with correct ones of the same problem for preference training, and every problem with its gold answer forms the RL prompt sets.`,
    "## Teachers",
    teachersTable(manifest.teachers, traces),
    "## Settings",
    settings.length === 0
      ? "(none recorded)"
      : [
          "| setting | value |",
          "|---|---|",
          ...settings.map(([key, value]) => `| ${code(cell(key))} | ${code(cell(value))} |`),
        ].join("\n"),
    "## Counts",
    countsTable(manifest),
    ...(problems.length === 0 ? [] : [kindsTable(problems)]),
    `${thinking} of the ${sft.length} kept traces are thinking-style: their \`<think>…</think>\` block stays in the assistant's content in every export.`,
    "## Pass rate per problem",
    "The share of a problem's teacher samples the grader accepted (STaR rationales not counted): 0 = no teacher solved it, 1 = every sample did.",
    histogramTable(manifest.passRates, {
      name: "passRates",
      unit: "pass rate",
      top: 1,
      format: (value) => String(Number(value.toFixed(3))),
    }),
    "## Length of the kept traces",
    `Completion tokens per kept trace: mean ${lengths.mean.toFixed(1)}, median ${lengths.median}, p90 ${lengths.p90}, max ${lengths.max}.`,
    histogramTable(lengths, {
      name: "lengths",
      unit: "tokens",
      top: lengths.max,
      format: (value) => String(Math.round(value)),
    }),
    "## Files",
    [
      "| file | rows | read by | row |",
      "|---|--:|---|---|",
      ...files.map(
        (file) =>
          `| \`${file}\` | ${rows[file]} | ${datasetFiles[file].readBy} | ${datasetFiles[file].shape} |`,
      ),
    ].join("\n"),
    cardUsage(options),
  ];
  return `${sections.join("\n\n")}\n`;
}
