import { DeliberateError } from "../errors.ts";
import type { ModelBackend } from "../models/types.ts";
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
  if (models.has(model)) return { strategy, model, backends: { policy: models.get(model)! } };
  const policy = lookup(policyName);
  const large = largeName === undefined ? undefined : lookup(largeName);
  return { strategy, model, backends: { policy, large } };
}
