/**
 * `wrapBackend(inner, middleware)`: the one shape of a backend wrapper (raw prompts, the eval cache,
 * the server's in-flight gauge, a renamed backend), after the AI SDK's `wrapLanguageModel`. A
 * middleware says only what it changes; everything else (id, fingerprint, capabilities, score,
 * close) passes through to the wrapped backend, so no wrapper can forget one. (The server's wrapper
 * once dropped `fingerprint` by re-listing the fields by hand.)
 *
 * ```ts
 * const counted = wrapBackend(backend, {
 *   async wrapGenerate({ doGenerate, request }) {
 *     calls += request.n ?? 1;
 *     return doGenerate();
 *   },
 * });
 * ```
 */
import type {
  Capabilities,
  Completion,
  GenerateRequest,
  ModelBackend,
  ScoreRequest,
  ScoreResult,
  StreamEvent,
} from "./types.ts";

export interface BackendMiddleware {
  /** The wrapper's id. Default: the wrapped backend's (usage and traces are keyed on it). */
  overrideId?: (inner: ModelBackend) => string;
  /** The wrapper's fingerprint (undefined: none). Default: the wrapped backend's. */
  overrideFingerprint?: (inner: ModelBackend) => string | undefined;
  /** The wrapper's capabilities, read on every access (a backend may learn its own). Default: the wrapped backend's. */
  overrideCapabilities?: (inner: ModelBackend) => Capabilities;
  /** Rewrites each `generate` and `stream` request before `wrapGenerate` / `wrapStream` see it. */
  transformRequest?: (request: GenerateRequest) => GenerateRequest;
  /**
   * Wraps `generate`. `doGenerate()` calls the wrapped backend with the (transformed) request, or
   * with another request when given one.
   */
  wrapGenerate?: (options: {
    doGenerate: (request?: GenerateRequest) => Promise<Completion[]>;
    request: GenerateRequest;
    inner: ModelBackend;
  }) => Promise<Completion[]>;
  /** Wraps `stream`, as `wrapGenerate` does `generate`. */
  wrapStream?: (options: {
    doStream: (request?: GenerateRequest) => AsyncIterable<StreamEvent>;
    request: GenerateRequest;
    inner: ModelBackend;
  }) => AsyncIterable<StreamEvent>;
  /** Wraps `score`, when the wrapped backend has one (a wrapper never adds `score`). */
  wrapScore?: (options: {
    doScore: (request?: ScoreRequest) => Promise<ScoreResult>;
    request: ScoreRequest;
    inner: ModelBackend;
  }) => Promise<ScoreResult>;
  /** Replaces `close`. Default: closes the wrapped backend. */
  close?: (inner: ModelBackend) => Promise<void>;
}

/**
 * A backend seen through a middleware. Named wrappers (`RawQuestionBackend`, `CachingBackend`)
 * subclass it, so `instanceof` still tells them apart.
 */
export class WrappedBackend implements ModelBackend {
  readonly id: string;
  readonly score?: (request: ScoreRequest) => Promise<ScoreResult>;

  constructor(
    private readonly inner: ModelBackend,
    private readonly middleware: BackendMiddleware,
  ) {
    this.id = middleware.overrideId?.(inner) ?? inner.id;
    const { wrapScore } = middleware;
    if (inner.score) {
      const doScore = inner.score.bind(inner);
      this.score = wrapScore
        ? (request) => wrapScore({ doScore: (given = request) => doScore(given), request, inner })
        : doScore;
    }
  }

  get fingerprint(): string | undefined {
    const { overrideFingerprint } = this.middleware;
    return overrideFingerprint ? overrideFingerprint(this.inner) : this.inner.fingerprint;
  }

  get capabilities(): Capabilities {
    return this.middleware.overrideCapabilities?.(this.inner) ?? this.inner.capabilities;
  }

  generate(request: GenerateRequest): Promise<Completion[]> {
    const { inner, middleware } = this;
    const transformed = middleware.transformRequest?.(request) ?? request;
    const doGenerate = (given: GenerateRequest = transformed) => inner.generate(given);
    return middleware.wrapGenerate
      ? middleware.wrapGenerate({ doGenerate, request: transformed, inner })
      : doGenerate();
  }

  stream(request: GenerateRequest): AsyncIterable<StreamEvent> {
    const { inner, middleware } = this;
    const transformed = middleware.transformRequest?.(request) ?? request;
    const doStream = (given: GenerateRequest = transformed) => inner.stream(given);
    return middleware.wrapStream
      ? middleware.wrapStream({ doStream, request: transformed, inner })
      : doStream();
  }

  close(): Promise<void> {
    return this.middleware.close ? this.middleware.close(this.inner) : this.inner.close();
  }
}

/** `inner` seen through `middleware` (see `BackendMiddleware`). */
export function wrapBackend(inner: ModelBackend, middleware: BackendMiddleware): ModelBackend {
  return new WrappedBackend(inner, middleware);
}
