/** The models of an eval grid: each in its role, with its backend and prices. */
import type { ModelBackend } from "../models/types.ts";
import type { Prices } from "./metrics.ts";
import type { ModelRole } from "./types.ts";

/** A model in one role of a cell: its name in tables and keys, its backend, its prices. */
export interface RoleModel {
  /** The spec the user gave. */
  name: string;
  backend: ModelBackend;
  /** Per-token prices, for `cost` when the strategy's usage does not carry one. */
  prices?: Prices;
  /**
   * The model's parameter count, for model FLOPs (2 × parameters × tokens); undefined when unknown
   * (an OpenAI-compatible model nobody gave a count for): its cells' FLOPs are then unknown.
   */
  parameters?: number;
}

export interface ModelEntry extends RoleModel {
  /** Items solved at once on this model, >= 1. Default 4. */
  concurrency?: number;
  /** A larger model the strategy escalates to (`cascade`, `speculative-thinking`): `ctx.backends.large`. */
  large?: RoleModel;
  /** A judge or reward model (`best-of-n`, `weighted-best-of-n`, ...): `ctx.backends.verifier`. */
  verifier?: RoleModel;
  /** Run only these of the grid's strategies (by name) on this model. Default: all of them. */
  strategies?: string[];
}

/** The entry's models by role, the ones it has, policy first. */
export function roleModels(model: ModelEntry): Array<[ModelRole, RoleModel]> {
  const roles: Array<[ModelRole, RoleModel | undefined]> = [
    ["policy", model],
    ["large", model.large],
    ["verifier", model.verifier],
  ];
  return roles.filter((pair): pair is [ModelRole, RoleModel] => pair[1] !== undefined);
}
