/**
 * `defineStrategy`: the one way to declare a strategy. The body only proposes, scores and selects;
 * the frame around it does what every strategy needs, once:
 * - parses the options once (a `BAD_REQUEST` naming the option, whoever calls);
 * - opens the `strategy` span the body's calls, votes and nested strategies hang under;
 * - reads the chosen answer once and assembles the `Solution` with its candidates and details;
 * - provides composition (`ctx.run`), sharing the ledger and trace.
 */
import type { z } from "zod";
import { DeliberateError, toDeliberateError } from "../errors.ts";
import { readAnswer } from "../run/answers.ts";
import type { BackendRole, Problem } from "../run/types.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import type {
  AnyStrategy,
  Solution,
  Strategy,
  StrategyCallContext,
  StrategyContext,
  StrategyOutcome,
} from "./types.ts";
import type { InnerWork, Work } from "./work.ts";

export interface StrategyDeclaration<Schema extends z.ZodType, Details, Name extends string = string> {
  /** The registry key and span name: kebab-case, e.g. `self-consistency`. */
  name: Name;
  /** One line for `deliberate strategies`. */
  description: string;
  /** The options' schema, with `.describe()` on every field (the CLI lists them). */
  options: Schema;
  /** Backends besides the policy it cannot run without (the server and the eval grid read this). */
  roles?: ReadonlyArray<Exclude<BackendRole, "policy">>;
  /**
   * The most model work one run can ask for, from the parsed options alone (see `work.ts`): the
   * server refuses requests over its limits before anything runs.
   */
  work(options: z.output<Schema>, inner: InnerWork): Work;
  /** The algorithm: options arrive parsed, with defaults applied. */
  run(problem: Problem, ctx: StrategyContext, options: z.output<Schema>): Promise<StrategyOutcome<Details>>;
}

/** A defined strategy, its name and options schema kept as precise types (for typed registries). */
export type DefinedStrategy<Schema extends z.ZodType, Details, Name extends string> = Strategy<
  z.input<Schema>,
  Details
> & { readonly name: Name; readonly options: Schema };

export function defineStrategy<const Name extends string, Schema extends z.ZodType, Details>(
  declaration: StrategyDeclaration<Schema, Details, Name>,
): DefinedStrategy<Schema, Details, Name> {
  const { name, description, options: schema, roles = [], work } = declaration;
  const strategy = async (
    problem: Problem,
    ctx: StrategyCallContext,
    options?: z.input<Schema>,
  ): Promise<Solution<Details>> => {
    const opts = parseOrBadRequest(schema, options ?? {}, {
      subject: `strategy \`${name}\``,
      param: "options",
    });
    const started = Date.now();
    const span = ctx.trace.start(
      "strategy",
      name,
      { options: opts, seed: ctx.seed, problemId: problem.id },
      ctx.parentId,
    );
    try {
      const inner: StrategyContext = { ...ctx, parentId: span.id, run: composer(ctx, span.id) };
      const outcome = await declaration.run(problem, inner, opts);
      const read = readAnswer(problem, outcome.text);
      const key = outcome.key === undefined ? read.key : outcome.key;
      const confidence = Math.min(1, Math.max(0, outcome.confidence));
      span.end({ answer: read.answer, key, confidence, details: outcome.details });
      return {
        text: outcome.text,
        answer: read.answer,
        key,
        confidence,
        usage: ctx.ledger.snapshot(),
        wallMs: Date.now() - started,
        traceId: ctx.trace.id,
        strategy: name,
        candidates: outcome.candidates,
        ...(outcome.escalation ? { escalation: outcome.escalation } : {}),
        details: outcome.details,
      };
    } catch (error) {
      const failure = toDeliberateError(error);
      span.end({ error: failure.message, code: failure.code });
      throw failure;
    }
  };
  Object.defineProperty(strategy, "name", { value: name });
  return Object.assign(strategy, { description, options: schema, roles, work }) as unknown as DefinedStrategy<
    Schema,
    Details,
    Name
  >;
}

/** `ctx.run` for a body: runs a strategy (by name through the lookup, or a definition) under its span. */
function composer(ctx: StrategyCallContext, parentId: string): StrategyContext["run"] {
  return (strategy, problem, options, overrides = {}) => {
    const target: AnyStrategy = typeof strategy === "string" ? lookup(ctx, strategy) : strategy;
    const backends = overrides.backends ?? ctx.backends;
    return target(problem, { ...ctx, backends, parentId, seed: overrides.seed ?? ctx.seed }, options);
  };
}

function lookup(ctx: StrategyCallContext, name: string): AnyStrategy {
  if (!ctx.lookup) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `strategy \`${name}\` is named inside another strategy, but no registry was given: run it through solve(), or pass the strategy itself`,
      { param: "inner" },
    );
  }
  return ctx.lookup(name);
}
