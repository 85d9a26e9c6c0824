/**
 * Boundary validation for requests reaching the llama backend. Callers may be CLI flags, HTTP bodies
 * or strategies; whatever they pass, a bad value fails here with `BAD_REQUEST` naming the parameter,
 * never deep inside llama.cpp (where a negative `topK` silently means "whole vocabulary").
 */
import { z } from "zod";
import { parseOrBadRequest } from "../../util/parse-or-bad-request.ts";
import type { ChatMessage, GenerateRequest, ScoreRequest } from "../types.ts";

/** llama.cpp's dist sampler takes a uint32 seed. */
const MAX_SEED = 0xffff_ffff;

const messageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

const signalSchema = z.custom<AbortSignal>((value) => value === undefined || value instanceof AbortSignal, {
  message: "must be an AbortSignal",
});

const generateSchema = z
  .object({
    messages: z.array(messageSchema).min(1).optional(),
    prompt: z.string().optional(),
    assistantPrefix: z.string().optional(),
    n: z.number().int().min(1).max(256).optional(),
    temperature: z.number().min(0).max(100).optional(),
    topP: z.number().gt(0).max(1).optional(),
    topK: z.number().int().min(1).optional(),
    minP: z.number().min(0).lt(1).optional(),
    seed: z.number().int().min(0).max(MAX_SEED).optional(),
    maxTokens: z.number().int().min(1).optional(),
    stop: z.array(z.string().min(1)).max(16).optional(),
    logprobs: z.number().int().min(0).optional(),
    signal: signalSchema.optional(),
  })
  .superRefine((request, ctx) => {
    if ((request.messages === undefined) === (request.prompt === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["messages"],
        message: "give exactly one of `messages` or `prompt`",
      });
    }
    if (request.assistantPrefix !== undefined && request.messages === undefined) {
      ctx.addIssue({ code: "custom", path: ["assistantPrefix"], message: "only applies with `messages`" });
    }
  });

const scoreSchema = z.object({
  prompt: z.union([z.string(), z.array(messageSchema).min(1)]),
  continuation: z.string().min(1),
  logprobs: z.number().int().min(0).optional(),
  signal: signalSchema.optional(),
});

/** A request after validation: the same shape, now trusted. */
export type ValidGenerateRequest = GenerateRequest & ({ messages: ChatMessage[] } | { prompt: string });

/** Validates a generate request; throws `BAD_REQUEST` naming the first offending parameter. */
export function parseGenerateRequest(request: GenerateRequest): ValidGenerateRequest {
  parseOrBadRequest(generateSchema, request, { subject: "request", noun: "field" });
  return request as ValidGenerateRequest;
}

/** Validates a score request; throws `BAD_REQUEST` naming the first offending parameter. */
export function parseScoreRequest(request: ScoreRequest): ScoreRequest {
  parseOrBadRequest(scoreSchema, request, { subject: "score request", noun: "field" });
  return request;
}
