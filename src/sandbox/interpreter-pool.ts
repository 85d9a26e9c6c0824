/**
 * The interpreters of one language, shared by every run in the process: QuickJS worker threads
 * (run-javascript.ts), pyodide children (run-python.ts). Up to `size` runs at once, each on an
 * interpreter of its own; the rest wait in call order, so a run's limits count from when it starts
 * on its interpreter, never from when it was queued. An interpreter holds one `memoryMb` (its wasm
 * memory's cap): a run takes an idle interpreter made for its `memoryMb`, else a new one.
 *
 * After a run its interpreter stays idle (warm) for the next runs; one its run ended (a timeout, a
 * crash, memory that grew) is dropped. `keepIdle` idle ones stay for as long as the process runs,
 * any more for `lingerMs` (an unref'd timer), so back-to-back batches find them warm and a quiet
 * process shrinks back. Busy and idle together never exceed `size`, and a run of a `memoryMb` no
 * idle interpreter has ends idle ones of other `memoryMb` until, with its own, at most `keepIdle`
 * are left. Idle interpreters never keep the process alive (their owners unref them).
 *
 * The size is read before every admission from an environment variable (see `poolSize`), so it is
 * one setting for the whole process, whoever runs code in it.
 */
import { z } from "zod";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";

/** One interpreter as the pool sees it. */
export interface Interpreter {
  /** The `memoryMb` it was made for. */
  readonly memoryMb: number;
  /** True once it was ended or died: it is never handed out again. */
  readonly ended: boolean;
  /** Ends it (idempotent); resolves when it is gone. */
  end(): Promise<void> | void;
}

export interface InterpreterPoolOptions<I extends Interpreter> {
  /** Makes an interpreter for `memoryMb`; it may still be starting (the run awaits that itself). */
  start: (memoryMb: number) => I;
  /** The environment variable that sets the most runs (and interpreters) at once; see `poolSize`. */
  sizeVariable: string;
  /** The size when that variable is unset. */
  defaultSize: number;
  /** Idle interpreters kept warm for good. */
  keepIdle: number;
  /** How long an idle interpreter beyond `keepIdle` stays warm before it is ended. */
  lingerMs: number;
  /**
   * Whether an interpreter its run ended gets a fresh one started in the background (one that is
   * slow to start), when no waiting run takes its place at once. Default: never.
   */
  replaces?: (interpreter: I) => boolean;
}

export class InterpreterPool<I extends Interpreter> {
  private readonly options: InterpreterPoolOptions<I>;
  /** Runs admitted and not yet released (each holds one interpreter, or is about to). */
  private busy = 0;
  /** Admissions waiting for a free place, in call order. */
  private readonly waiting: Array<() => void> = [];
  /** Warm interpreters, the most recently used last. */
  private idle: I[] = [];
  /** The linger timer of each idle interpreter that has one. */
  private readonly lingering = new Map<I, NodeJS.Timeout>();
  /** Interpreters in use, with the generation they started in (see `close`). */
  private readonly inUse = new Map<I, number>();
  private generation = 0;
  /** The size last read well (a bad value rejects at the entry points, before a run queues). */
  private lastSize = 1;

  constructor(options: InterpreterPoolOptions<I>) {
    this.options = options;
  }

  /**
   * Runs `task` on an interpreter for `memoryMb` once fewer than `size` runs are in flight. The
   * task ends the interpreter itself when its run went wrong. A bad size setting rejects
   * (`BAD_REQUEST`) before the run queues.
   */
  async use<T>(memoryMb: number, task: (interpreter: I) => Promise<T>): Promise<T> {
    poolSize(this.options.sizeVariable, this.options.defaultSize);
    await this.admit();
    let interpreter: I;
    try {
      interpreter = this.take(memoryMb);
    } catch (error) {
      this.leave();
      throw error;
    }
    this.inUse.set(interpreter, this.generation);
    try {
      return await task(interpreter);
    } finally {
      this.release(interpreter);
    }
  }

  /**
   * An idle interpreter for `memoryMb`, started now if there is none (the oldest idle one is ended
   * when there is no room for it); undefined when every place is busy.
   */
  warm(memoryMb: number): I | undefined {
    this.prune();
    const found = this.idle.findLast((interpreter) => interpreter.memoryMb === memoryMb);
    if (found) return found;
    if (this.busy + this.idle.length >= this.size()) {
      if (this.idle.length === 0) return undefined;
      this.retireOldest();
    }
    const started = this.options.start(memoryMb);
    this.park(started);
    return started;
  }

  /**
   * Ends every interpreter, idle or in use (a run in flight reports its interpreter's end as its
   * result). Runs still waiting go on, on new interpreters.
   */
  async close(): Promise<void> {
    this.generation++;
    const all = [...this.idle, ...this.inUse.keys()];
    this.idle = [];
    for (const timer of this.lingering.values()) clearTimeout(timer);
    this.lingering.clear();
    await Promise.all(all.map((interpreter) => interpreter.end()));
  }

  private size(): number {
    try {
      this.lastSize = poolSize(this.options.sizeVariable, this.options.defaultSize);
    } catch {
      // Keep the last good size; `use` rejects new runs while the setting is bad.
    }
    return this.lastSize;
  }

  private admit(): Promise<void> {
    if (this.busy < this.size() && this.waiting.length === 0) {
      this.busy++;
      return Promise.resolve();
    }
    const admitted = new Promise<void>((resolve) => this.waiting.push(resolve));
    // A larger size (read again now) may already leave room for it.
    this.pump();
    return admitted;
  }

  /** Hands a run's place to the next waiting one, or frees it. */
  private leave(): void {
    this.busy--;
    this.pump();
  }

  private pump(): void {
    while (this.busy < this.size() && this.waiting.length > 0) {
      this.busy++;
      this.waiting.shift()?.();
    }
  }

  private take(memoryMb: number): I {
    this.prune();
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const interpreter = this.idle[i];
      if (interpreter.memoryMb !== memoryMb) continue;
      this.idle.splice(i, 1);
      clearTimeout(this.lingering.get(interpreter));
      this.lingering.delete(interpreter);
      return interpreter;
    }
    // Every idle one has another memoryMb. This run is counted in `busy`: its new interpreter must
    // fit beside them, and with it at most `keepIdle` stay once it is idle too.
    while (
      this.idle.length > 0 &&
      (this.busy + this.idle.length > this.size() || this.idle.length >= this.options.keepIdle)
    ) {
      this.retireOldest();
    }
    return this.options.start(memoryMb);
  }

  private release(interpreter: I): void {
    const generation = this.inUse.get(interpreter);
    this.inUse.delete(interpreter);
    const current = generation === this.generation;
    if (!interpreter.ended && current) this.park(interpreter);
    else if (!interpreter.ended) interpreter.end();
    const waited = this.waiting.length > 0;
    this.leave();
    if (interpreter.ended && current && !waited && this.options.replaces?.(interpreter)) {
      this.warm(interpreter.memoryMb);
    }
  }

  /** Makes an interpreter idle; past `lingerMs` it is ended if more than `keepIdle` are idle then. */
  private park(interpreter: I): void {
    this.idle.push(interpreter);
    const timer = setTimeout(() => {
      this.lingering.delete(interpreter);
      const at = this.idle.indexOf(interpreter);
      if (at < 0 || this.idle.length <= this.options.keepIdle) return;
      this.idle.splice(at, 1);
      interpreter.end();
    }, this.options.lingerMs);
    timer.unref();
    this.lingering.set(interpreter, timer);
  }

  private retireOldest(): void {
    const oldest = this.idle.shift();
    if (!oldest) return;
    clearTimeout(this.lingering.get(oldest));
    this.lingering.delete(oldest);
    oldest.end();
  }

  /** Drops idle interpreters that died on their own. */
  private prune(): void {
    for (const interpreter of this.idle) {
      if (!interpreter.ended) continue;
      clearTimeout(this.lingering.get(interpreter));
      this.lingering.delete(interpreter);
    }
    this.idle = this.idle.filter((interpreter) => !interpreter.ended);
  }
}

/** Bounds of a pool size from the environment. */
export const MAX_POOL_SIZE = 64;

const sizes = new Map<string, number>();

/**
 * The pool size named by environment variable `name` (a whole number, 1–64), else `fallback`.
 * Read at every admission, so a change applies to the next run; a bad value rejects that run with
 * `BAD_REQUEST` naming the variable (an operator's mistake, like a bad limit is a caller's).
 */
export function poolSize(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const known = sizes.get(`${name}=${raw}`);
  if (known !== undefined) return known;
  const schema = z.object({
    [name]: z
      .string()
      .trim()
      .regex(/^\d+$/, "expected a whole number of workers")
      .transform(Number)
      .pipe(z.number().int().min(1).max(MAX_POOL_SIZE)),
  });
  const size = parseOrBadRequest(
    schema,
    { [name]: raw },
    { subject: "sandbox", noun: "environment variable" },
  )[name] as number;
  sizes.set(`${name}=${raw}`, size);
  return size;
}
