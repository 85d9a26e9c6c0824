/**
 * `deliberate distill` as a library: teachers → graded traces → verified, deduplicated, mixed →
 * the dataset folder (plain JSONL, trainer exports, card, manifest). See README.md here.
 */
export {
  type BuildDatasetInput,
  type BuildDatasetOptions,
  type BuiltDataset,
  buildDataset,
} from "./build-dataset.ts";
export { type DedupeOptions, type DedupeResult, dedupeTraces, normalizeText } from "./dedupe.ts";
export { type DistillPass, type DistillResult, distill } from "./distill.ts";
export { type DistillOptions, type DistillSettings, distillOptionsSchema } from "./distill-options.ts";
export { dpoPairs } from "./dpo-pairs.ts";
export { bandsFor, estimateJaccard, MinHasher, type MinHashOptions, shingles } from "./minhash.ts";
export { isLong, type MixOptions, type MixResult, mixByLength } from "./mix.ts";
export {
  NearDuplicateIndex,
  type NearDuplicateOptions,
  type NearDuplicateVerdict,
} from "./near-duplicates.ts";
export { hintSentence, quotesHint } from "./star.ts";
export { histogram } from "./statistics.ts";
export type * from "./types.ts";
export { type DistilledDataset, writeDataset } from "./write-dataset.ts";
