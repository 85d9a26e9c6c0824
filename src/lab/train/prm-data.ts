/**
 * The PRM stage's data: the policy's labelled solutions (prm-labels.ts) for training and held-out
 * problems, sampled once and written to prm-samples.jsonl, or read back when the run resumes — after
 * checking that the checkpoint's run drew them with the same options from the same file.
 */
import { join } from "node:path";
import { DeliberateError } from "../../errors.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import type { TaskData, TaskExample } from "../tasks/task-data.ts";
import type { MatmulPool } from "../tensor/matmul-pool.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { labelProblems } from "./prm-labels.ts";
import { samplingPolicy } from "./prm-policy.ts";
import { type PrmSampleSets, readPrmSamples, writePrmSamples } from "./prm-samples-file.ts";
import { shuffled } from "./verifier-samples.ts";

/** What the samples depend on, kept in the checkpoint's options: a resume must match every field. */
export interface PrmSampling {
  /** The init model (`builtin:NAME` or the checkpoint file). */
  init: string;
  /** The policy, the same forms. */
  policy: string;
  problems: number;
  heldOutProblems: number;
  samplesPerProblem: number;
  rollouts: number;
  temperature: number;
  seed: number;
  /** Samples read from these files instead of drawn (the other fields then say nothing of them). */
  samplesFrom?: string[];
}

export interface PrmDataOptions {
  sampling: PrmSampling;
  /** The run's folder: prm-samples.jsonl is there. */
  outDir: string;
  /** The checkpoint being resumed: its samples are read back instead of drawn. */
  resumed?: Checkpoint;
  /** The policy's shape and weights. */
  policy: Checkpoint;
  /** The task data (from the init model's SFT options) and its top trained level. */
  data: TaskData;
  difficulty: number;
  pool: MatmulPool;
  /** After each problem sampled: problems done, of how many, ms since sampling began. */
  onProblem?: (done: number, total: number, elapsedMs: number) => void;
}

export interface PrmData extends PrmSampleSets {
  samplesPath: string;
  /** Of prm-samples.jsonl, for the checkpoint. */
  fingerprint: string;
  /** Sampling time; 0 when read back. */
  samplingMs: number;
}

export async function prmData(options: PrmDataOptions): Promise<PrmData> {
  const { sampling, outDir, resumed, data, pool } = options;
  const samplesPath = join(outDir, "prm-samples.jsonl");
  if (resumed) {
    const saved = resumed.header.options;
    const changed = Object.entries(sampling).find(
      ([key, value]) => JSON.stringify(saved[key]) !== JSON.stringify(value),
    );
    if (changed) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${outDir}/checkpoint.bin sampled its data with \`${changed[0]}\` ${JSON.stringify(saved[changed[0]])}, not ${JSON.stringify(changed[1])}; use another --out or delete it`,
        { param: changed[0] },
      );
    }
    const read = await readPrmSamples(samplesPath);
    if (read.fingerprint !== saved.samplesFingerprint) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${samplesPath} changed since ${outDir}/checkpoint.bin was trained on it; use another --out or delete both`,
        { param: "outDir" },
      );
    }
    return { ...read, samplesPath, samplingMs: 0 };
  }
  if (sampling.samplesFrom !== undefined) {
    const joined: PrmSampleSets = { train: [], heldOut: [] };
    for (const path of sampling.samplesFrom) {
      const read = await readPrmSamples(path);
      // Questions only: a policy sampling at temperature 1 writes the odd byte token into its steps.
      const uncovered = data.tokenizer.uncovered([...read.train, ...read.heldOut].map((s) => s.question));
      if (uncovered.length > 0) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `${path} has questions with characters the init model cannot read (${JSON.stringify(uncovered.slice(0, 5).join(""))}); its samples come from another task`,
          { param: "samplesFrom" },
        );
      }
      joined.train.push(...read.train);
      joined.heldOut.push(...read.heldOut);
    }
    if (joined.train.length === 0 || joined.heldOut.length === 0) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${sampling.samplesFrom.join(", ")}: the PRM needs both training and held-out samples (found ${joined.train.length} and ${joined.heldOut.length})`,
        { param: "samplesFrom" },
      );
    }
    const fingerprint = await writePrmSamples(samplesPath, joined);
    return { ...joined, samplesPath, fingerprint, samplingMs: 0 };
  }
  const started = performance.now();
  const generator = new LlamaModel(options.policy.header.config, { pool });
  generator.params.set(options.policy.params);
  const random = new Random(sampling.seed * 2_750_159 + 17);
  const sampler = samplingPolicy(generator, data.tokenizer, { temperature: sampling.temperature, random });
  // Judging steps matters where the policy errs: the top two levels it trained on.
  const hard = data.train.filter((example) => example.item.difficulty >= options.difficulty - 1);
  const picked = shuffled(hard, random).slice(0, sampling.problems);
  const held = data.valid.slice(0, sampling.heldOutProblems);
  const total = picked.length + held.length;
  const label = (examples: TaskExample[], before: number) =>
    labelProblems(sampler, examples, {
      samplesPerProblem: sampling.samplesPerProblem,
      rollouts: sampling.rollouts,
      onProblem: (done) => options.onProblem?.(before + done, total, performance.now() - started),
    });
  const sets = { train: label(picked, 0), heldOut: label(held, picked.length) };
  const samplingMs = performance.now() - started;
  const fingerprint = await writePrmSamples(samplesPath, sets);
  return { ...sets, samplesPath, fingerprint, samplingMs };
}
