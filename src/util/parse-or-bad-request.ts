/**
 * The one conversion from a failed zod parse to a `BAD_REQUEST` naming what is wrong: the first
 * issue's path becomes `param` and is named in backticks, so a user reads
 * "strategy `self-consistency` option `samples`: Too small: expected number to be >=1".
 */
import type { z } from "zod";
import { DeliberateError } from "../errors.ts";

export interface BadRequestOptions {
  /** What was being parsed, e.g. "strategy `cot`" or "invalid request". Default: none. */
  subject?: string;
  /** `param` when the issue has no path. Default "request". */
  param?: string;
  /** Prefix for the path in `param` (e.g. "options"). */
  paramPrefix?: ReadonlyArray<string | number>;
}

/** `param` and message of a zod error's first issue; an unknown key names the key itself. */
export function describeIssue(
  error: z.ZodError,
  options: BadRequestOptions = {},
): { param: string; message: string } {
  const issue = error.issues[0];
  const where = issue.path.map(String).join(".");
  const path =
    issue.code === "unrecognized_keys" && issue.keys.length > 0 ? [...issue.path, issue.keys[0]] : issue.path;
  const param = [...(options.paramPrefix ?? []), ...path].map(String).join(".") || options.param || "request";
  const named = where ? `option \`${where}\`` : "";
  const subject = [options.subject, named].filter(Boolean).join(" ");
  return { param, message: subject ? `${subject}: ${issue.message}` : issue.message };
}

/** A `BAD_REQUEST` for a failed parse (see `describeIssue`), with the zod error as its cause. */
export function badRequestFrom(error: z.ZodError, options: BadRequestOptions = {}): DeliberateError {
  const { param, message } = describeIssue(error, options);
  return new DeliberateError("BAD_REQUEST", message, { param, cause: error });
}

/** Parses `value` or throws `badRequestFrom(...)`. */
export function parseOrBadRequest<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  options: BadRequestOptions = {},
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw badRequestFrom(parsed.error, options);
}
