/**
 * Run progress: a cli-progress bar on a TTY (items, ETA, items/s, tokens/s, running accuracy, and
 * items per worker for distributed runs), plain lines otherwise (every 10% or 10 s), nothing when quiet.
 */
import cliProgress from "cli-progress";

export type ProgressMode = "auto" | "bar" | "lines" | "none";

export interface ProgressUpdate {
  done: number;
  total: number;
  correct: number;
  graded: number;
  errors: number;
  tokens: number;
  /** Items finished by each worker this run (distributed runs; shown when given). */
  workers?: Record<string, number>;
}

export interface Progress {
  update(state: ProgressUpdate): void;
  stop(): void;
}

/** Lines at most this often, so a CI log stays readable. */
const lineEveryMs = 10_000;

export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): Progress {
  const resolved = mode === "auto" ? (stream.isTTY ? "bar" : "lines") : mode;
  const started = Date.now();
  // Items found done before the run started are not part of its rate.
  let doneAtStart: number | undefined;
  const rates = (state: ProgressUpdate) => {
    const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
    doneAtStart ??= state.done;
    return {
      ips: ((state.done - doneAtStart) / seconds).toFixed(1),
      tps: Math.round(state.tokens / seconds),
      acc: state.graded ? ((100 * state.correct) / state.graded).toFixed(1) : "-",
      workers:
        state.workers && Object.keys(state.workers).length > 0
          ? ` | workers ${Object.entries(state.workers)
              .map(([id, n]) => `${id} ${n}`)
              .join(", ")}`
          : "",
    };
  };
  switch (resolved) {
    case "none":
      return { update() {}, stop() {} };
    case "bar": {
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format:
            "eval [{bar}] {value}/{total} | ETA {eta_formatted} | {ips} items/s | {tps} tok/s | acc {acc}% | errors {errors}{workers}",
          hideCursor: true,
          etaBuffer: 50,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      let begun = false;
      return {
        update(state) {
          const payload = { ...rates(state), errors: state.errors };
          if (!begun) {
            bar.start(state.total, state.done, payload);
            begun = true;
          } else bar.update(state.done, payload);
        },
        stop() {
          if (begun) bar.stop();
        },
      };
    }
    case "lines": {
      let lastAt = 0;
      let lastTenth = -1;
      let last: ProgressUpdate | undefined;
      const print = (state: ProgressUpdate) => {
        const { ips, tps, acc, workers } = rates(state);
        stream.write(
          `eval ${state.done}/${state.total} | ${ips} items/s | ${tps} tok/s | acc ${acc}% | errors ${state.errors}${workers}\n`,
        );
      };
      return {
        update(state) {
          last = state;
          const tenth = state.total ? Math.floor((10 * state.done) / state.total) : 10;
          if (tenth > lastTenth || Date.now() - lastAt >= lineEveryMs) {
            lastTenth = tenth;
            lastAt = Date.now();
            print(state);
          }
        },
        stop() {
          if (last && lastAt !== 0 && last.done !== last.total) print(last);
        },
      };
    }
    default:
      return resolved satisfies never;
  }
}
