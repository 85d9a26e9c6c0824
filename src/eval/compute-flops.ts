/**
 * Model compute of one grid cell: the FLOPs its strategy spent per problem, Σ over every model call
 * of 2 × (that model's parameters) × (its tokens) — the forward-pass rule of thumb (Kaplan et al.
 * 2020) that search-and-learn and rStar compare strategies by. Tokens are what each call reported:
 * prompt + completion for `generate` (a prompt sampled n times counts n times, as each completion
 * reports it; a server that reuses the prompt's KV cache computes less), prompt + scored tokens for
 * `score` (verifiers, reward models, process reward models). Each role counts at its own model's
 * size, so a 1B policy's samples and a 7B verifier's scores add up right.
 *
 * A model whose parameter count is unknown makes the cell's FLOPs unknown (`null`) and is named in
 * `unknownParameters`: never counted as 0, never guessed. So does an endpoint outside the cell's
 * models that a scorer called (a pooling PRM server, `Summary.external`), named by its id.
 */
import type { Summary } from "./metrics.ts";
import type { ModelRole, RoleUsage } from "./types.ts";

/** A model in one role of a cell, as compute needs it. */
export interface ComputeModel {
  /** Its name in the grid (the spec). */
  name: string;
  /** Weights in the model; undefined when unknown. */
  parameters?: number;
}

/** What one role's model spent per problem. */
export interface RoleCompute {
  model: string;
  /** The model's parameter count, or null when unknown. */
  parameters: number | null;
  /** Mean tokens per attempt: prompt + completion, or prompt + scored tokens for score() calls. */
  tokensPerProblem: number;
  /** Mean FLOPs per attempt, 2 × parameters × tokens; null when the parameter count is unknown. */
  flopsPerProblem: number | null;
}

/** A cell's model compute (results.json `cells[].compute`). */
export interface CellCompute {
  /**
   * Mean model FLOPs per attempt (item × seed, failed attempts included, as `tokensPerItem`), every
   * role's calls counted; null when a model that spent tokens has no known parameter count.
   */
  flopsPerProblem: number | null;
  /** Models that spent tokens in this cell without a known parameter count (why FLOPs are null). */
  unknownParameters: string[];
  /** Per role that spent tokens. */
  roles: Partial<Record<ModelRole, RoleCompute>>;
}

/** FLOPs per token of a forward pass: a multiply and an add per weight. */
const FLOPS_PER_PARAMETER_TOKEN = 2;

/**
 * The cell's compute from its summary's usage per role (records written before roles existed are
 * the policy's, as `usageSum` counts them) and the models playing each role.
 */
export function cellCompute(
  summary: Pick<Summary, "usage" | "external" | "n" | "errors">,
  models: Partial<Record<ModelRole, ComputeModel>>,
): CellCompute {
  const attempts = summary.n + summary.errors;
  const roles: Partial<Record<ModelRole, RoleCompute>> = {};
  const unknownParameters: string[] = [];
  let flops: number | null = 0;
  for (const [role, usage] of Object.entries(summary.usage) as Array<[ModelRole, RoleUsage]>) {
    const tokens = usage.promptTokens + usage.completionTokens;
    if (tokens === 0) continue;
    // Usage of a role the cell has no model for cannot be priced in FLOPs: unknown, not the policy's.
    const model = models[role];
    const parameters = model?.parameters ?? null;
    const roleFlops = parameters === null ? null : FLOPS_PER_PARAMETER_TOKEN * parameters * tokens;
    roles[role] = {
      model: model?.name ?? `(no ${role} model)`,
      parameters,
      tokensPerProblem: attempts ? tokens / attempts : 0,
      flopsPerProblem: roleFlops === null || attempts === 0 ? roleFlops : roleFlops / attempts,
    };
    if (roleFlops === null) {
      unknownParameters.push(roles[role].model);
      flops = null;
    } else if (flops !== null) flops += roleFlops;
  }
  // Endpoints outside the cell's models (a pooling PRM server): their size is not known here.
  for (const [id, usage] of Object.entries(summary.external ?? {})) {
    if (usage.promptTokens + usage.completionTokens === 0) continue;
    unknownParameters.push(id);
    flops = null;
  }
  return {
    flopsPerProblem: flops === null ? null : attempts ? flops / attempts : 0,
    unknownParameters: [...new Set(unknownParameters)],
    roles,
  };
}

const SI = [
  [1e15, "P"],
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
] as const;

/** `1.55e8` → `155M`, `3.2e12` → `3.2T`, `null` → `unknown`: FLOPs span many decades. */
export function formatFlops(value: number | null): string {
  if (value === null) return "unknown";
  // Rounded first, so 999,960 reads `1M`, not `1000k`.
  const rounded = Number(value.toPrecision(3));
  if (rounded === 0) return "0";
  for (const [scale, prefix] of SI) {
    if (Math.abs(rounded) >= scale) return `${Number((rounded / scale).toPrecision(3))}${prefix}`;
  }
  return String(rounded);
}
