/**
 * `deliberate train`: trains a tiny llama model on a synthetic task or a data file (the lab) and
 * exports it as GGUF. A thin shell over `runStage` and `runRecipe` (src/lab/train/recipe.ts): flags
 * in, progress on stderr (a bar with an ETA on a TTY, periodic lines elsewhere), a summary per stage.
 */
import { basename, extname, resolve } from "node:path";
import { Command, Option } from "commander";
import { DeliberateError } from "../../errors.ts";
import type { ProgressMode } from "../../eval/progress.ts";
import { type PresetName, presets } from "../../lab/model/config.ts";
import { writeReport } from "../../lab/report/write-report.ts";
import type { DpoResult } from "../../lab/train/dpo.ts";
import type { GrpoResult } from "../../lab/train/grpo.ts";
import type { PrmResult, PrmSamplingProgress } from "../../lab/train/prm.ts";
import {
  runRecipe,
  runStage,
  type StageHooks,
  type StageProgress,
  type StageResult,
} from "../../lab/train/recipe.ts";
import type { SftResult } from "../../lab/train/sft.ts";
import { createTrainProgress, type TrainProgress } from "../../lab/train/train-progress.ts";
import type { VerifierResult } from "../../lab/train/verifier.ts";
import { syntheticNames } from "../../tasks/index.ts";
import type { SyntheticName } from "../../tasks/types.ts";
import { integer, number } from "../parse-number.ts";

interface TrainFlags {
  task?: SyntheticName;
  preset: PresetName;
  stage: "sft" | "grpo" | "verifier" | "dpo" | "prm" | "all";
  data?: string;
  validSize?: number;
  beta: number;
  nllWeight: number;
  contextLength?: number;
  problems?: number;
  verifierSamples: number;
  rollouts: number;
  prmSamples: number;
  prmSamplesFrom?: string[];
  prmEvalSamples?: number;
  prmLabels: "soft" | "hard";
  heldOutProblems?: number;
  policy?: string;
  verifier?: string;
  fromScratch?: boolean;
  init?: string;
  groupSize: number;
  minutes: number;
  out?: string;
  difficulty: number;
  fromDifficulty?: number;
  maxSteps?: number;
  threads: number;
  batchSize?: number;
  lr?: number;
  targetAccuracy: number;
  evalEvery: number;
  samples: number;
  seed: number;
  resume: boolean;
  json?: boolean;
  progress: ProgressMode;
}

export function trainCommand(): Command {
  return (
    new Command("train")
      .description("Train a tiny llama model on a synthetic task or a data file and export it as GGUF.")
      // Not commander-mandatory: that check would also run before `train report DIR`.
      .addOption(
        new Option(
          "--task <name>",
          "synthetic task (required without --data; with it, sft adds the task's alphabet and dpo validates on its problems)",
        ).choices(syntheticNames),
      )
      .addOption(new Option("--preset <size>", "model size").choices(Object.keys(presets)).default("tiny"))
      .addOption(
        new Option(
          "--stage <stage>",
          "sft (from scratch, or from --init), grpo from an SFT checkpoint, verifier: an outcome verifier on the checkpoint's samples, dpo: preference pairs (--data) from an SFT checkpoint, prm: a process reward model on Monte-Carlo step labels of the policy's samples, or all of sft, verifier and grpo (OUT/sft, OUT/verifier, OUT/grpo)",
        )
          .choices(["sft", "grpo", "verifier", "dpo", "prm", "all"])
          .default("sft"),
      )
      .option(
        "--data <file>",
        "sft: a JSONL file of question/answer/solution rows to train on (no solution: train on `#### ANSWER`); dpo: question/answer/chosen/rejected pairs",
      )
      .option(
        "--valid-size <n>",
        "sft, dpo: problems held out for validation (a task's: default 200; --data: questions of the file, default 5%, at most 100)",
        integer(1),
      )
      .option("--beta <b>", "dpo: β, how closely the policy stays to the reference", number(1e-6), 0.1)
      .option(
        "--nll-weight <a>",
        "dpo: weight of the chosen responses' mean negative log-likelihood added to the DPO loss (RPO, Pang et al. 2024); 0 = pure DPO",
        number(0),
        0,
      )
      .option(
        "--context-length <tokens>",
        "sft from scratch: the model's context (default: the preset's)",
        integer(8),
      )
      .option(
        "--init <checkpoint>",
        "grpo, verifier, dpo, prm: the SFT checkpoint to start from (default: the sft run's --out; prm also takes a run folder or builtin:NAME); sft: continue training this checkpoint",
      )
      .option("--group-size <n>", "grpo: completions per problem", integer(2), 8)
      .option(
        "--problems <n>",
        "verifier, prm: training problems sampled (default 300 for verifier, 200 for prm)",
        integer(1),
      )
      .option(
        "--max-steps <n>",
        "optimiser steps at most (the run also stops at --minutes or the target); verifier: its learning rate decays over them (default 600)",
        integer(1),
      )
      .option("--verifier-samples <k>", "verifier: samples per problem", integer(1), 8)
      .option("--from-scratch", "verifier: fresh weights instead of the generator's")
      .option(
        "--rollouts <k>",
        "prm: completions from each step prefix; a prefix's label is the share that ends right (Math-Shepherd)",
        integer(1),
        8,
      )
      .option("--prm-samples <n>", "prm: solutions the policy writes per problem", integer(1), 4)
      .option(
        "--prm-samples-from <file>",
        "prm: train on another PRM run's labelled samples (its prm-samples.jsonl or folder) instead of sampling; repeat to join several runs'",
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .addOption(
        new Option(
          "--prm-labels <kind>",
          "prm: train the verdict towards the Monte-Carlo value (soft) or towards value > 0, Math-Shepherd's hard estimate (hard)",
        )
          .choices(["soft", "hard"])
          .default("soft"),
      )
      .option(
        "--prm-eval-samples <n>",
        "prm: held-out (and training) solutions each periodic evaluation scores (default 16; the final one scores all)",
        integer(1),
      )
      .option(
        "--held-out-problems <n>",
        "prm: held-out (validation-split) problems sampled (default 50)",
        integer(1),
      )
      .option(
        "--policy <model>",
        "prm: the policy whose solutions are labelled: a checkpoint, run folder or builtin:NAME (default: --init)",
      )
      .option(
        "--verifier <model>",
        "prm: an outcome verifier (checkpoint, run folder or builtin:NAME) scored on the same held-out solutions, for its AUC beside the PRM's",
      )
      .option("--minutes <n>", "time budget in minutes, summed over resumed runs", number(0.01), 5)
      .option("--out <dir>", "output folder (default ./runs/lab-TASK-PRESET)")
      .option("--difficulty <n>", "task difficulty (validation is at this level)", integer(1), 1)
      .option(
        "--from-difficulty <n>",
        "sft: train on every level from N up to --difficulty; grpo: draw prompts from those levels only",
        integer(1),
      )
      .option("--threads <n>", "matmul threads", integer(1), 2)
      .option(
        "--batch-size <n>",
        "sequences per step (default 16; dpo: pairs per step, default 8)",
        integer(1),
      )
      .option(
        "--lr <rate>",
        "peak learning rate (default 3e-3 for sft and verifier, 3e-4 for grpo, 1e-4 for dpo)",
        number(1e-7, 1),
      )
      .option(
        "--target-accuracy <p>",
        "stop when greedy validation accuracy reaches p",
        number(0, 1.01),
        0.95,
      )
      .option("--eval-every <steps>", "steps between validations", integer(1), 100)
      .option("--samples <k>", "after training, also report maj@k with k samples (0 = skip)", integer(0), 0)
      .option("--seed <n>", "seed for data, weights and batches", integer(0), 1)
      .option("--no-resume", "start over even if the output folder has a checkpoint")
      .option("--json", "print the result as JSON")
      .addOption(
        new Option(
          "--progress <mode>",
          "progress on stderr: auto (a bar with ETA on a terminal, a line every 10% or 30 s otherwise), bar, lines or none",
        )
          .choices(["auto", "bar", "lines", "none"])
          .default("auto"),
      )
      .addCommand(reportSubcommand())
      .action(async (flags: TrainFlags) => {
        checkDataFlags(flags);
        // prm from `--init builtin:NAME` (or a checkpoint) needs no --task: the model's options name it.
        const named =
          flags.task ?? (flags.data === undefined ? "prm" : basename(flags.data, extname(flags.data)));
        const sftDir = `runs/lab-${named}-${flags.preset}`;
        if (flags.stage === "dpo" && flags.init === undefined && flags.task === undefined) {
          throw new DeliberateError(
            "BAD_REQUEST",
            "--stage dpo needs --init, the SFT checkpoint to start from (or --task for that task's default run)",
            { param: "init" },
          );
        }
        const init = resolve(flags.init ?? `runs/lab-${flags.task}-${flags.preset}/checkpoint.bin`);
        const outDir = (fallback: string) => resolve(flags.out ?? fallback);
        await withStageHooks(flags, (hooks) => {
          switch (flags.stage) {
            case "sft": {
              const options = {
                ...sftOptions(flags),
                ...(flags.init === undefined ? {} : { init }),
                outDir: outDir(sftDir),
              };
              return runStage({ stage: "sft", options }, hooks);
            }
            case "dpo": {
              const options = { ...dpoOptions(flags), init, outDir: outDir(`${sftDir}-dpo`) };
              return runStage({ stage: "dpo", options }, hooks);
            }
            case "verifier": {
              const options = { ...verifierOptions(flags), init, outDir: outDir(`${sftDir}-verifier`) };
              return runStage({ stage: "verifier", options }, hooks);
            }
            case "grpo": {
              const options = { ...grpoOptions(flags), init, outDir: outDir(`${sftDir}-grpo`) };
              return runStage({ stage: "grpo", options }, hooks);
            }
            case "prm": {
              const options = {
                ...prmOptions(flags),
                init: flags.init === undefined ? init : modelSpec(flags.init),
                outDir: outDir(flags.task === undefined ? "runs/prm" : `${sftDir}-prm`),
              };
              return runStage({ stage: "prm", options }, hooks);
            }
            case "all":
              return runRecipe({
                outDir: outDir(sftDir),
                sft: sftOptions(flags),
                verifier: verifierOptions(flags),
                grpo: grpoOptions(flags),
                ...hooks,
              });
            default:
              return flags.stage satisfies never;
          }
        });
      })
  );
}

/**
 * `--task` is required unless `--data` is given, which only sft and dpo read (dpo needs it), or a prm
 * run names its `--init`.
 */
function checkDataFlags(flags: TrainFlags): void {
  const dataStage = flags.stage === "sft" || flags.stage === "dpo";
  if (flags.data !== undefined && !dataStage) {
    throw new DeliberateError("BAD_REQUEST", `--data works with --stage sft or dpo, not ${flags.stage}`, {
      param: "data",
    });
  }
  if (flags.stage === "dpo" && flags.data === undefined) {
    throw new DeliberateError("BAD_REQUEST", "--stage dpo needs --data, a JSONL file of preference pairs", {
      param: "data",
    });
  }
  const namesItsModel = flags.stage === "prm" && flags.init !== undefined;
  if (flags.task === undefined && flags.data === undefined && !namesItsModel) {
    throw new DeliberateError("BAD_REQUEST", "required option '--task <name>' not specified", {
      param: "task",
    });
  }
}

function sftOptions(flags: TrainFlags) {
  return {
    task: flags.task,
    data: flags.data === undefined ? undefined : resolve(flags.data),
    validSize: flags.validSize,
    preset: flags.preset,
    ...(flags.contextLength === undefined ? {} : { model: { contextLength: flags.contextLength } }),
    difficulty: flags.difficulty,
    fromDifficulty: flags.fromDifficulty,
    minutes: flags.minutes,
    maxSteps: flags.maxSteps,
    threads: flags.threads,
    batchSize: flags.batchSize,
    maxLr: flags.lr,
    targetAccuracy: flags.targetAccuracy,
    evalEvery: flags.evalEvery,
    finalSamples: flags.samples,
    seed: flags.seed,
    resume: flags.resume,
  };
}

function verifierOptions(flags: TrainFlags) {
  return {
    problems: flags.problems,
    samplesPerProblem: flags.verifierSamples,
    fromScratch: flags.fromScratch,
    minutes: flags.minutes,
    maxSteps: flags.maxSteps,
    batchSize: flags.batchSize,
    lr: flags.lr,
    evalEvery: flags.evalEvery,
    threads: flags.threads,
    seed: flags.seed,
  };
}

function dpoOptions(flags: TrainFlags) {
  return {
    data: resolve(flags.data!),
    beta: flags.beta,
    nllWeight: flags.nllWeight,
    validSize: flags.validSize,
    task: flags.task,
    difficulty: flags.difficulty,
    minutes: flags.minutes,
    maxSteps: flags.maxSteps,
    batchSize: flags.batchSize,
    lr: flags.lr,
    evalEvery: flags.evalEvery,
    threads: flags.threads,
    seed: flags.seed,
    resume: flags.resume,
  };
}

function prmOptions(flags: TrainFlags) {
  // Sampling comes first and can take many minutes: a line every tenth of the problems.
  let printedTenth = -1;
  const onSampling = ({ done, total, elapsedMs }: PrmSamplingProgress) => {
    const tenth = Math.floor((10 * done) / total);
    if (tenth === printedTenth && done < total) return;
    printedTenth = tenth;
    process.stderr.write(
      `prm: sampled and labelled ${done}/${total} problems (${Math.round(elapsedMs / 1000)} s)\n`,
    );
  };
  return {
    policy: flags.policy === undefined ? undefined : modelSpec(flags.policy),
    verifier: flags.verifier === undefined ? undefined : modelSpec(flags.verifier),
    problems: flags.problems,
    heldOutProblems: flags.heldOutProblems,
    samplesPerProblem: flags.prmSamples,
    rollouts: flags.rollouts,
    samplesFrom: flags.prmSamplesFrom,
    evalSamples: flags.prmEvalSamples,
    labels: flags.prmLabels,
    minutes: flags.minutes,
    maxSteps: flags.maxSteps,
    batchSize: flags.batchSize,
    lr: flags.lr,
    evalEvery: flags.evalEvery,
    threads: flags.threads,
    seed: flags.seed,
    resume: flags.resume,
    ...(flags.progress === "none" ? {} : { onSampling }),
  };
}

/** A model option: `builtin:NAME` as given, a path resolved against the working directory. */
function modelSpec(spec: string): string {
  return spec.startsWith("builtin:") ? spec : resolve(spec);
}

function grpoOptions(flags: TrainFlags) {
  return {
    minutes: flags.minutes,
    maxSteps: flags.maxSteps,
    groupSize: flags.groupSize,
    lr: flags.lr,
    fromDifficulty: flags.fromDifficulty,
    evalEvery: flags.evalEvery,
    threads: flags.threads,
    seed: flags.seed,
    resume: flags.resume,
  };
}

/**
 * The hooks every stage runs with. Ctrl-C stops the running stage after its current step (it still
 * saves its checkpoint and GGUF, and `--stage all` skips the stages after it); a second Ctrl-C exits
 * at once. Each stage's progress goes to stderr under its name, its summary to stdout when it ends.
 */
async function withStageHooks(
  flags: TrainFlags,
  run: (hooks: StageHooks) => Promise<unknown>,
): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  let progress: TrainProgress | undefined;
  try {
    await run({
      signal: controller.signal,
      onStageStart: (spec) => {
        if (spec.stage === "verifier" && flags.progress !== "none") {
          // Sampling the training data comes first and reports nothing until it is done.
          process.stderr.write(
            `verifier: sampling ${flags.verifierSamples} answers to each of ${flags.problems ?? 300} problems from ${spec.options.init}…\n`,
          );
        }
        if (spec.stage === "prm" && flags.progress !== "none") {
          process.stderr.write(
            flags.prmSamplesFrom
              ? `prm: training on the labelled samples of ${flags.prmSamplesFrom.join(", ")}…\n`
              : `prm: ${flags.prmSamples} solutions to each problem and ${flags.rollouts} rollouts from each of their step prefixes, by ${spec.options.policy ?? spec.options.init}…\n`,
          );
        }
        progress = createTrainProgress(flags.progress, { label: spec.stage });
      },
      onProgress: (event) => progress?.update({ ...event.progress, fields: progressFields(event) }),
      onStageEnd: (done) => {
        progress?.stop();
        process.stdout.write(flags.json ? `${JSON.stringify(done.result, null, 2)}\n` : summary(done, flags));
      },
    });
  } finally {
    progress?.stop();
    process.off("SIGINT", onSigint);
  }
}

/** The stage's own numbers on the progress line. */
function progressFields(event: StageProgress): Array<[string, string]> {
  const accuracy: [string, string] = [
    "acc",
    percentOrDash("accuracy" in event.progress ? event.progress.accuracy : undefined),
  ];
  switch (event.stage) {
    case "sft": {
      const p = event.progress;
      return [["loss", p.loss.toFixed(3)], ["tok/s", String(Math.round(p.tokensPerSecond))], accuracy];
    }
    case "verifier":
      return [["loss", event.progress.loss.toFixed(3)], accuracy];
    case "grpo":
      return [["reward", event.progress.meanReward.toFixed(2)], accuracy];
    case "dpo":
      return [
        ["loss", event.progress.loss.toFixed(3)],
        ["margin", event.progress.margin.toFixed(3)],
        accuracy,
      ];
    case "prm": {
      const auc = event.progress.stepAuc;
      return [
        ["loss", event.progress.loss.toFixed(3)],
        ["step AUC", auc === undefined || Number.isNaN(auc) ? "-" : auc.toFixed(3)],
      ];
    }
    default:
      return event satisfies never;
  }
}

function summary(done: StageResult, flags: TrainFlags): string {
  const lines = stageSummary(done, flags);
  return `${lines.join("\n")}\n`;
}

function stageSummary(done: StageResult, flags: TrainFlags): string[] {
  switch (done.stage) {
    case "sft":
      return sftSummary(done.result, flags);
    case "grpo":
      return grpoSummary(done.result);
    case "verifier":
      return verifierSummary(done.result);
    case "dpo":
      return dpoSummary(done.result);
    case "prm":
      return prmSummary(done.result);
    default:
      return done satisfies never;
  }
}

function sftSummary(result: SftResult, flags: TrainFlags): string[] {
  const lines = [
    `stopped: ${result.stopReason} after ${result.steps} steps (${(result.elapsedMs / 60_000).toFixed(1)} min, ${Math.round(result.tokensPerSecond)} tokens/s)`,
    `model: ${result.parameters} parameters, loss ${result.finalLoss.toFixed(3)}, best greedy accuracy ${(100 * result.bestAccuracy).toFixed(1)}%`,
  ];
  if (result.finalEval?.majority !== undefined) {
    const e = result.finalEval;
    lines.push(
      `final: greedy ${(100 * e.greedy).toFixed(1)}%, maj@${flags.samples} ${(100 * e.majority!).toFixed(1)}% on ${e.problems} problems`,
    );
  }
  lines.push(`checkpoint: ${result.checkpointPath}`, `log: ${result.logPath}`);
  if (result.ggufPath) {
    // The model takes raw prompts: the question, a newline, and it writes the trace and `#### ANSWER`.
    lines.push(
      `gguf: ${result.ggufPath}`,
      `try: deliberate generate --raw -t 0 -m ${result.ggufPath} $'QUESTION\\n'`,
    );
  }
  return lines;
}

function grpoSummary(result: GrpoResult): string[] {
  const accuracy = result.lastEval ? `${(100 * result.lastEval.greedy).toFixed(1)}%` : "not evaluated";
  return [
    `stopped: ${result.stopReason} after ${result.steps} GRPO steps (${(result.elapsedMs / 60_000).toFixed(1)} min)`,
    `greedy accuracy: ${(100 * result.initialAccuracy).toFixed(1)}% (SFT) → ${accuracy}; recent reward ${result.recentReward.toFixed(2)}`,
    `checkpoint: ${result.checkpointPath}`,
    `log: ${result.logPath}`,
    ...(result.ggufPath ? [`gguf: ${result.ggufPath}`] : []),
  ];
}

function dpoSummary(result: DpoResult): string[] {
  const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
  const before = result.initialEval;
  const after = result.lastEval;
  const arrow = (from: string, to: string | undefined) => (to === undefined ? from : `${from} → ${to}`);
  return [
    `stopped: ${result.stopReason} after ${result.steps} DPO steps on ${result.trainPairs} pairs (${(result.elapsedMs / 60_000).toFixed(1)} min), loss ${result.finalLoss.toFixed(3)}`,
    `held-out pairs (${before.pairs}): preference ${arrow(pct(before.validPreference), after && pct(after.validPreference))}, margin ${arrow(before.validMargin.toFixed(3), after?.validMargin.toFixed(3))}, loss ${arrow(before.validLoss.toFixed(3), after?.validLoss.toFixed(3))}`,
    `greedy accuracy: ${arrow(`${pct(before.greedy)} (start)`, after && pct(after.greedy))} on ${before.problems} problems`,
    `checkpoint: ${result.checkpointPath}`,
    `log: ${result.logPath}`,
    ...(result.ggufPath ? [`gguf: ${result.ggufPath}`] : []),
  ];
}

function prmSummary(result: PrmResult): string[] {
  const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
  const auc = (value: number) => (Number.isNaN(value) ? "n/a (one class only)" : value.toFixed(3));
  const { heldOut: h, selection: s, verifier: v } = result;
  const lines = [
    `stopped: ${result.stopReason} after ${result.steps} steps on ${result.trainPrefixes} step prefixes of ${result.trainSamples} solutions (${(result.elapsedMs / 60_000).toFixed(1)} min training${result.samplingMs > 0 ? `, ${(result.samplingMs / 60_000).toFixed(1)} min sampling` : ""}), loss ${result.firstLoss.toFixed(3)} → ${result.finalLoss.toFixed(3)}`,
    `held-out steps: ${h.prefixes} prefixes, ${pct(h.alivePrefixes)} with value > 0 and ${pct(h.goodPrefixes)} > 0.5; step-level AUC ${auc(h.stepAucHard)} against value > 0 (Math-Shepherd's hard label), ${auc(h.stepAuc)} against > 0.5`,
    `held-out solutions: ${h.solutions}, ${pct(h.correctSolutions)} right; outcome AUC min ${auc(h.outcomeAuc.min)}, last ${auc(h.outcomeAuc.last)}${v ? `; outcome verifier (${v.verifier}) AUC ${auc(v.auc)}` : ""}`,
    `selection on ${s.min.problems} problems × ${s.min.k}: majority ${pct(s.min.majority)}, PRM-weighted best-of-n min ${pct(s.min.weighted)} / last ${pct(s.last.weighted)}, PRM best-of-n min ${pct(s.min.bestOfN)} / last ${pct(s.last.bestOfN)}${v ? `, verifier-weighted ${pct(v.selection.weighted)}` : ""}, pass@${s.min.k} ${pct(s.min.passAtK)}`,
    `checkpoint: ${result.checkpointPath}`,
    `log: ${result.logPath}`,
    `samples: ${result.samplesPath}`,
  ];
  if (result.ggufPath) {
    lines.push(`gguf: ${result.ggufPath} (the \`prm\` step scorer with this model as the verifier backend)`);
  }
  return lines;
}

function verifierSummary(result: VerifierResult): string[] {
  const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
  const { heldOut: h, selection: s } = result;
  return [
    `stopped: ${result.stopReason} after ${result.steps} steps on ${result.trainSamples} labelled samples (${(result.elapsedMs / 60_000).toFixed(1)} min), loss ${result.firstLoss.toFixed(3)} → ${result.finalLoss.toFixed(3)}`,
    `held-out: ${h.samples} samples, ${pct(h.positives)} correct; verifier accuracy ${pct(h.accuracy)}, AUC ${h.auc.toFixed(3)}`,
    `selection on ${s.problems} problems × ${s.k}: majority ${pct(s.majority)}, weighted best-of-n ${pct(s.weighted)} (by P(yes): ${pct(s.weightedByProbability ?? Number.NaN)}), best-of-n ${pct(s.bestOfN)}, pass@${s.k} ${pct(s.passAtK)}`,
    `checkpoint: ${result.checkpointPath}`,
    `log: ${result.logPath}`,
    `samples: ${result.samplesPath}`,
    ...(result.ggufPath
      ? [
          `gguf: ${result.ggufPath} (use as the verifier of best-of-n / weighted-best-of-n with the reward model)`,
        ]
      : []),
  ];
}

/** `train report DIR`: the run's curves as DIR/report.html. */
function reportSubcommand(): Command {
  return new Command("report")
    .description(
      "Write DIR/report.html: loss, learning rate, accuracy and GRPO or DPO curves from DIR/log.jsonl.",
    )
    .argument("<dir>", "a training run's output folder")
    .action(async (dir: string) => {
      const result = await writeReport(resolve(dir));
      process.stdout.write(`${result.path} (${result.charts.length} charts: ${result.charts.join(", ")})\n`);
    });
}

/** `0.873` → `87%`, undefined (not validated yet) → `-`. */
function percentOrDash(share: number | undefined): string {
  return share === undefined ? "-" : `${(100 * share).toFixed(0)}%`;
}
