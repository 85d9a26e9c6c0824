/**
 * Running the lab's stages: `runStage` runs one (SFT, the outcome verifier, GRPO, DPO or the PRM) with the hooks a
 * shell needs, and `runRecipe` runs the whole recipe (`deliberate train --stage all`): SFT from
 * scratch, then the verifier and GRPO, both from SFT's checkpoint, each in its own folder under
 * `outDir` and with its own time budget. An abort stops the running stage after its current step (it
 * still saves its checkpoint and GGUF) and skips the stages after it.
 */
import { join } from "node:path";
import { type DpoOptions, type DpoProgress, type DpoResult, runDpo } from "./dpo.ts";
import { type GrpoOptions, type GrpoProgress, type GrpoResult, runGrpo } from "./grpo.ts";
import { type PrmOptions, type PrmProgress, type PrmResult, runPrm } from "./prm.ts";
import { runSft, type SftOptions, type SftProgress, type SftResult } from "./sft.ts";
import { runVerifier, type VerifierOptions, type VerifierProgress, type VerifierResult } from "./verifier.ts";

/**
 * The stages `runRecipe` runs, in order (DPO, which needs a preference file, and the PRM, whose
 * rollouts cost far more than the others, run on their own).
 */
export type RecipeStage = "sft" | "verifier" | "grpo";

/** A stage and its options (the signal and progress come from the hooks). */
export type StageSpec =
  | { stage: "sft"; options: Omit<SftOptions, "signal" | "onProgress"> }
  | { stage: "verifier"; options: Omit<VerifierOptions, "signal" | "onProgress"> }
  | { stage: "grpo"; options: Omit<GrpoOptions, "signal" | "onProgress"> }
  | { stage: "dpo"; options: Omit<DpoOptions, "signal" | "onProgress"> }
  | { stage: "prm"; options: Omit<PrmOptions, "signal" | "onProgress"> };

export type StageProgress =
  | { stage: "sft"; progress: SftProgress }
  | { stage: "verifier"; progress: VerifierProgress }
  | { stage: "grpo"; progress: GrpoProgress }
  | { stage: "dpo"; progress: DpoProgress }
  | { stage: "prm"; progress: PrmProgress };

export type StageResult =
  | { stage: "sft"; result: SftResult }
  | { stage: "verifier"; result: VerifierResult }
  | { stage: "grpo"; result: GrpoResult }
  | { stage: "dpo"; result: DpoResult }
  | { stage: "prm"; result: PrmResult };

export interface StageHooks {
  /** Stops the running stage after its current step; `runRecipe` then skips the rest. */
  signal?: AbortSignal;
  /** Before a stage starts (the verifier samples its data first, which reports no progress). */
  onStageStart?: (spec: StageSpec) => void;
  /** After every step of a stage. */
  onProgress?: (event: StageProgress) => void;
  /** After a stage has saved, evaluated and exported. */
  onStageEnd?: (done: StageResult) => void;
}

/** The result of the stage a spec names. */
export type ResultOf<Spec extends StageSpec> = Extract<StageResult, { stage: Spec["stage"] }>["result"];

/** Runs one stage with `hooks`. */
export async function runStage<Spec extends StageSpec>(
  spec: Spec,
  hooks: StageHooks = {},
): Promise<ResultOf<Spec>> {
  const { signal, onProgress } = hooks;
  hooks.onStageStart?.(spec);
  let done: StageResult;
  const named: StageSpec = spec;
  switch (named.stage) {
    case "sft":
      done = {
        stage: "sft",
        result: await runSft({
          ...named.options,
          signal,
          onProgress: onProgress && ((progress) => onProgress({ stage: "sft", progress })),
        }),
      };
      break;
    case "verifier":
      done = {
        stage: "verifier",
        result: await runVerifier({
          ...named.options,
          signal,
          onProgress: onProgress && ((progress) => onProgress({ stage: "verifier", progress })),
        }),
      };
      break;
    case "grpo":
      done = {
        stage: "grpo",
        result: await runGrpo({
          ...named.options,
          signal,
          onProgress: onProgress && ((progress) => onProgress({ stage: "grpo", progress })),
        }),
      };
      break;
    case "dpo":
      done = {
        stage: "dpo",
        result: await runDpo({
          ...named.options,
          signal,
          onProgress: onProgress && ((progress) => onProgress({ stage: "dpo", progress })),
        }),
      };
      break;
    case "prm":
      done = {
        stage: "prm",
        result: await runPrm({
          ...named.options,
          signal,
          onProgress: onProgress && ((progress) => onProgress({ stage: "prm", progress })),
        }),
      };
      break;
    default:
      return named satisfies never;
  }
  hooks.onStageEnd?.(done);
  return done.result as ResultOf<Spec>;
}

export interface RecipeOptions extends StageHooks {
  /** Root folder: the stages write to `outDir/sft`, `outDir/verifier` and `outDir/grpo`. */
  outDir: string;
  /** SFT's options. */
  sft: Omit<SftOptions, "outDir" | "signal" | "onProgress">;
  /** The verifier's options; it starts from SFT's checkpoint. Default: the verifier's defaults. */
  verifier?: Omit<VerifierOptions, "init" | "outDir" | "signal" | "onProgress">;
  /** GRPO's options; it starts from SFT's checkpoint. Default: GRPO's defaults. */
  grpo?: Omit<GrpoOptions, "init" | "outDir" | "signal" | "onProgress">;
}

/** The stages that ran: all three unless aborted. */
export interface RecipeResult {
  sft: SftResult;
  verifier?: VerifierResult;
  grpo?: GrpoResult;
}

export async function runRecipe(options: RecipeOptions): Promise<RecipeResult> {
  const { outDir, signal } = options;
  const sft = await runStage(
    { stage: "sft", options: { ...options.sft, outDir: join(outDir, "sft") } },
    options,
  );
  const init = sft.checkpointPath;
  if (signal?.aborted) return { sft };
  const verifier = await runStage(
    { stage: "verifier", options: { ...options.verifier, init, outDir: join(outDir, "verifier") } },
    options,
  );
  if (signal?.aborted) return { sft, verifier };
  const grpo = await runStage(
    { stage: "grpo", options: { ...options.grpo, init, outDir: join(outDir, "grpo") } },
    options,
  );
  return { sft, verifier, grpo };
}
