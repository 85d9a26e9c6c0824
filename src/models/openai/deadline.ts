/**
 * One attempt's time limit joined with the caller's AbortSignal, in one signal for the SDK.
 * Knowing which of the two fired is what separates TIMEOUT from ABORTED afterwards.
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #caller?: AbortSignal;
  #timer?: NodeJS.Timeout;
  #timedOut = false;
  readonly #onCallerAbort = () => this.#controller.abort(this.#caller?.reason);

  /** `ms`: the limit; streams call `touch()` on each chunk so it bounds the silence between chunks. */
  constructor(ms: number, caller?: AbortSignal) {
    this.#ms = ms;
    this.#caller = caller;
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener("abort", this.#onCallerAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the limit (not the caller) ended the attempt. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  get ms(): number {
    return this.#ms;
  }

  /** Restarts the clock. */
  touch(): void {
    clearTimeout(this.#timer);
    if (this.#controller.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new Error(`timed out after ${this.#ms} ms`));
    }, this.#ms);
  }

  /** Ends the attempt now (the consumer stopped reading); not counted as a timeout. */
  abort(): void {
    clearTimeout(this.#timer);
    this.#controller.abort(new Error("the reader stopped"));
  }

  /** Stops the clock and unhooks from the caller's signal. Call in `finally`. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener("abort", this.#onCallerAbort);
  }
}
