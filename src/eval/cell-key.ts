/** The identity of a grid cell: model, strategy with its options, dataset. */

import { requiredRoles } from "../strategies/index.ts";
import type { Dataset } from "./types.ts";

export interface StrategySpec {
  /** A strategy name the `solve` function knows (`cot`, `self-consistency`, ...). */
  name: string;
  /** Its options (samples, temperature, ...); part of the cell's identity. */
  options?: Record<string, unknown>;
  /**
   * The option a budget sweep varies (`samples` for `self-consistency?samples=4,8,16`), when this
   * cell is one value of a sweep: cells of one sweep are one curve of the compute chart. Not part
   * of the cell's identity (the same options run alone name the same cell).
   */
  sweep?: string;
}

/** Stable text of options: keys sorted, so the same options always name the same cell. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** `self-consistency` or `self-consistency{"samples":8}`. */
export function strategyLabel(spec: StrategySpec): string {
  const options = spec.options && Object.keys(spec.options).length > 0 ? stableJson(spec.options) : "";
  return `${spec.name}${options}`;
}

/** The models of one grid row: the policy, and the large and verifier models when it has them. */
export interface CellModels {
  name: string;
  large?: { name: string };
  verifier?: { name: string };
}

/**
 * The model part of a cell's identity: the policy's name alone (so cells of single-model runs keep
 * their keys and stores stay reusable), or with the large and verifier models in parentheses, since
 * a cascade over another large model is another experiment.
 */
export function modelLabel(models: CellModels): string {
  const extra = [
    ...(models.large ? [`large ${models.large.name}`] : []),
    ...(models.verifier ? [`verifier ${models.verifier.name}`] : []),
  ];
  return extra.length ? `${models.name} (${extra.join(", ")})` : models.name;
}

/** `model|strategy|dataset`, where `model` is a name or a `modelLabel`; only the dataset's name counts. */
export function cellKey(
  model: string | CellModels,
  strategy: StrategySpec,
  dataset: Pick<Dataset, "name">,
): string {
  if (typeof model !== "string") return cellKey(modelLabel(model), strategy, dataset);
  return `${model}|${strategyLabel(strategy)}|${dataset.name}`;
}

/**
 * Whether the grid has this cell: a strategy that needs a large model only with one, so a grid of
 * `[{spec: small, large: big}, big] × [cascade, cot]` runs the cascade once and `cot` on both; and
 * a model that lists its `strategies` only with those.
 */
export function cellRuns(model: { large?: unknown; strategies?: string[] }, strategy: StrategySpec): boolean {
  if (model.strategies && !model.strategies.includes(strategy.name)) return false;
  // Strategies that cannot run without a `large` backend: cells pairing them with a lone model are left out.
  return model.large !== undefined || !requiredRoles(strategy.name).includes("large");
}
