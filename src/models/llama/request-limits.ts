/**
 * What llama.cpp can take beyond every backend's request bounds (`../request-schema.ts`): a bad value
 * fails with `BAD_REQUEST` naming the field before any sequence is allocated.
 */
import { generateRequestSchema } from "../request-schema.ts";

export const llamaRequestSchema = generateRequestSchema({
  /** One call's `n` sequences share one llama.cpp context, whose KV cache holds n × contextSize tokens. */
  maxN: 256,
  /** Past this the distribution is flat to float precision: a larger value is a unit slip. */
  maxTemperature: 100,
  /** Every stop string is searched again after each token (StopMatcher). */
  maxStops: 16,
  /** llama.cpp's dist sampler takes a uint32 seed. */
  seedRange: [0, 0xffff_ffff],
});
