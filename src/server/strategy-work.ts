/**
 * The server's check of a strategy request's work: each strategy declares its own bound
 * (`defineStrategy({ work })`, see `strategies/work.ts`); this applies it to the request's options,
 * through nested inner strategies, naming the offending option's path in the request.
 * `test/server/strategy-work.test.ts` drives every strategy down its longest path against its bound.
 */
import { DeliberateError } from "../errors.ts";
import { parseStrategyOptions, strategyDefinition } from "../strategies/index.ts";
import type { InnerWork, Work } from "../strategies/work.ts";
import { checkMaxTokens, routeContext, type StrategyPlanner } from "./request-work.ts";
import { strategyOptionsOf } from "./strategy-runner.ts";

/** Inner strategies nest inner strategies; past this depth a request is refused (no real use nests deeper). */
const MAX_NESTING = 4;

/**
 * The most work one run of `name` with these options can ask for; BAD_REQUEST for invalid options,
 * whose `param` is the option's path in the request (`deliberate.options.innerOptions.samples`).
 */
export function strategyWork(name: string, options: Record<string, unknown>, depth = 0): Work {
  const at = ["deliberate.options", ...Array(depth).fill("innerOptions")].join(".");
  if (depth > MAX_NESTING) {
    throw new DeliberateError("BAD_REQUEST", `strategies nest more than ${MAX_NESTING} deep (\`inner\`)`, {
      param: at.replace(/\.innerOptions$/, ".inner"),
    });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = parseStrategyOptions(name, options);
  } catch (error) {
    if (!DeliberateError.isInstance(error)) throw error;
    // An unknown inner strategy is the outer `inner` option's fault; any other, the option named.
    const param =
      error.param === "strategy" ? at.replace(/\.innerOptions$/, ".inner") : `${at}.${error.param}`;
    throw new DeliberateError(error.code, error.message, { param, cause: error });
  }
  const inner: InnerWork = (innerName, innerOptions) =>
    strategyWork(innerName, innerOptions ?? {}, depth + 1);
  return strategyDefinition(name).work(parsed, inner);
}

/**
 * The planner for `runRegisteredStrategy`: the request's strategy options as that runner builds them,
 * validated by the strategy's schema (a bad option is a 400 before any model call), and their bound.
 * A `maxTokens` above the model's context is a 400 like `max_tokens`.
 */
export const planRegisteredStrategy: StrategyPlanner = ({ strategy, request, route }) => {
  checkMaxTokens(request, route);
  const options = strategyOptionsOf(request, strategy);
  const maxTokens = request.deliberate?.options?.maxTokens;
  const context = routeContext(route);
  if (typeof maxTokens === "number" && context !== undefined && maxTokens > context) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`deliberate.options.maxTokens\` is ${maxTokens}, more than the ${context}-token context of \`${route.model}\``,
      { param: "deliberate.options.maxTokens" },
    );
  }
  return strategyWork(strategy, options);
};
