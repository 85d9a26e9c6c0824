import { DeliberateError } from "../errors.ts";
import type { ModelBackend } from "../models/types.ts";
import { requiredRoles } from "../strategies/index.ts";
import type { Backends } from "../strategies/types.ts";

/** Where one request goes: a plain completion on one model, or a strategy over named backends. */
export interface ModelRoute {
  /** The strategy name, or null for a plain pass-through completion. */
  strategy: string | null;
  backends: Backends;
  /** The model part of the name, as listed (`small`, `small+large`). */
  model: string;
}

/**
 * Resolves `STRATEGY/MODEL` or `MODEL` (`self-consistency/small`, `cascade/small+large`, `small`).
 * `small+large` names the policy and the large model; a body `deliberate.strategy` wins over no prefix.
 */
export function resolveRoute(
  name: string,
  models: ReadonlyMap<string, ModelBackend>,
  strategies: readonly string[],
  bodyStrategy?: string,
): ModelRoute {
  const slash = name.indexOf("/");
  // Model names may contain slashes themselves (`Qwen/Qwen2.5-7B`); a prefix counts only when it is a strategy.
  const prefix = slash > 0 ? name.slice(0, slash) : undefined;
  const hasPrefix = prefix !== undefined && strategies.includes(prefix) && !models.has(name);
  const model = hasPrefix ? name.slice(slash + 1) : name;
  const strategy = bodyStrategy ?? (hasPrefix ? prefix : null);
  if (strategy !== null && !strategies.includes(strategy)) {
    throw new DeliberateError(
      "MODEL_NOT_FOUND",
      `unknown strategy \`${strategy}\`; known: ${strategies.join(", ")}`,
      { param: bodyStrategy ? "deliberate.strategy" : "model" },
    );
  }

  const [policyName, largeName, ...rest] = model.split("+");
  const lookup = (modelName: string | undefined) => {
    const backend = modelName === undefined ? undefined : models.get(modelName);
    if (!backend) {
      throw new DeliberateError(
        "MODEL_NOT_FOUND",
        `the model \`${modelName ?? name}\` does not exist; GET /v1/models lists the served models`,
        { param: "model" },
      );
    }
    return backend;
  };
  if (rest.length > 0) {
    throw new DeliberateError("MODEL_NOT_FOUND", `\`${model}\`: use at most two models, SMALL+LARGE`, {
      param: "model",
    });
  }
  const policy = models.has(model) ? models.get(model)! : lookup(policyName);
  const large = models.has(model) || largeName === undefined ? undefined : lookup(largeName);
  if (strategy !== null && large === undefined && requiredRoles(strategy).includes("large")) {
    const served = [...models.keys()];
    const example = served.length >= 2 ? ` (e.g. \`${strategy}/${served[0]}+${served[1]}\`)` : "";
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${strategy}\` needs a large model too: name two served models, \`${strategy}/SMALL+LARGE\`${example}`,
      { param: "model" },
    );
  }
  return { strategy, model, backends: large === undefined ? { policy } : { policy, large } };
}

/**
 * The model ids `GET /v1/models` lists: each served model, each strategy over each model, and for
 * strategies that need a large model only `STRATEGY/SMALL+LARGE` over two distinct served models.
 */
export function listedModelIds(models: readonly string[], strategies: readonly string[]): string[] {
  const ids = [...models];
  for (const strategy of strategies) {
    if (requiredRoles(strategy).includes("large")) {
      for (const small of models) {
        for (const large of models) if (large !== small) ids.push(`${strategy}/${small}+${large}`);
      }
    } else {
      for (const name of models) ids.push(`${strategy}/${name}`);
    }
  }
  return ids;
}
