import { z } from "zod";

const content = z.union([
  z.string(),
  // The array form: only text parts carry meaning for text models; other parts are rejected.
  z.array(z.object({ type: z.literal("text"), text: z.string() }).loose()),
]);

const message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"]),
    content: content.nullable(),
  })
  .loose();

/** Per-request strategy settings in the body's `deliberate` extension field. */
const deliberateOptionsSchema = z
  .object({
    strategy: z.string().min(1).optional(),
    /** Capped with every other multiplier by the server's work limits, not here. */
    samples: z.number().int().min(1).optional(),
    /** Other strategy options, validated by the strategy's own schema. */
    options: z.record(z.string(), z.unknown()).optional(),
    budget: z
      .object({
        maxCalls: z.number().int().positive().optional(),
        maxTokens: z.number().int().positive().optional(),
        maxSeconds: z.number().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** `POST /v1/chat/completions`, the fields we honour. Unknown fields are ignored, as OpenAI clients expect. */
export const chatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    // No maximum of its own: `n` × the strategy's samples × max tokens is what the work limits cap.
    n: z.number().int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    top_k: z.number().int().min(1).optional(),
    min_p: z.number().min(0).lt(1).optional(),
    seed: z.number().int().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(16)])
      .nullable()
      .optional(),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
    deliberate: deliberateOptionsSchema.optional(),
  })
  .loose();

export type ChatRequest = z.infer<typeof chatRequestSchema>;
