/**
 * A lab PRM on held-out samples it was not trained on: the step-level AUC the PRM stage reports,
 * beside what position alone gets on the same labels (a prefix scored by how early it is: errors pile
 * up, so later prefixes are dead more often). A PRM near that baseline has learned little about the
 * steps themselves. Prints one JSON object.
 *
 * Usage: npx tsx scripts/prm-check.ts PRM SAMPLES
 *   PRM      builtin:NAME, a PRM run folder or its checkpoint.bin
 *   SAMPLES  a prm-samples.jsonl (or the run folder holding one) whose held-out samples are scored,
 *            e.g. from `deliberate train --stage prm --problems 1 --held-out-problems 100 --max-steps 1
 *            --seed S` with the policy the PRM was trained on (scripts/prm-model.sh check)
 */
import { LlamaModel } from "../src/lab/model/llama-model.ts";
import { CharTokenizer } from "../src/lab/tokenizer/char-tokenizer.ts";
import { evaluatePrm } from "../src/lab/train/prm-eval.ts";
import { verdictTokens } from "../src/lab/train/prm-format.ts";
import { loadLabModel } from "../src/lab/train/prm-init.ts";
import { prmSamplesPath, readPrmSamples } from "../src/lab/train/prm-samples-file.ts";
import { rocAuc } from "../src/lab/train/verifier-metrics.ts";

const [spec, samplesSpec] = process.argv.slice(2);
if (spec === undefined || samplesSpec === undefined) {
  console.error("usage: npx tsx scripts/prm-check.ts PRM SAMPLES");
  process.exit(2);
}
const samplesPath = prmSamplesPath(samplesSpec);
const { checkpoint } = await loadLabModel(spec, "prm");
const { heldOut } = await readPrmSamples(samplesPath);
const model = new LlamaModel(checkpoint.header.config);
model.params.set(checkpoint.params);
const tokenizer = new CharTokenizer(checkpoint.header.chars);
const { eval: measured } = evaluatePrm(model, tokenizer, verdictTokens(tokenizer), heldOut);
const alive = heldOut.flatMap((s) => s.values.map((v) => (v > 0 ? 1 : 0)));
const earliness = heldOut.flatMap((s) => s.values.map((_, i) => -i));
const round = (x: number) => Math.round(x * 1000) / 1000;
console.log(
  JSON.stringify({
    prm: spec,
    samples: samplesPath,
    solutions: measured.solutions,
    prefixes: measured.prefixes,
    alivePrefixes: round(measured.alivePrefixes),
    stepAucHard: round(measured.stepAucHard),
    positionAucHard: round(rocAuc(earliness, alive)),
    stepAuc: round(measured.stepAuc),
    outcomeAuc: { min: round(measured.outcomeAuc.min), last: round(measured.outcomeAuc.last) },
  }),
);
