/**
 * The one way strategies and verifiers call a model: picks the backend by role, enforces the budget
 * and the abort signal, records a `generate` trace node and charges the ledger. `callModel` and
 * `scoreModel` follow the same rules: the time budget's deadline aborts the call, and a failed call
 * still counts against `maxCalls`. Nothing calls `backend.generate` or `backend.score` directly.
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
import type { SpanHandle } from "../trace/recorder.ts";
import type { CallPurpose, NodeData, TracedCompletion, TraceTags } from "../trace/types.ts";
import type { BackendRole, RunContext } from "./types.ts";

export interface CallModelOptions {
  /** Which of `ctx.backends` to call. Default `policy`. */
  role?: BackendRole;
  /** Why the call is made, for the trace. Default `sample`. */
  purpose?: CallPurpose;
  /** The request; its `signal` is replaced by one joining `ctx.signal`, the time budget and `abort()`. */
  request: Omit<GenerateRequest, "signal">;
  /** Parent trace node. Default `ctx.parentId`. */
  parentId?: string;
  /** For `sample` calls: the index of the first sample served (its seed derives from it). */
  sample?: number;
  /** Short tags kept on the `generate` node (e.g. `{ phase: "forced-answer" }`). */
  tags?: TraceTags;
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

/** Resolves a role to its backend, with a clear error when the context lacks it. */
export function backendFor(ctx: RunContext, role: BackendRole): ModelBackend {
  const backend = ctx.backends[role];
  if (!backend) {
    throw new DeliberateError("BAD_REQUEST", `this strategy needs a \`${role}\` backend and none was given`, {
      param: role,
    });
  }
  return backend;
}

/** Throws `ABORTED` when the caller has aborted the solve. */
export function throwIfAborted(ctx: RunContext): void {
  if (ctx.signal?.aborted) throw new DeliberateError("ABORTED", "the solve was aborted");
}

/**
 * The frame both calls share: reserve the budget, join the caller's signal with the deadline and a
 * call-local stop, open the trace node, charge the ledger once (a failed call is charged too), and
 * release the reservation.
 */
async function budgeted<T>(
  ctx: RunContext,
  role: BackendRole,
  request: GenerateRequest,
  node: (
    backend: ModelBackend,
    allowance: { n: number; maxTokens?: number },
    estimate: number,
  ) => SpanHandle<"generate">,
  call: (
    backend: ModelBackend,
    allowance: { n: number; maxTokens?: number },
    signal: AbortSignal,
    stop: () => void,
  ) => Promise<{
    value: T;
    promptTokens: number;
    completionTokens: number;
    samples: number;
    trace: Partial<NodeData<"generate">>;
  }>,
): Promise<{ value: T; nodeId: string; n: number }> {
  throwIfAborted(ctx);
  const backend = backendFor(ctx, role);
  const estimate = ctx.ledger.estimatePrompt(backend.id, request);
  const { allowance, release } = ctx.ledger.reserve(ctx.budget, request, estimate);
  // AbortSignal.any adds no listener to the caller's signal, so many parallel calls do not trip
  // Node's MaxListenersExceededWarning.
  const controller = new AbortController();
  const stop = () => controller.abort();
  const signal = ctx.signal ? AbortSignal.any([controller.signal, ctx.signal]) : controller.signal;
  const timer =
    allowance.deadline === undefined
      ? undefined
      : setTimeout(stop, Math.max(0, allowance.deadline - Date.now()));
  const span = node(backend, allowance, estimate);
  const started = Date.now();
  let charged = false;
  try {
    const done = await call(backend, allowance, signal, stop);
    ctx.ledger.charge(backend.id, {
      promptTokens: done.promptTokens,
      completionTokens: done.completionTokens,
    });
    charged = true;
    ctx.ledger.observePrompt(backend.id, request, done.promptTokens, done.samples);
    span.end({ backend: backend.id, latencyMs: Date.now() - started, ...done.trace });
    throwIfAborted(ctx);
    return { value: done.value, nodeId: span.id, n: allowance.n };
  } catch (error) {
    const failure = toDeliberateError(error, "UPSTREAM");
    // A failed call still counts against `maxCalls` (it may have cost upstream time and money).
    if (!charged) ctx.ledger.charge(backend.id, { promptTokens: 0, completionTokens: 0 });
    span.end({ backend: backend.id, latencyMs: Date.now() - started, error: failure.message });
    throw failure;
  } finally {
    release();
    clearTimeout(timer);
  }
}

export async function callModel(ctx: RunContext, options: CallModelOptions): Promise<CallModelResult> {
  const {
    role = "policy",
    purpose = "sample",
    request,
    parentId = ctx.parentId,
    sample,
    tags,
    onDelta,
  } = options;
  const result = await budgeted(
    ctx,
    role,
    request,
    (backend, allowance, estimate) =>
      ctx.trace.start(
        "generate",
        backend.id,
        {
          role,
          purpose,
          request: { ...request, n: allowance.n, maxTokens: allowance.maxTokens },
          promptEstimate: estimate,
          ...(sample === undefined ? {} : { sample }),
          ...(tags ? { tags } : {}),
        },
        parentId,
      ),
    async (backend, allowance, signal, stop) => {
      const sent: GenerateRequest = { ...request, n: allowance.n, maxTokens: allowance.maxTokens, signal };
      const completions = onDelta
        ? await streamAll(backend, sent, onDelta, stop)
        : await backend.generate(sent);
      const promptTokens = completions.reduce((sum, c) => sum + c.usage.promptTokens, 0);
      const completionTokens = completions.reduce((sum, c) => sum + c.usage.completionTokens, 0);
      return {
        value: completions,
        promptTokens,
        completionTokens,
        samples: completions.length,
        trace: { promptTokens, completionTokens, completions: completions.map(traceCompletion) },
      };
    },
  );
  return { completions: result.value, nodeId: result.nodeId, n: result.n };
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
export function traceCompletion(completion: Completion): TracedCompletion {
  const { logprobs, timings: _timings, ...rest } = completion;
  return logprobs ? { ...rest, logprobTokens: logprobs.length } : rest;
}

export interface ScoreModelOptions {
  /** Which of `ctx.backends` scores. Default `verifier`. */
  role?: BackendRole;
  request: Omit<ScoreRequest, "signal">;
  parentId?: string;
  tags?: TraceTags;
}

/**
 * `backend.score()` under the same budget, deadline, abort, charging and trace rules as `callModel`:
 * a reward model's scoring pass is a model call too. The trace node is a `generate` node with
 * purpose `score`.
 */
export async function scoreModel(ctx: RunContext, options: ScoreModelOptions): Promise<ScoreResult> {
  const { role = "verifier", request, parentId = ctx.parentId, tags } = options;
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
  const messages = typeof request.prompt === "string" ? undefined : request.prompt;
  // Scoring generates nothing: the whole cost is the prompt plus the continuation.
  const asRequest: GenerateRequest = {
    messages,
    prompt: typeof request.prompt === "string" ? `${request.prompt}${request.continuation}` : undefined,
    assistantPrefix: messages ? request.continuation : undefined,
    maxTokens: 1,
  };
  const result = await budgeted(
    ctx,
    role,
    asRequest,
    () =>
      ctx.trace.start(
        "generate",
        backend.id,
        { role, purpose: "score", request: { ...request }, ...(tags ? { tags } : {}) },
        parentId,
      ),
    async (scorer, _allowance, signal) => {
      const scored = await (scorer.score as NonNullable<ModelBackend["score"]>)({ ...request, signal });
      return {
        value: scored,
        promptTokens: scored.promptTokens + scored.tokens.length,
        completionTokens: 0,
        samples: 1,
        trace: { logprob: scored.logprob, tokens: scored.tokens.length },
      };
    },
  );
  return result.value;
}

/**
 * How to split the remaining budget over `count` separate single-sample calls of `request`: how many
 * of them to make and the completion tokens each may use, so the first call does not reserve the
 * whole remainder. Throws `BUDGET` when not even one call fits.
 */
export function planSamples(
  ctx: RunContext,
  request: Omit<GenerateRequest, "signal">,
  count: number,
  role: BackendRole = "policy",
): { n: number; maxTokens?: number } {
  const backend = backendFor(ctx, role);
  return ctx.ledger.plan(ctx.budget, request, count, ctx.ledger.estimatePrompt(backend.id, request));
}
