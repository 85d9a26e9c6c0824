/** The identity of a grid cell: model, strategy with its options, dataset. */
import type { Dataset } from "./types.ts";

export interface StrategySpec {
  /** A strategy name the `solve` function knows (`cot`, `self-consistency`, ...). */
  name: string;
  /** Its options (samples, temperature, ...); part of the cell's identity. */
  options?: Record<string, unknown>;
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

export function cellKey(model: string, strategy: StrategySpec, dataset: Dataset): string {
  return `${model}|${strategyLabel(strategy)}|${dataset.name}`;
}
