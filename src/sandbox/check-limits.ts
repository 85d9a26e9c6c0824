/**
 * The bounds of the sandbox's limits, as zod schemas: `checkLimits` applies them to every run, and
 * strategies that run code spread them into their option schemas so a bad limit is refused when
 * the request arrives, before any model call. A bad limit is the caller's bug, not the program's
 * failure, so it is a thrown `BAD_REQUEST` rather than a SandboxResult.
 */
import { z } from "zod";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import type { SandboxLimits } from "./types.ts";

/** Wasm32 memories stop at 4 GiB and the interpreters reserve some; 2 GiB leaves room. */
export const MAX_MEMORY_MB = 2048;
/** Programs share a few interpreters per language: a longer limit would let one caller hold one for long. */
export const MAX_TIMEOUT_MS = 600_000;
/** Output is held in memory and sent between threads and processes. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** One schema per limit, for option schemas that expose them (add `.describe()` and defaults there). */
export const limitSchemas = {
  timeoutMs: z.number().positive().finite().max(MAX_TIMEOUT_MS),
  memoryMb: z.number().int().min(1).max(MAX_MEMORY_MB),
  maxOutputBytes: z.number().int().min(0).max(MAX_OUTPUT_BYTES),
};

const limitsSchema = z.object({
  timeoutMs: limitSchemas.timeoutMs.optional(),
  memoryMb: limitSchemas.memoryMb.optional(),
  maxOutputBytes: limitSchemas.maxOutputBytes.optional(),
});

export function checkLimits(limits: SandboxLimits): void {
  const { timeoutMs, memoryMb, maxOutputBytes } = limits;
  parseOrBadRequest(
    limitsSchema,
    { timeoutMs, memoryMb, maxOutputBytes },
    { subject: "sandbox", noun: "limit" },
  );
}

/** Checks the limits (see `checkLimits`) and fills the unset ones with a language's defaults. */
export function withLimits(
  limits: SandboxLimits,
  defaults: Required<SandboxLimits>,
): Required<SandboxLimits> {
  checkLimits(limits);
  return {
    timeoutMs: limits.timeoutMs ?? defaults.timeoutMs,
    memoryMb: limits.memoryMb ?? defaults.memoryMb,
    maxOutputBytes: limits.maxOutputBytes ?? defaults.maxOutputBytes,
  };
}
