/**
 * The outcome verifier beside the PRM: a verifier run (`--stage verifier`, or builtin:NAME of a
 * verifier model) scores the PRM stage's own held-out solutions, so both AUCs and both weighted votes
 * are measured on the same samples, not on two sample sets of different luck.
 */
import { LlamaModel } from "../model/llama-model.ts";
import type { MatmulPool } from "../tensor/matmul-pool.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { loadLabModel } from "./prm-init.ts";
import type { PrmSample } from "./prm-labels.ts";
import { NO_VERDICT, type VerifierRow, verifierRow, YES_VERDICT } from "./verifier-format.ts";
import { compareSelection, type SelectionResult } from "./verifier-metrics.ts";
import { scoreHeldOut, type VerifierEval } from "./verifier-score.ts";

export interface VerifierComparison extends VerifierEval {
  /** The verifier as given (`builtin:NAME`, or the checkpoint file). */
  verifier: string;
  /** Majority vs. verifier-weighted best-of-n on the same samples (P(yes) as second weights). */
  selection: SelectionResult;
}

/** Scores `samples` (whole solutions) with the outcome verifier `spec`. */
export async function compareWithVerifier(
  spec: string,
  samples: PrmSample[],
  pool: MatmulPool,
): Promise<VerifierComparison> {
  const source = await loadLabModel(spec, "verifier");
  const { config, chars } = source.checkpoint.header;
  const model = new LlamaModel(config, { pool });
  model.params.set(source.checkpoint.params);
  const tokenizer = new CharTokenizer(chars);
  const rows = samples.map((s) => verifierRow(tokenizer, s.question, s.text, s.label));
  const fits = (row: VerifierRow) => row.prompt.length + row.solution.length <= config.contextLength;
  const { heldOut, scores, probabilities } = scoreHeldOut(
    model,
    tokenizer.encode(YES_VERDICT),
    tokenizer.encode(NO_VERDICT)[0],
    rows,
    fits,
  );
  return { verifier: source.path, ...heldOut, selection: compareSelection(samples, scores, probabilities) };
}
