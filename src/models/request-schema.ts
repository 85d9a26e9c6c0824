/**
 * The one boundary check of `GenerateRequest` and `ScoreRequest` (types.ts), for every backend.
 * Callers may be CLI flags, HTTP bodies or strategies; whatever they pass, a bad value fails here
 * with `BAD_REQUEST` naming the field, before any work: no network call, and nothing reaches
 * llama.cpp (where a negative `topK` silently means "whole vocabulary"). A backend whose engine has
 * tighter limits layers them on with `GenerateLimits` (the llama backend's: `llama/request-limits.ts`).
 */
import { z } from "zod";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import type { ChatMessage, GenerateRequest, ScoreRequest } from "./types.ts";

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

const signal = z.custom<AbortSignal>((value) => value === undefined || value instanceof AbortSignal, {
  message: "must be an AbortSignal",
});

/** Bounds a backend adds to the ones every request obeys. Unset: no bound beyond the contract's. */
export interface GenerateLimits {
  /** Largest `n`. */
  maxN?: number;
  /** Largest `temperature`. */
  maxTemperature?: number;
  /** Most `stop` strings. */
  maxStops?: number;
  /** Smallest and largest `seed`. */
  seedRange?: readonly [number, number];
}

/** The zod schema of a GenerateRequest with a backend's limits on top of the contract's bounds. */
export function generateRequestSchema(limits: GenerateLimits = {}) {
  const { maxN, maxTemperature, maxStops, seedRange } = limits;
  let n = z.number().int().min(1);
  if (maxN !== undefined) n = n.max(maxN);
  let temperature = z.number().min(0);
  if (maxTemperature !== undefined) temperature = temperature.max(maxTemperature);
  // An empty stop string would end every completion at once, or be dropped, depending on the engine.
  let stop = z.array(z.string().min(1));
  if (maxStops !== undefined) stop = stop.max(maxStops);
  let seed = z.number().int();
  if (seedRange !== undefined) seed = seed.min(seedRange[0]).max(seedRange[1]);
  return z
    .object({
      messages: z.array(message).min(1).optional(),
      prompt: z.string().optional(),
      assistantPrefix: z.string().optional(),
      n: n.optional(),
      temperature: temperature.optional(),
      topP: z.number().gt(0).max(1).optional(),
      topK: z.number().int().min(1).optional(),
      minP: z.number().min(0).lt(1).optional(),
      seed: seed.optional(),
      maxTokens: z.number().int().min(1).optional(),
      stop: stop.optional(),
      logprobs: z.number().int().min(0).optional(),
      signal: signal.optional(),
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
        ctx.addIssue({
          code: "custom",
          path: ["assistantPrefix"],
          message: "needs `messages` (it continues a chat reply)",
        });
      }
    });
}

export type GenerateRequestSchema = ReturnType<typeof generateRequestSchema>;

const anyBackend = generateRequestSchema();

const scoreRequestSchema = z.object({
  prompt: z.union([z.string(), z.array(message).min(1)]),
  continuation: z.string().min(1),
  logprobs: z.number().int().min(0).optional(),
  signal: signal.optional(),
});

/** A request after validation: the same shape, now trusted to hold exactly one of `messages` or `prompt`. */
export type ValidGenerateRequest = GenerateRequest & ({ messages: ChatMessage[] } | { prompt: string });

/**
 * Validates a generate request (against a backend's schema, default the contract's bounds alone);
 * throws `BAD_REQUEST` naming the first offending field. Returns the request itself, not a copy: the
 * signal and any extra fields pass through.
 */
export function parseGenerateRequest(
  request: GenerateRequest,
  schema: GenerateRequestSchema = anyBackend,
): ValidGenerateRequest {
  parseOrBadRequest(schema, request, { subject: "request", noun: "field" });
  return request as ValidGenerateRequest;
}

/** Validates a score request; throws `BAD_REQUEST` naming the first offending field. */
export function parseScoreRequest(request: ScoreRequest): ScoreRequest {
  parseOrBadRequest(scoreRequestSchema, request, { subject: "score request", noun: "field" });
  return request;
}
