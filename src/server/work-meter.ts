/**
 * Work accounting while requests run: what each key has in flight (admitted requests hold their
 * estimated work until they finish), and a meter on the backends one request may call, so the work it
 * was admitted with is a hard ceiling even if an estimate in `strategy-work.ts` were ever too low.
 */
import { DeliberateError } from "../errors.ts";
import type { GenerateRequest, ModelBackend } from "../models/types.ts";
import { wrapBackend } from "../models/wrap-backend.ts";
import type { Backends } from "../strategies/types.ts";
import { addWork, NO_WORK, UNKNOWN_CONTEXT_TOKENS, type Work, type WorkLimits } from "./request-work.ts";

/** Seconds a client over its in-flight limit is told to wait: requests in flight end within seconds. */
const IN_FLIGHT_RETRY_SECONDS = 1;

/** The work each key has in flight, against `maxCompletionsPerKey` / `maxTokensPerKey`. */
export class InFlightWork {
  private readonly held = new Map<string, Work>();

  constructor(private readonly limits: Pick<WorkLimits, "maxCompletionsPerKey" | "maxTokensPerKey">) {}

  /** What `key` has in flight now. */
  of(key: string): Work {
    return this.held.get(key) ?? NO_WORK;
  }

  /** Holds `work` for `key` and returns its release, or refuses with RATE_LIMITED (429) when it would not fit. */
  admit(key: string, work: Work): () => void {
    const total = addWork(this.of(key), work);
    const { maxCompletionsPerKey, maxTokensPerKey } = this.limits;
    if (total.completions > maxCompletionsPerKey || total.tokens > maxTokensPerKey) {
      const held = this.of(key);
      throw new DeliberateError(
        "RATE_LIMITED",
        `too much work in flight for this key: ${held.completions} completions (${held.tokens} tokens) are running or queued, ` +
          `and this request adds ${work.completions} (${work.tokens}); the limit is ${maxCompletionsPerKey} (${maxTokensPerKey} tokens)`,
        { retryable: true, retryAfter: IN_FLIGHT_RETRY_SECONDS },
      );
    }
    this.held.set(key, total);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = addWork(this.of(key), { completions: -work.completions, tokens: -work.tokens });
      if (left.completions <= 0 && left.tokens <= 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }
}

/**
 * The request's backends, each call charged against `allowance`: `n` completions of `maxTokens`
 * (the context when unset); a scoring pass is one completion of no tokens. A call that would go past
 * it is refused before it reaches the backend, as an INTERNAL error: the estimate was wrong.
 */
export function meterBackends(backends: Backends, allowance: Work, what: string): Backends {
  let spent = NO_WORK;
  const charge = (backend: ModelBackend, request: Pick<GenerateRequest, "n" | "maxTokens"> | null) => {
    const n = request === null ? 1 : (request.n ?? 1);
    const maxTokens =
      request === null
        ? 0
        : (request.maxTokens ?? backend.capabilities.contextSize ?? UNKNOWN_CONTEXT_TOKENS);
    const next = addWork(spent, { completions: n, tokens: n * maxTokens });
    if (next.completions > allowance.completions || next.tokens > allowance.tokens) {
      throw new DeliberateError(
        "INTERNAL",
        `${what} asked for more than the ${allowance.completions} completions (${allowance.tokens} tokens) it was admitted with; this is a bug in its work estimate`,
      );
    }
    spent = next;
  };
  const meter = (backend: ModelBackend): ModelBackend =>
    wrapBackend(backend, {
      wrapGenerate: async ({ doGenerate, request }) => {
        charge(backend, request);
        return doGenerate();
      },
      async *wrapStream({ doStream, request }) {
        charge(backend, request);
        yield* doStream();
      },
      wrapScore: async ({ doScore }) => {
        charge(backend, null);
        return doScore();
      },
    });
  // One meter per backend object, so a backend in two roles is one backend.
  const metered = new Map<ModelBackend, ModelBackend>();
  const wrap = (backend: ModelBackend | undefined) => {
    if (backend === undefined) return undefined;
    if (!metered.has(backend)) metered.set(backend, meter(backend));
    return metered.get(backend);
  };
  return { policy: wrap(backends.policy)!, large: wrap(backends.large), verifier: wrap(backends.verifier) };
}
