/**
 * GradePool: grading in worker threads with a HARD time limit per grading. A pathological answer
 * (catastrophic regex, enormous expression) cannot hang the caller: when its time is up the worker is
 * terminated, the grading resolves as verdict "timeout", and a fresh worker takes its place. No process-
 * global signals (Math-Verify's `signal.alarm` breaks in threads); close() ends every worker. Each
 * worker holds a few tasks at once (PIPELINE_DEPTH) so message round trips overlap with grading.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { DeliberateError } from "../errors.ts";
import type { GradeRequestMessage } from "./grade-worker.ts";
import type { GradeOptions, GradeResult } from "./types.ts";

export interface GradePoolOptions {
  /** Worker threads. Default: one per CPU core, at most 8. */
  size?: number;
  /** Default hard time limit per grading, in ms, when GradeOptions.timeoutMs is not given. Default 5000. */
  timeoutMs?: number;
  /**
   * The module each worker runs: it answers `GradeRequestMessage`s as `grade-worker.ts` does. Default
   * `grade-worker.ts`; tests pass a stub that stalls on cue, to exercise the time limit.
   */
  workerModule?: URL;
}

interface Task {
  id: number;
  message: GradeRequestMessage;
  timeoutMs: number;
  resolve: (result: GradeResult) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Tasks posted to this worker, in the order it grades them; the first is running. */
  inflight: Task[];
  /** The running task's time limit. */
  timer: NodeJS.Timeout | null;
}

/** Most workers a default pool starts: grading is CPU-bound, more threads than cores only add overhead. */
const MAX_DEFAULT_WORKERS = 8;
const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Tasks queued inside each worker ahead of time, so a worker never idles for a message round trip.
 * Only the running one's clock ticks; when it times out, the ones behind it go back to the queue.
 */
const PIPELINE_DEPTH = 4;
/** Workers failing to start this many times in a row mean a broken setup (say, tsx missing): give up. */
const MAX_START_FAILURES = 3;

/** The worker beside this module: `.ts` when running from the sources (tsx), `.js` from the built dist/. */
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./grade-worker.ts" : "./grade-worker.js",
  import.meta.url,
);
/**
 * Workers start from this bootstrap. A JavaScript worker module is imported as is. For a TypeScript one
 * (running from the sources): Node 20 runs a worker's entry before `--import`ed loader hooks are active,
 * so we register tsx's loader first and then import the module. Only then is tsx resolved, so the built
 * package runs without it.
 */
const bootstrap = (module: URL) =>
  module.pathname.endsWith(".ts")
    ? `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })
  .catch((error) => { throw error; });`
    : `import(${JSON.stringify(module.href)}).catch((error) => { throw error; });`;

function failure(verdict: "timeout" | "error", reason: string): GradeResult {
  return { correct: false, verdict, predicted: null, gold: null, method: "none", reason };
}

export class GradePool {
  readonly size: number;
  private readonly timeoutMs: number;
  private readonly bootstrap: string;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died before becoming ready, in a row. */
  private startFailures = 0;
  /** Why the pool gave up starting workers, or null while it works. */
  private broken: string | null = null;

  constructor(options: GradePoolOptions = {}) {
    const {
      size = Math.min(MAX_DEFAULT_WORKERS, availableParallelism()),
      timeoutMs = DEFAULT_TIMEOUT_MS,
      workerModule = WORKER_URL,
    } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new DeliberateError("BAD_REQUEST", "`size` must be a positive integer", { param: "size" });
    }
    if (!(timeoutMs > 0)) {
      throw new DeliberateError("BAD_REQUEST", "`timeoutMs` must be positive", { param: "timeoutMs" });
    }
    this.size = size;
    this.timeoutMs = timeoutMs;
    this.bootstrap = bootstrap(workerModule);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Grades in a worker; resolves (never rejects) with verdict "timeout" when the time limit is hit. */
  grade(candidate: string, gold: string, options: GradeOptions = {}): Promise<GradeResult> {
    if (this.closed) return Promise.reject(new DeliberateError("BAD_REQUEST", "the grading pool is closed"));
    if (this.broken !== null) return Promise.resolve(failure("error", this.broken));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve) => {
      const id = this.nextId++;
      const message = { id, candidate: String(candidate), gold: String(gold), options };
      this.queue.push({ id, message, timeoutMs, resolve });
      this.pump();
    });
  }

  /** Terminates every worker; gradings still waiting resolve with verdict "error". */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedResult = failure("error", "the grading pool was closed");
    for (const task of this.queue.splice(0)) task.resolve(closedResult);
    // Terminating a worker that is still starting (its bootstrap mid-import) can leave the event loop
    // with nothing active before its exit is reported, and a caller awaiting close() at top level then
    // dies with exit code 13. A timer holds the loop open until every worker has exited.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      await Promise.all(
        this.slots.map(async (slot) => {
          if (slot.timer) clearTimeout(slot.timer);
          for (const task of slot.inflight.splice(0)) task.resolve(closedResult);
          // An idle worker is unref'd; ref it so the event loop waits for its exit, which terminate() awaits.
          slot.worker.ref();
          await slot.worker.terminate();
        }),
      );
    } finally {
      clearInterval(keepAlive);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.bootstrap, { eval: true });
    const slot: Slot = { worker, ready: false, inflight: [], timer: null };
    worker.unref();
    worker.on("message", (message: { ready?: boolean; id?: number; result?: GradeResult }) => {
      if (message.ready) {
        slot.ready = true;
        this.startFailures = 0;
      } else if (message.result && slot.inflight[0]?.id === message.id) {
        this.finishHead(slot, message.result);
      }
      this.pump();
    });
    worker.on("error", (error) => this.crashed(slot, `grading worker failed: ${error.message}`));
    worker.on("exit", () => {
      if (!this.closed && this.slots.includes(slot)) this.crashed(slot, "grading worker exited");
    });
    return slot;
  }

  /** A worker died. One that never started counts toward giving up, so a broken setup cannot loop. */
  private crashed(slot: Slot, reason: string): void {
    if (!slot.ready && ++this.startFailures >= MAX_START_FAILURES) {
      this.broken = reason;
      for (const task of this.queue.splice(0)) task.resolve(failure("error", reason));
    }
    this.replace(slot, failure("error", reason));
  }

  /** The running task finished: resolve it and start the next one's clock. */
  private finishHead(slot: Slot, result: GradeResult): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.inflight.shift()?.resolve(result);
    this.startClock(slot);
    this.updateRef();
  }

  private startClock(slot: Slot): void {
    const head = slot.inflight[0];
    if (!head) return;
    slot.timer = setTimeout(
      () => this.replace(slot, failure("timeout", `grading took longer than ${head.timeoutMs} ms`)),
      head.timeoutMs,
    );
  }

  /**
   * Ends a worker (timed out or broken): its running task gets `result`, the tasks queued behind it go
   * back to the front of the queue, and a fresh worker takes its place.
   */
  private replace(slot: Slot, result: GradeResult): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const [head, ...behind] = slot.inflight.splice(0);
    head?.resolve(result);
    if (this.broken !== null) for (const task of behind) task.resolve(failure("error", this.broken));
    else this.queue.unshift(...behind);
    this.slots.splice(index, 1);
    void slot.worker.terminate();
    if (!this.closed && this.broken === null) {
      this.slots.splice(index, 0, this.spawn());
      this.pump();
    }
    this.updateRef();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready) continue;
      while (this.queue.length > 0 && slot.inflight.length < PIPELINE_DEPTH) {
        const task = this.queue.shift()!;
        slot.inflight.push(task);
        slot.worker.postMessage(task.message);
        if (slot.inflight.length === 1) this.startClock(slot);
      }
    }
    this.updateRef();
  }

  /** Workers keep the process alive only while there is work, so a forgotten pool never hangs it. */
  private updateRef(): void {
    const busy = this.queue.length > 0 || this.slots.some((s) => s.inflight.length > 0);
    for (const slot of this.slots) {
      if (busy) slot.worker.ref();
      else slot.worker.unref();
    }
  }
}
