/**
 * The most work one run of each registered strategy can ask for, from its parsed options alone: the
 * completions it samples and the tokens they may hold, counted from the strategy's own loops (each
 * line below follows one strategy file). Stopping rules, budgets and early acceptance only lower the
 * real work; the bound assumes none of them fire. A new strategy fails to compile until it has a line
 * here, and `test/server/strategy-work.test.ts` drives every strategy down its longest path against
 * its bound. (The bound would sit best beside each strategy, in `defineStrategy`; it lives here
 * while the server is its only user.)
 */
import type { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { parseStrategyOptions, type StrategyName, type strategies } from "../strategies/index.ts";
import {
  addWork,
  checkMaxTokens,
  completions,
  routeContext,
  type StrategyPlanner,
  scaleWork,
  type Work,
} from "./request-work.ts";
import { strategyOptionsOf } from "./strategy-runner.ts";

type OptionsOf<Name extends StrategyName> = z.output<(typeof strategies)[Name]["options"]>;

/** Work of one run of the named inner strategy with these (unparsed) options. */
type InnerWork = (name: string, options: Record<string, unknown> | undefined) => Work;

/**
 * One verifier score: at most one completion of one token (`judge`, `self-judge`, the step judge),
 * a scoring pass (`reward`), or no model call at all (`tests`, `has-answer`).
 */
const VERIFY = completions(1, 1);

/** One candidate of a voting strategy: a plain completion, or a run of its inner strategy. */
function candidate(
  options: { maxTokens: number; inner?: string; innerOptions?: Record<string, unknown> },
  inner: InnerWork,
): Work {
  return options.inner ? inner(options.inner, options.innerOptions) : completions(1, options.maxTokens);
}

/**
 * Step search (beam, one DVTS subtree): every depth samples `keep × expansions` continuations, each
 * scored once; steps run to `stepTokens`, the last depth to `maxTokens`.
 */
function stepSearch(options: {
  keep: number;
  expansions: number;
  maxDepth: number;
  stepTokens: number;
  maxTokens: number;
}): Work {
  const width = options.keep * options.expansions;
  return addWork(
    scaleWork(options.maxDepth - 1, completions(width, options.stepTokens)),
    completions(width, options.maxTokens),
    scaleWork(options.maxDepth * width, VERIFY),
  );
}

const workOf: { [Name in StrategyName]: (options: OptionsOf<Name>, inner: InnerWork) => Work } = {
  // One chain; with a thinking budget, a forced answer after it.
  cot: (o) =>
    o.thinkingBudget === undefined
      ? completions(1, o.maxTokens)
      : addWork(completions(1, o.thinkingBudget), completions(1, o.answerTokens)),
  "self-consistency": (o, inner) => scaleWork(o.samples, candidate(o, inner)),
  // Warm-up and online traces together are `samples`.
  "confidence-vote": (o) => completions(o.samples, o.maxTokens),
  "best-of-n": (o, inner) => scaleWork(o.samples, addWork(candidate(o, inner), VERIFY)),
  "weighted-best-of-n": (o, inner) => scaleWork(o.samples, addWork(candidate(o, inner), VERIFY)),
  // The first attempt and each retry.
  "program-aided": (o) => completions(o.retries + 1, o.maxTokens),
  // The answer, a check of every draft (a critique at most as long as an answer), and each revision.
  "self-refine": (o) => completions(1 + (o.rounds + 1) + o.rounds, o.maxTokens),
  beam: (o) => stepSearch({ ...o, keep: o.beamWidth, expansions: o.expansions }),
  dvts: (o) =>
    scaleWork(
      Math.max(1, Math.floor(o.samples / o.expansions)),
      stepSearch({ ...o, keep: 1, expansions: o.expansions }),
    ),
  cascade: (o, inner) =>
    addWork(scaleWork(o.samples, candidate(o, inner)), scaleWork(o.largeSamples, candidate(o, inner))),
  // Each small segment asks for what is left of `maxTokens`; a segment ends at each handover.
  "speculative-thinking": (o) =>
    addWork(completions(o.maxHandovers + 1, o.maxTokens), completions(o.maxHandovers, o.largeTokens)),
};

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
  const estimate = workOf[name as StrategyName] as (options: unknown, inner: InnerWork) => Work;
  return estimate(parsed, inner);
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
