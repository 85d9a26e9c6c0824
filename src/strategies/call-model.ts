/**
 * The one way strategies call a model: picks the backend by role, enforces the budget and the abort
 * signal, derives nothing itself (seeds come from `seeds.ts`), records a `generate` trace node and
 * charges the ledger. Strategies never call `backend.generate` directly.
 */
import { DeliberateError, toDeliberateError } from "../errors.ts";
import type {
  Completion,
  GenerateRequest,
  ModelBackend,
  ScoreRequest,
  ScoreResult,
  StreamEvent,
} from "../models/types.ts";
import { allowCall, estimatePromptTokens } from "./budget.ts";
import { createLedger } from "./ledger.ts";
import type { Backends, Budget, StrategyContext, UsageLedger } from "./types.ts";

export type BackendRole = keyof Backends;

export interface CallModelOptions {
  /** Which of `ctx.backends` to call. Default `policy`. */
  role?: BackendRole;
  /** The request; its `signal` is replaced by one joining `ctx.signal`, the time budget and `abort()`. */
  request: Omit<GenerateRequest, "signal">;
  /** Parent trace node. Default `ctx.parentId`. */
  parentId?: string;
  /** Extra data stored on the `generate` node (e.g. `{ sample: 3, phase: "warmup" }`). */
  label?: Record<string, unknown>;
  /**
   * Streams the call and hands each delta to this function; calling `stop()` aborts this call only
   * (DeepConf's early termination). Without it the call is a plain `generate`.
   */
  onDelta?: (event: Extract<StreamEvent, { type: "delta" }>, stop: () => void) => void;
}

export interface CallModelResult {
  completions: Completion[];
  /** The `generate` trace node. */
  nodeId: string;
  /** Samples actually requested after budget capping (<= the request's n). */
  n: number;
}

/** Learned prompt-token density per backend and solve, so estimates tighten after the first call. */
const density = new WeakMap<UsageLedger, Map<string, number>>();
/**
 * Calls in flight and the most tokens they may still charge, per solve. Parallel calls check the
 * budget before any of them has charged, so each reserves its worst case synchronously first.
 */
const reserved = new WeakMap<UsageLedger, { calls: number; tokens: number }>();
/** Margin over the observed density: prompts within one solve differ a little in wording. */
const DENSITY_MARGIN = 1.5;

/** Resolves a role to its backend, with a clear error when the context lacks it. */
export function backendFor(ctx: StrategyContext, role: BackendRole): ModelBackend {
  const backend = ctx.backends[role];
  if (!backend) {
    throw new DeliberateError("BAD_REQUEST", `this strategy needs a \`${role}\` backend and none was given`, {
      param: role,
    });
  }
  return backend;
}

/** The context's ledger, created on first use so a strategy called directly still accounts usage. */
export function ledgerOf(ctx: StrategyContext): UsageLedger {
  ctx.ledger ??= createLedger();
  return ctx.ledger;
}

/** Throws `ABORTED` when the caller has aborted the solve. */
export function throwIfAborted(ctx: StrategyContext): void {
  if (ctx.signal?.aborted) throw new DeliberateError("ABORTED", "the solve was aborted");
}

/**
 * Checks the budget counting calls still in flight at their worst case, and reserves this call's
 * worst case until `release()`. Synchronous, so parallel calls cannot all pass on the same remainder.
 */
function reserve(budget: Budget, ledger: UsageLedger, request: GenerateRequest, estimate: number) {
  const pending = reserved.get(ledger) ?? { calls: 0, tokens: 0 };
  reserved.set(ledger, pending);
  const view: UsageLedger = {
    startedAt: ledger.startedAt,
    usage: ledger.usage,
    charge: (id, spent) => ledger.charge(id, spent),
    calls: () => ledger.calls() + pending.calls,
    tokens: () => ledger.tokens() + pending.tokens,
  };
  const allowance = allowCall(budget, view, request, estimate);
  const tokens = allowance.maxTokens === undefined ? 0 : allowance.n * (estimate + allowance.maxTokens);
  pending.calls += 1;
  pending.tokens += tokens;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    pending.calls -= 1;
    pending.tokens -= tokens;
  };
  return { allowance, release };
}

export async function callModel(ctx: StrategyContext, options: CallModelOptions): Promise<CallModelResult> {
  const { role = "policy", request, parentId = ctx.parentId, label, onDelta } = options;
  throwIfAborted(ctx);
  const backend = backendFor(ctx, role);
  const ledger = ledgerOf(ctx);
  const densities = density.get(ledger) ?? new Map<string, number>();
  density.set(ledger, densities);
  const estimate = estimatePromptTokens(request, densities.get(backend.id));
  const { allowance, release } = reserve(ctx.budget, ledger, request, estimate);

  // This call's own stop (time budget, DeepConf's cut-off) joined with the caller's signal.
  // AbortSignal.any adds no listener to the caller's signal, so many parallel calls do not trip
  // Node's MaxListenersExceededWarning.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  const signal = ctx.signal ? AbortSignal.any([controller.signal, ctx.signal]) : controller.signal;
  const timer =
    allowance.deadline === undefined
      ? undefined
      : setTimeout(onAbort, Math.max(0, allowance.deadline - Date.now()));
  const sent: GenerateRequest = { ...request, n: allowance.n, maxTokens: allowance.maxTokens };
  const node = ctx.trace.start(
    "generate",
    backend.id,
    { role, request: { ...sent }, promptEstimate: estimate, ...label },
    parentId,
  );
  const started = Date.now();
  let charged = false;
  try {
    const completions = onDelta
      ? await streamAll(backend, { ...sent, signal }, onDelta, onAbort)
      : await backend.generate({ ...sent, signal });
    const promptTokens = completions.reduce((sum, c) => sum + c.usage.promptTokens, 0);
    const completionTokens = completions.reduce((sum, c) => sum + c.usage.completionTokens, 0);
    ledger.charge(backend.id, { promptTokens, completionTokens });
    charged = true;
    const bytes = estimatePromptTokens(request);
    if (completions.length > 0 && bytes > 0) {
      const observed = (promptTokens / completions.length / bytes) * DENSITY_MARGIN;
      densities.set(backend.id, Math.max(observed, densities.get(backend.id) ?? 0));
    }
    node.end({
      backend: backend.id,
      latencyMs: Date.now() - started,
      promptTokens,
      completionTokens,
      completions: completions.map(traceCompletion),
    });
    throwIfAborted(ctx);
    return { completions, nodeId: node.id, n: allowance.n };
  } catch (error) {
    const failure = toDeliberateError(error, "UPSTREAM");
    // A failed call still counts against `maxCalls` (it may have cost upstream time and money).
    if (!charged) ledger.charge(backend.id, { promptTokens: 0, completionTokens: 0 });
    node.end({ backend: backend.id, latencyMs: Date.now() - started, error: failure.message });
    throw failure;
  } finally {
    release();
    clearTimeout(timer);
  }
}

async function streamAll(
  backend: ModelBackend,
  request: GenerateRequest,
  onDelta: NonNullable<CallModelOptions["onDelta"]>,
  stop: () => void,
): Promise<Completion[]> {
  const done: Completion[] = [];
  for await (const event of backend.stream(request)) {
    if (event.type === "delta") onDelta(event, stop);
    else done.push(event.completion);
  }
  return done.sort((a, b) => a.index - b.index);
}

/** What a trace keeps of a completion: everything but the (large) per-token logprobs. */
function traceCompletion(completion: Completion): Record<string, unknown> {
  const { logprobs, ...rest } = completion;
  return logprobs ? { ...rest, logprobTokens: logprobs.length } : rest;
}

export interface ScoreModelOptions {
  /** Which of `ctx.backends` scores. Default `verifier`. */
  role?: BackendRole;
  request: Omit<ScoreRequest, "signal">;
  parentId?: string;
}

/**
 * `backend.score()` under the same budget, abort and trace rules as `callModel`: a reward model's
 * scoring pass is a model call too. The trace node is a `generate` node with `scoring: true`.
 */
export async function scoreModel(ctx: StrategyContext, options: ScoreModelOptions): Promise<ScoreResult> {
  const { role = "verifier", request, parentId = ctx.parentId } = options;
  throwIfAborted(ctx);
  const backend = backendFor(ctx, role);
  if (!backend.score || !backend.capabilities.score) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `backend \`${backend.id}\` cannot score continuations (no score())`,
      {
        param: role,
      },
    );
  }
  const ledger = ledgerOf(ctx);
  const messages = typeof request.prompt === "string" ? undefined : request.prompt;
  const asRequest: GenerateRequest = {
    messages,
    prompt: typeof request.prompt === "string" ? `${request.prompt}${request.continuation}` : undefined,
    assistantPrefix: messages ? request.continuation : undefined,
  };
  // Scoring generates nothing: the whole cost is the prompt plus the continuation.
  const { release } = reserve(
    ctx.budget,
    ledger,
    { ...asRequest, maxTokens: 1 },
    estimatePromptTokens(asRequest),
  );
  const node = ctx.trace.start(
    "generate",
    backend.id,
    { role, scoring: true, request: { ...request } },
    parentId,
  );
  const started = Date.now();
  try {
    const result = await backend.score({ ...request, signal: ctx.signal });
    ledger.charge(backend.id, {
      promptTokens: result.promptTokens + result.tokens.length,
      completionTokens: 0,
    });
    node.end({
      backend: backend.id,
      latencyMs: Date.now() - started,
      logprob: result.logprob,
      tokens: result.tokens.length,
    });
    throwIfAborted(ctx);
    return result;
  } catch (error) {
    const failure = toDeliberateError(error, "UPSTREAM");
    node.end({ backend: backend.id, latencyMs: Date.now() - started, error: failure.message });
    throw failure;
  } finally {
    release();
  }
}

/**
 * How to split the remaining budget over `count` separate single-sample calls of `request`: how many
 * of them to make and the completion tokens each may use, so the first call does not reserve the
 * whole remainder. Throws `BUDGET` when not even one call fits.
 */
export function planSamples(
  ctx: StrategyContext,
  request: Omit<GenerateRequest, "signal">,
  count: number,
  role: BackendRole = "policy",
): { n: number; maxTokens?: number } {
  const ledger = ledgerOf(ctx);
  const pending = reserved.get(ledger) ?? { calls: 0, tokens: 0 };
  const estimate = estimatePromptTokens(request, density.get(ledger)?.get(backendFor(ctx, role).id));
  const view: UsageLedger = {
    startedAt: ledger.startedAt,
    usage: ledger.usage,
    charge: (id, spent) => ledger.charge(id, spent),
    calls: () => ledger.calls() + pending.calls,
    tokens: () => ledger.tokens() + pending.tokens,
  };
  const allowance = allowCall(ctx.budget, view, { ...request, n: count }, estimate);
  const callsLeft =
    ctx.budget.maxCalls === undefined ? allowance.n : Math.max(1, ctx.budget.maxCalls - view.calls());
  return { n: Math.min(allowance.n, callsLeft), maxTokens: allowance.maxTokens };
}
