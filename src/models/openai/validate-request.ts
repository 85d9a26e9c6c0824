/**
 * The boundary check for GenerateRequest: bad values fail fast as BAD_REQUEST naming the parameter,
 * before any network traffic.
 */
import { z } from "zod";
import { parseOrBadRequest } from "../../util/parse-or-bad-request.ts";
import type { GenerateRequest } from "../types.ts";

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

const requestSchema = z
  .object({
    messages: z.array(message).min(1).optional(),
    prompt: z.string().optional(),
    assistantPrefix: z.string().optional(),
    n: z.number().int().min(1).optional(),
    temperature: z.number().min(0).optional(),
    topP: z.number().gt(0).max(1).optional(),
    topK: z.number().int().min(1).optional(),
    minP: z.number().min(0).lt(1).optional(),
    seed: z.number().int().optional(),
    maxTokens: z.number().int().min(1).optional(),
    stop: z.array(z.string()).optional(),
    logprobs: z.number().int().min(0).optional(),
  })
  .refine((request) => (request.messages === undefined) !== (request.prompt === undefined), {
    message: "exactly one of `messages` or `prompt` is required",
    path: ["messages"],
  })
  .refine((request) => request.assistantPrefix === undefined || request.messages !== undefined, {
    message: "`assistantPrefix` needs `messages` (it continues a chat reply)",
    path: ["assistantPrefix"],
  });

/** Throws BAD_REQUEST with `param` set to the first offending field. */
export function validateRequest(request: GenerateRequest): void {
  const { signal: _signal, ...fields } = request;
  parseOrBadRequest(requestSchema, fields, { subject: "request", noun: "field" });
}
