/**
 * A list of budgets per strategy: one strategy entry of an eval plan run at several values of one
 * option, each value its own grid cell (with the cell key it would have alone, so stores are
 * shared with plain runs), drawn as one curve of the compute chart.
 *
 * ```sh
 * deliberate eval -s 'self-consistency?samples=4,8,16&temperature=0.7' …     # a comma list of numbers
 * ```
 * ```yaml
 * strategies:
 *   - { name: weighted-best-of-n, options: { verifier: reward }, sweep: { samples: [4, 8, 16] } }
 * ```
 * One option per entry (two lists would be a grid of budgets, not a curve); values are numbers,
 * since budgets are (samples, beam width, simulations). A JSON value (`[…]`, `{…}`) is never a sweep.
 */
import { DeliberateError } from "../errors.ts";
import type { StrategySpec } from "./cell-key.ts";

/** The one swept option and its values: `{ samples: [4, 8, 16] }`. */
export type StrategySweep = Record<string, number[]>;

/** A plan's strategy entry: a strategy with options, optionally swept over one option's values. */
export interface StrategyEntry {
  name: string;
  options?: Record<string, unknown>;
  sweep?: StrategySweep;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Values in `name?key=value&...`: numbers and booleans as such, `[...]`/`{...}` as JSON, else text. */
export function queryValue(text: string): unknown {
  if (NUMBER.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  if (/^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function badSweep(spec: string, problem: string): DeliberateError {
  return new DeliberateError("BAD_REQUEST", `strategy \`${spec}\`: ${problem}`, { param: "strategy" });
}

/**
 * `self-consistency?samples=4,8,16&temperature=0.7` → `{name, options: {temperature: 0.7}, sweep:
 * {samples: [4, 8, 16]}}`; without a comma list, the plain `{name, options}`. Errors name the bad
 * value: `samples=4,eight,16` → "`eight` is not a number".
 */
export function parseStrategyEntry(spec: string): StrategyEntry {
  const [name, query] = spec.split("?", 2);
  if (!name) throw new DeliberateError("BAD_REQUEST", `empty strategy in \`${spec}\``, { param: "strategy" });
  const options: Record<string, unknown> = {};
  const sweep: StrategySweep = {};
  for (const [key, value] of new URLSearchParams(query ?? "").entries()) {
    if (!value.includes(",") || /^[[{]/.test(value)) {
      options[key] = queryValue(value);
      continue;
    }
    const items = value.split(",").map((item) => item.trim());
    const empty = items.indexOf("");
    if (empty >= 0) {
      throw badSweep(
        spec,
        `the budgets of \`${key}\` (${value}) have an empty value at position ${empty + 1}`,
      );
    }
    const bad = items.find((item) => !NUMBER.test(item));
    if (bad !== undefined) {
      throw badSweep(
        spec,
        `\`${bad}\` in the budgets of \`${key}\` (${value}) is not a number; a sweep lists numbers, e.g. ${key}=4,8,16`,
      );
    }
    sweep[key] = items.map(Number);
  }
  const entry: StrategyEntry = { name, ...(Object.keys(options).length ? { options } : {}) };
  if (Object.keys(sweep).length === 0) return entry;
  const problem = sweepProblem({ ...entry, sweep });
  if (problem) throw badSweep(spec, problem);
  return { ...entry, sweep };
}

/**
 * What is wrong with an entry's sweep, or undefined: one option only, at least one value, no value
 * twice, and not also a fixed option. (The YAML schema and the query parser share it.)
 */
export function sweepProblem(entry: StrategyEntry): string | undefined {
  if (!entry.sweep) return undefined;
  const keys = Object.keys(entry.sweep);
  if (keys.length !== 1) {
    return keys.length === 0
      ? "`sweep` names no option"
      : `a sweep varies one option, but ${keys.map((k) => `\`${k}\``).join(" and ")} all list values`;
  }
  const [key] = keys;
  const values = entry.sweep[key];
  if (values.length === 0) return `the sweep of \`${key}\` lists no value`;
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) return `the sweep of \`${key}\` lists ${twice} twice`;
  if (entry.options && key in entry.options) {
    return `\`${key}\` is both swept and fixed in \`options\`; keep one`;
  }
  return undefined;
}

/** One strategy spec per value of the sweep, each marked with the swept option; the entry itself without one. */
export function expandStrategyEntry(entry: StrategyEntry): StrategySpec[] {
  const base = entry.options && Object.keys(entry.options).length ? entry.options : undefined;
  if (!entry.sweep) return [base ? { name: entry.name, options: base } : { name: entry.name }];
  const problem = sweepProblem(entry);
  if (problem) throw badSweep(entry.name, problem);
  const [[key, values]] = Object.entries(entry.sweep);
  return values.map((value) => ({ name: entry.name, options: { ...base, [key]: value }, sweep: key }));
}
