/**
 * What a vLLM pooling endpoint answers, and how its rows become step scores. Shapes from vLLM's
 * `/pooling` protocol (`vllm/entrypoints/pooling/pooling/protocol.py`: `PoolingResponse { id, object,
 * created, model, data: PoolingResponseData[], usage: UsageInfo }`, `PoolingResponseData { index,
 * object: "pooling", data: list[list[float]] | list[float] | str }`) and its process-reward docs
 * (`docs/models/pooling_models/reward.md`: PRMs use the `token_classify` task; the STEP pooler keeps
 * only the positions of the step token, `tokwise/methods.py`): a PRM answers one row per step token,
 * each row the classifier's labels after its activation. Qwen2.5-Math-PRM has two labels, softmaxed
 * to [p_bad, p_good] (its model card reads the positive one, index 1); a one-label head gives [p].
 * The flat `list[float]` is one vector for the whole input (sequence pooling) and the string is
 * base64 (`encoding_format`): neither is per step, so both are refused rather than guessed at.
 */
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";

export const poolingResponseSchema = z.object({
  model: z.string().optional(),
  data: z
    .array(
      z.object({
        index: z.number().int().optional(),
        data: z.union([z.array(z.array(z.number())), z.array(z.number()), z.string()]),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      total_tokens: z.number().int().nonnegative().optional(),
      completion_tokens: z.number().int().nonnegative().nullish(),
    })
    .optional(),
});
export type PoolingResponse = z.infer<typeof poolingResponseSchema>;

/** Labels per step row: [p_bad, p_good] (two-label PRMs, softmax) or [p_good] (one label, sigmoid). */
const POSITIVE_LABEL: Record<number, number> = { 2: 1, 1: 0 };

/**
 * One probability per step from the first (only) input's rows. `url` names the endpoint in errors;
 * a row count other than `steps` is an error, never a silent shift of scores onto other steps.
 */
export function stepProbabilities(response: PoolingResponse, steps: number, url: string): number[] {
  const rows = response.data[0].data;
  if (typeof rows === "string") {
    throw malformed(url, "answered base64 data; it must answer floats (`encoding_format: float`)");
  }
  if (!rows.every((row) => Array.isArray(row))) {
    throw malformed(
      url,
      `answered one vector of ${rows.length} values for the whole input, not one row per step (is the model served with STEP pooling, task \`token_classify\`?)`,
    );
  }
  const perStep = rows as number[][];
  if (perStep.length !== steps) {
    throw malformed(
      url,
      `answered ${perStep.length} step scores for ${steps} steps (does \`stepToken\` match the model's step token?)`,
    );
  }
  return perStep.map((row, step) => {
    const label = POSITIVE_LABEL[row.length];
    const p = label === undefined ? undefined : row[label];
    if (p === undefined) {
      throw malformed(url, `answered ${row.length} values for step ${step}; expected [p_bad, p_good] or [p]`);
    }
    if (!(p >= 0 && p <= 1)) {
      throw malformed(
        url,
        `answered ${p} for step ${step}, not a probability (is the pooler's activation off?)`,
      );
    }
    return p;
  });
}

function malformed(url: string, what: string): DeliberateError {
  return new DeliberateError("UPSTREAM", `pooling endpoint ${url} ${what}`);
}
