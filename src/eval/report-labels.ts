/**
 * Short, distinct names for the rows of a report — the series of its charts — and the facts all rows
 * share, said once above the table instead of in every label. A row reads strategy first, then its
 * key options, then whatever else tells it apart from the other rows:
 *
 * ```
 * cot                                     (maxTokens 120: shared, above the table)
 * self-consistency · 8 samples
 * cascade · 8 samples · threshold 0.5
 * self-consistency · 8 samples · tiny-reasoner-large     (when the policy model differs by row)
 * ```
 */
import type { ReportRow } from "./report-rows.ts";

/**
 * Options that make two cells different experiments, so a label always shows them; the others
 * (temperature, maxTokens) are settings, shown in a label only when they differ between rows.
 */
const KEY_OPTIONS = ["samples", "inner", "verifier", "stopping", "weighting", "threshold"];

export interface ReportLabels {
  /** One label per row, in row order, all distinct. */
  labels: string[];
  /** Facts every row shares, as [what, text]: the models, the dataset, common strategy settings. */
  shared: Array<[string, string]>;
}

/** A model spec as a short name: `builtin:tiny` → `tiny`, `/m/qwen-0.5b.gguf` → `qwen-0.5b`. */
export function shortModelName(spec: string): string {
  if (spec.startsWith("builtin:")) return spec.slice("builtin:".length);
  if (spec.startsWith("openai:")) return spec.slice("openai:".length).split("@")[0] || spec;
  if (spec.startsWith("hf:")) {
    const rest = spec.slice(3);
    return rest.slice(rest.indexOf("/") + 1) || spec;
  }
  if (spec.endsWith(".gguf")) return spec.replace(/^.*[\\/]/, "").replace(/\.gguf$/, "");
  return spec;
}

/** Short names for specs, falling back to the spec where two specs would share a short name. */
function shortNames(specs: string[]): Map<string, string> {
  const distinct = [...new Set(specs)];
  const counts = new Map<string, number>();
  for (const spec of distinct) counts.set(shortModelName(spec), (counts.get(shortModelName(spec)) ?? 0) + 1);
  return new Map(
    distinct.map((spec) => [spec, counts.get(shortModelName(spec)) === 1 ? shortModelName(spec) : spec]),
  );
}

/**
 * Short names for datasets that differ: the query parameters that tell apart specs of one base
 * (`synthetic:sums?difficulty=6&seed=11` → `difficulty 6, seed 11`), after the base's own short
 * name when bases differ too (`gsm8k`, `sums difficulty 6`).
 */
export function datasetNames(specs: string[]): Map<string, string> {
  const distinct = [...new Set(specs)];
  const parsed = distinct.map((spec) => {
    const at = spec.indexOf("?");
    const base = at < 0 ? spec : spec.slice(0, at);
    return { spec, base, params: new URLSearchParams(at < 0 ? "" : spec.slice(at + 1)) };
  });
  const basesVary = new Set(parsed.map((p) => p.base)).size > 1;
  const names = parsed.map(({ spec, base, params }) => {
    const siblings = parsed.filter((p) => p.base === base);
    const keys = [...new Set(siblings.flatMap((p) => [...p.params.keys()]))].filter(
      (key) => new Set(siblings.map((p) => p.params.get(key))).size > 1,
    );
    const differing = keys.filter((key) => params.has(key)).map((key) => `${key} ${params.get(key)}`);
    const short = base
      .replace(/^synthetic:/, "")
      .replace(/^.*[\\/]/, "")
      .replace(/\.(jsonl?|csv|parquet)$/, "");
    const name = [...(basesVary ? [short] : []), differing.join(", ")].filter(Boolean).join(" ");
    return [spec, name || spec] as const;
  });
  // Two specs that still read the same keep their full text.
  const count = new Map<string, number>();
  for (const [, name] of names) count.set(name, (count.get(name) ?? 0) + 1);
  return new Map(names.map(([spec, name]) => [spec, count.get(name) === 1 ? name : spec]));
}

function optionValue(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return value.map(optionValue).join(",");
  const entries = Object.entries(value as Record<string, unknown>);
  // `{rule: "beta", threshold: 0.9}` → `beta (threshold 0.9)`: the rule is the option's name.
  const rule = entries.find(([k]) => k === "rule");
  const rest = entries.filter(([k]) => k !== "rule").map(([k, v]) => `${k} ${optionValue(v)}`);
  const head = rule ? optionValue(rule[1]) : "";
  return rest.length ? `${head}${head ? " " : ""}(${rest.join(", ")})` : head;
}

/** `samples: 8` → `8 samples`, `threshold: 0.5` → `threshold 0.5`. */
export function formatOption(key: string, value: unknown): string {
  if (key === "samples") return `${optionValue(value)} samples`;
  return `${key} ${optionValue(value)}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function reportLabels(rows: ReportRow[]): ReportLabels {
  const shared: Array<[string, string]> = [];
  // Settings every row that has them agrees on go above the table, once.
  const settings = new Map<string, unknown>();
  const varying = new Set<string>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row.strategyOptions)) {
      if (!settings.has(key)) settings.set(key, value);
      else if (!same(settings.get(key), value)) varying.add(key);
    }
  }
  const sharedSettings = [...settings].filter(([key]) => !varying.has(key) && !KEY_OPTIONS.includes(key));

  const modelSpecs = rows.flatMap((r) => [
    r.policy,
    ...(r.largeModel ? [r.largeModel] : []),
    ...(r.verifierModel ? [r.verifierModel] : []),
  ]);
  const short = shortNames(modelSpecs);
  const modelsVary = new Set(rows.map((r) => r.model)).size > 1;
  // The policy tells the rows' models apart unless two rows share it with different large/verifier models.
  const policyOf = new Map<string, Set<string>>();
  for (const r of rows) policyOf.set(r.policy, (policyOf.get(r.policy) ?? new Set()).add(r.model));
  const byPolicy = [...policyOf.values()].every((models) => models.size === 1);
  const modelPart = (r: ReportRow) => {
    const policy = short.get(r.policy)!;
    if (byPolicy) return policy;
    const extra = [
      ...(r.largeModel ? [`→ ${short.get(r.largeModel)}`] : []),
      ...(r.verifierModel ? [`+ ${short.get(r.verifierModel)}`] : []),
    ];
    return [policy, ...extra].join(" ");
  };
  const datasetsVary = new Set(rows.map((r) => r.dataset)).size > 1;
  const datasetName = datasetNames(rows.map((r) => r.dataset));
  const runsVary = new Set(rows.map((r) => r.run)).size > 1;

  const labels = rows.map((r) => {
    const options = Object.entries(r.strategyOptions)
      .filter(([key]) => KEY_OPTIONS.includes(key) || varying.has(key))
      .map(([key, value]) => formatOption(key, value));
    return [
      r.strategyName,
      ...options,
      ...(modelsVary ? [modelPart(r)] : []),
      ...(datasetsVary ? [datasetName.get(r.dataset)!] : []),
      ...(runsVary ? [r.run] : []),
    ].join(" · ");
  });
  // Two cells can still agree on everything shown (the same grid twice in one run folder's store).
  const seen = new Map<string, number>();
  const distinct = labels.map((label) => {
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label} #${count}`;
  });

  shared.push(["models", modelsText(rows, short)]);
  // Every dataset once, with its short name when labels use one.
  const datasets = new Map(rows.map((r) => [r.dataset, r]));
  const size = (r: ReportRow) =>
    `${r.items} problem${r.items === 1 ? "" : "s"} × ${r.seeds} seed${r.seeds === 1 ? "" : "s"}`;
  shared.push([
    datasetsVary ? "datasets" : "dataset",
    [...datasets.values()]
      .map((r) => {
        const name = datasetName.get(r.dataset)!;
        return `${datasetsVary && name !== r.dataset ? `${name} = ` : ""}${r.dataset} (${size(r)})`;
      })
      .join(" · "),
  ]);
  if (sharedSettings.length) {
    shared.push(["settings", sharedSettings.map(([key, value]) => formatOption(key, value)).join(" · ")]);
  }
  return { labels: distinct, shared };
}

/** Every model once, with the roles it plays: `tiny-reasoner (policy) = builtin:tiny-reasoner`. */
function modelsText(rows: ReportRow[], short: Map<string, string>): string {
  const roles = new Map<string, Set<string>>();
  const add = (spec: string | undefined, role: string) => {
    if (spec) roles.set(spec, (roles.get(spec) ?? new Set()).add(role));
  };
  for (const r of rows) {
    add(r.policy, "policy");
    add(r.largeModel, "large");
    add(r.verifierModel, "verifier");
  }
  return [...roles]
    .map(([spec, set]) => {
      const name = short.get(spec) ?? spec;
      return `${name} (${[...set].join(", ")})${name === spec ? "" : ` = ${spec}`}`;
    })
    .join(" · ");
}
