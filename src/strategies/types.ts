/**
 * The strategy contract: a strategy proposes, scores and selects, and returns a `Solution` that
 * carries its evidence: every candidate it chose among, with its score and usage, and its typed
 * details. Consumers (the eval harness, the server, users) read the Solution, never the trace.
 * Type-only.
 */
import type { FinishReason } from "../models/types.ts";
import type { BackendRole, Backends, BackendUsage, Problem, RunContext } from "../run/types.ts";
import type { InnerWork, Work } from "./work.ts";

export type {
  BackendRole,
  Backends,
  BackendUsage,
  Budget,
  Problem,
  RunContext,
  TaskKind,
  UsageLedger,
} from "../run/types.ts";

/** One answer a strategy chose among: a sample, a search leaf, an inner strategy's solution. */
export interface SolutionCandidate {
  /** Sample index within the strategy (its seed derives from it); unique among the candidates. */
  index: number;
  /** The backend role that wrote it: `policy`, or `large` for a cascade's escalated samples. */
  role: BackendRole;
  text: string;
  answer: string | null;
  /** Grading's canonical key, what votes count. */
  key: string | null;
  /** The verifier's score in [0, 1], when the strategy scored this candidate. */
  score?: number;
  /** Why its generation ended; absent for a candidate that is an inner strategy's solution. */
  finishReason?: FinishReason;
  /** Tokens spent on this candidate (an inner solution's over all its calls). */
  usage: { promptTokens: number; completionTokens: number };
}

/**
 * A strategy that may hand a question to a larger model says so here, whatever its name: whether it
 * did, and the tokens it estimates the large model alone would have spent.
 */
export interface Escalation {
  escalated: boolean;
  /** Tokens asking only the large model would have cost (what it did cost, once escalated). */
  largeOnlyTokens: number;
  /** largeOnlyTokens minus what this solve spent; negative when escalating cost more. */
  savedTokens: number;
}

export interface Solution<Details = unknown> {
  /** The answer as the model wrote it (the final text of the chosen candidate). */
  text: string;
  /** The extracted answer, or null when none could be extracted. */
  answer: string | null;
  /** The canonical key equivalent answers share (grading's `answerKey`). */
  key: string | null;
  /** In [0, 1]: vote share, verifier score or mean token probability, per strategy. */
  confidence: number;
  /** Usage per backend id. */
  usage: Record<string, BackendUsage>;
  wallMs: number;
  traceId: string;
  /** The strategy's name. */
  strategy: string;
  /** Every candidate the strategy chose among, in sample order. */
  candidates: SolutionCandidate[];
  /** Set by strategies that can escalate to the `large` backend. */
  escalation?: Escalation;
  /** Strategy-specific facts (samples used, why it stopped), typed per strategy. */
  details: Details;
}

/** What a strategy body returns; the frame (`defineStrategy`) turns it into a `Solution`. */
export interface StrategyOutcome<Details = unknown> {
  /** The chosen candidate's full text. */
  text: string;
  /** In [0, 1]; what it means is the strategy's (vote share, verifier score, token probability). */
  confidence: number;
  /** Overrides the answer key read from `text` (e.g. a vote winner whose text is one representative). */
  key?: string | null;
  candidates: SolutionCandidate[];
  escalation?: Escalation;
  details: Details;
}

/**
 * The context a strategy body runs in: the call layer's context plus composition. `ctx.run` runs
 * another strategy (by name or definition) inside this one, sharing the ledger and trace.
 */
export interface StrategyContext extends RunContext {
  run(
    strategy: string | AnyStrategy,
    problem: Problem,
    options: Record<string, unknown> | undefined,
    overrides?: { seed?: number; backends?: Backends },
  ): Promise<Solution>;
}

/** Looks a strategy up by name (the registry), for composition by name. */
export type StrategyLookup = (name: string) => AnyStrategy;

/** What a direct call of a strategy needs: a run context, and a lookup when it composes by name. */
export interface StrategyCallContext extends RunContext {
  lookup?: StrategyLookup;
}

/** A defined strategy: callable, and carrying its declaration (see `defineStrategy`). */
export interface Strategy<Input = Record<string, unknown>, Details = unknown> {
  (problem: Problem, ctx: StrategyCallContext, options?: Input): Promise<Solution<Details>>;
  /** The registry key and the trace span's name. */
  readonly name: string;
  readonly description: string;
  /** The options' zod schema; parsed (defaults applied) once per run. */
  readonly options: import("zod").ZodType;
  /** Backends besides the policy it cannot run without. */
  readonly roles: ReadonlyArray<Exclude<BackendRole, "policy">>;
  /** The most model work one run can ask for, from parsed options (see `work.ts`). */
  // biome-ignore lint/suspicious/noExplicitAny: parsed options of this strategy's own schema
  readonly work: (options: any, inner: InnerWork) => Work;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds strategies of every option and detail type
export type AnyStrategy = Strategy<any, any>;
