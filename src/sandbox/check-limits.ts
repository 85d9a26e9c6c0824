/**
 * Validates the caller's limits. A bad limit is the caller's bug, not the program's failure, so it
 * is a thrown `BAD_REQUEST` rather than a SandboxResult.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { SandboxLimits } from "./types.ts";

/** Wasm32 memories stop at 4 GiB and the interpreters reserve some; 2 GiB leaves room. */
const MAX_MEMORY_MB = 2048;

const limitsSchema = z.object({
  timeoutMs: z.number().positive().finite().optional(),
  memoryMb: z.number().int().min(1).max(MAX_MEMORY_MB).optional(),
  maxOutputBytes: z.number().int().min(0).optional(),
});

export function checkLimits(limits: SandboxLimits): void {
  const parsed = limitsSchema.safeParse({
    timeoutMs: limits.timeoutMs,
    memoryMb: limits.memoryMb,
    maxOutputBytes: limits.maxOutputBytes,
  });
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const param = String(issue.path[0]);
  throw new DeliberateError("BAD_REQUEST", `\`${param}\`: ${issue.message}`, { param });
}
