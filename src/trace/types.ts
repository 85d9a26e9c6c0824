/**
 * The trace schema: a tree of typed nodes recording everything a strategy did, one TypeScript type
 * per kind (like the AI SDK's stream parts), so a consumer switches on `kind` and reads named fields.
 * JSON-serialisable, streamed as events while a strategy runs, stored by id. Type-only; imports
 * nothing. Machine consumers (eval harness, server) read a `Solution`; the trace is for people
 * (viewer, progress lines) and for audits.
 */

/** Why a model was called, so a reader never guesses from roles or positions. */
export type CallPurpose =
  /** A complete candidate answer (a vote's ballot, a best-of-N sample, a draft). */
  | "sample"
  /** A partial continuation: one reasoning step of a search, a segment between handovers. */
  | "step"
  /** A verifier's judgement (LLM judge, step judge, self-critique). */
  | "judge"
  /** A scoring pass (`score()`: logprobs of a given continuation). */
  | "score";

/** Short tags a call carries for the reader (`{ phase: "forced-answer" }`, `{ round: 2 }`). */
export type TraceTags = Readonly<Record<string, string | number | boolean>>;

/** What a trace keeps of a completion: everything but the per-token logprobs. */
export interface TracedCompletion {
  index: number;
  text: string;
  reasoning?: string;
  finishReason: string;
  rawFinishReason?: string;
  usage: { promptTokens: number; completionTokens: number };
  /** How many tokens had logprobs (the logprobs themselves are not kept). */
  logprobTokens?: number;
  backend: string;
  endpoint?: string;
  seed?: number;
  warnings?: string[];
  error?: string;
}

interface NodeBase {
  id: string;
  /** The enclosing node; absent for the root. */
  parentId?: string;
  /** Short human label: strategy name, backend id, verifier name, decision name. */
  name: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt?: number;
}

/** A strategy (or a nested strategy) as a span around its children. */
export interface StrategyNode extends NodeBase {
  kind: "strategy";
  data: {
    /** The resolved options (defaults applied). */
    options?: unknown;
    seed?: number;
    problemId?: string;
    /** Set when the span ends. */
    answer?: string | null;
    key?: string | null;
    confidence?: number;
    /** The strategy's typed details (the Solution's `details`). */
    details?: unknown;
    error?: string;
    code?: string;
  };
}

/** One model call: request, completions, tokens, latency, backend. */
export interface GenerateNode extends NodeBase {
  kind: "generate";
  data: {
    /** The backend role called (`policy`, `large`, `verifier`). */
    role: string;
    purpose: CallPurpose;
    /** The request as sent (messages or prompt, n, seed, sampling); for scoring, prompt and continuation. */
    request: Readonly<Record<string, unknown>>;
    /** The first sample index this call serves, for `sample` calls. */
    sample?: number;
    tags?: TraceTags;
    /** The budget's prompt-token estimate before the call. */
    promptEstimate?: number;
    /** Set when the call ends. */
    backend?: string;
    latencyMs?: number;
    promptTokens?: number;
    completionTokens?: number;
    completions?: TracedCompletion[];
    /** A scoring pass's summed logprob and scored token count. */
    logprob?: number;
    tokens?: number;
    error?: string;
  };
}

/** A verifier's score of one candidate. */
export interface ScoreNode extends NodeBase {
  kind: "score";
  data: {
    /** The candidate's sample index. */
    candidate?: number;
    answer?: string | null;
    /** Set when scoring ends: the score in [0, 1] and how it was obtained. */
    value?: number;
    method?: string;
    /** What else the verifier reported (failed checks, P(yes) and P(no) masses). */
    details?: Readonly<Record<string, unknown>>;
    error?: string;
    code?: string;
  };
}

/** A vote: keys, counts, weights, winner. */
export interface VoteNode extends NodeBase {
  kind: "vote";
  data: {
    winner: string | null;
    counts: Readonly<Record<string, number>>;
    weights: Readonly<Record<string, number>>;
    share: number;
    abstained: number;
    tie: boolean;
    /** Ballots cast (abstentions included). */
    samples: number;
    /** Which model voted, when a strategy votes more than once (`small`, `large`). */
    model?: string;
  };
}

/** A decision with its reason: stop, escalate, expand, prune, retry. */
export interface DecisionNode extends NodeBase {
  kind: "decision";
  data: {
    reason?: string;
    /** The numbers and ids behind the decision, for the reader. */
    facts?: Readonly<Record<string, unknown>>;
  };
}

/** A tool call: code run in the sandbox, its result or error. */
export interface ToolNode extends NodeBase {
  kind: "tool";
  data: {
    /** The code run (the candidate's program, or the code under test). */
    code?: string | null;
    /** Test code run after it, for a test run. */
    tests?: string;
    tags?: TraceTags;
    /** Set when the run ends: whether it finished cleanly, and how it ended. */
    ok?: boolean;
    /** The sandbox's reason (`ok`, `error`, `timeout`, …) or the grader's verdict. */
    reason?: string;
    verdict?: string;
    result?: string;
    stdout?: string;
    stderr?: string;
    error?: string;
  };
}

export type TraceNode = StrategyNode | GenerateNode | ScoreNode | VoteNode | DecisionNode | ToolNode;
export type TraceNodeKind = TraceNode["kind"];
/** The payload type of a node kind. */
export type NodeData<K extends TraceNodeKind> = Extract<TraceNode, { kind: K }>["data"];

export type TraceEvent =
  | { type: "start"; traceId: string; node: TraceNode }
  | {
      type: "end";
      traceId: string;
      nodeId: string;
      endedAt: number;
      data?: Readonly<Record<string, unknown>>;
    }
  | { type: "finish"; traceId: string; endedAt: number; error?: string };

export interface Trace {
  id: string;
  startedAt: number;
  endedAt?: number;
  /** Nodes in the order they started; the tree is rebuilt from `parentId`. */
  nodes: TraceNode[];
  error?: string;
}
