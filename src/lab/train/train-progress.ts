/**
 * Training progress on stderr, like the eval's: a one-line bar on a TTY (share done, step, the
 * stage's numbers, steps/s and an ETA from the measured step rate), plain lines elsewhere (a CI log,
 * `2> file`): the first report, then every 10% of the run or every `lineEveryMs` of training,
 * whichever comes first, and the last. Nothing with `none`.
 */
import cliProgress from "cli-progress";
import type { ProgressMode } from "../../eval/progress.ts";
import { type EtaEstimate, formatDuration, StepEta, type StepProgress } from "./step-eta.ts";

export interface TrainProgressUpdate extends StepProgress {
  /** The stage's own numbers, already formatted: `[["loss", "1.234"], ["acc", "87%"]]`. */
  fields?: Array<[string, string]>;
}

export interface TrainProgress {
  update(progress: TrainProgressUpdate): void;
  stop(): void;
}

export interface TrainProgressOptions {
  /** `sft`, `grpo`, `verifier`: the first word of every line. */
  label: string;
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Lines mode: the most training time between two lines, ms. Default 30 000. */
  lineEveryMs?: number;
}

/** Thousandths: the bar's resolution. */
const BAR_TOTAL = 1000;

/** `step 120/600 | loss 1.234 | 4.2 steps/s | ETA 1m54s (last step)`. */
export function progressLine(progress: TrainProgressUpdate, eta: EtaEstimate): string {
  // A loop without a real step limit (1e6 by default) shows no "/1000000".
  const steps = eta.limit === "steps" || progress.maxSteps < 1e6 ? `/${progress.maxSteps}` : "";
  return [
    `step ${progress.step}${steps}`,
    ...(progress.fields ?? []).map(([k, v]) => `${k} ${v}`),
    ...(eta.stepsPerSecond === undefined ? [] : [`${formatRate(eta.stepsPerSecond)} steps/s`]),
    `ETA ${formatDuration(eta.etaMs)} (${eta.limit === "steps" ? "last step" : "time budget"})`,
  ].join(" | ");
}

function formatRate(rate: number): string {
  return rate >= 10 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(2);
}

export function createTrainProgress(mode: ProgressMode, options: TrainProgressOptions): TrainProgress {
  const { label, stream = process.stderr, lineEveryMs = 30_000 } = options;
  const resolved = mode === "auto" ? (stream.isTTY ? "bar" : "lines") : mode;
  const eta = new StepEta();
  switch (resolved) {
    case "none":
      return { update() {}, stop() {} };
    case "bar": {
      // cli-progress draws and throttles the line; its own ETA (from the bar's value over its last
      // few updates) is not used: the bar's value is the share of the run, not steps.
      const bar = new cliProgress.SingleBar(
        { stream, format: `${label} [{bar}] {percentage}% | {line}`, hideCursor: true, fps: 10 },
        cliProgress.Presets.shades_classic,
      );
      let begun = false;
      return {
        update(progress) {
          const estimate = eta.observe(progress);
          const value = Math.round(BAR_TOTAL * estimate.fraction);
          const payload = { line: progressLine(progress, estimate) };
          if (!begun) bar.start(BAR_TOTAL, value, payload);
          else bar.update(value, payload);
          begun = true;
        },
        stop() {
          if (begun) bar.stop();
          begun = false;
        },
      };
    }
    case "lines": {
      let printedAt: number | undefined;
      let printedTenth = -1;
      let pending: string | undefined;
      return {
        update(progress) {
          const estimate = eta.observe(progress);
          const line = `${label} ${Math.floor(100 * estimate.fraction)}% | ${progressLine(progress, estimate)}`;
          const tenth = Math.floor(10 * estimate.fraction);
          if (
            printedAt === undefined ||
            tenth > printedTenth ||
            progress.elapsedMs - printedAt >= lineEveryMs
          ) {
            stream.write(`${line}\n`);
            printedAt = progress.elapsedMs;
            printedTenth = tenth;
            pending = undefined;
          } else pending = line;
        },
        stop() {
          if (pending) stream.write(`${pending}\n`);
          pending = undefined;
        },
      };
    }
    default:
      return resolved satisfies never;
  }
}
