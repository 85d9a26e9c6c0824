import type { ErrorCode } from "../errors.ts";

/** The CLI's exit code for each error code: 2 for caller mistakes, 3 for model files, 4+ for the world. */
export const exitCodes: Record<ErrorCode, number> = {
  BAD_REQUEST: 2,
  REQUEST_TOO_LARGE: 2,
  NOT_FOUND: 2,
  CONFIG: 2,
  MODEL_NOT_FOUND: 3,
  MODEL_INVALID: 3,
  OFFLINE: 4,
  UPSTREAM: 4,
  RATE_LIMITED: 4,
  TIMEOUT: 5,
  BUDGET: 5,
  ABORTED: 130,
  UNAUTHORIZED: 6,
  INTERNAL: 1,
};
