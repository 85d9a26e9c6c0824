/**
 * The one conversion from a failed zod parse to a `BAD_REQUEST` naming what is wrong: the first
 * issue's path becomes `param` and is named in backticks, so a user reads
 * "strategy `self-consistency` option `samples`: Too small: expected number to be >=1".
 */
import type { z } from "zod";
import { DeliberateError } from "../errors.ts";

type Issue = z.core.$ZodIssue;

export interface BadRequestOptions {
  /** What was being parsed, e.g. "strategy `cot`" or "request". Default: none. */
  subject?: string;
  /** What the path names, before it in backticks: "field", "limit"; "" for the bare path. Default "option". */
  noun?: string;
  /** `param` when the issue has no path; `null` leaves `param` unset (empty). Default "request". */
  param?: string | null;
  /** Prefix for the path in `param` (e.g. "options"). */
  paramPrefix?: ReadonlyArray<string | number>;
  /**
   * Which issue is reported: the first (default), or `deepest`, the first issue with a union's
   * furthest branch in its place (see `deepestIssue`).
   */
  pick?: "first" | "deepest";
}

/**
 * The most specific issue: for a union (a string or an object) the branch that got furthest, so
 * `{ path: d.jsonl, layout: nope }` reports `datasets.0.layout`, not "invalid input" at `datasets.0`.
 */
export function deepestIssue(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  const candidates = issue.errors
    .flat()
    .map((inner) => deepestIssue({ ...inner, path: [...issue.path, ...inner.path] }));
  return candidates.reduce((best, next) => (next.path.length > best.path.length ? next : best));
}

/**
 * `param` and message of a zod error's first issue; an unknown key names the key itself in `param`.
 * `param` is empty only when the issue has no path and `options.param` is `null`.
 */
export function describeIssue(
  error: z.ZodError,
  options: BadRequestOptions = {},
): { param: string; message: string } {
  const issue = options.pick === "deepest" ? deepestIssue(error.issues[0]) : error.issues[0];
  const where = issue.path.map(String).join(".");
  const path =
    issue.code === "unrecognized_keys" && issue.keys.length > 0 ? [...issue.path, issue.keys[0]] : issue.path;
  const fallback = options.param === null ? "" : (options.param ?? "request");
  const param = [...(options.paramPrefix ?? []), ...path].map(String).join(".") || fallback;
  const named = where ? [options.noun ?? "option", `\`${where}\``].filter(Boolean).join(" ") : "";
  const subject = [options.subject, named].filter(Boolean).join(" ");
  return { param, message: subject ? `${subject}: ${issue.message}` : issue.message };
}

/** A `BAD_REQUEST` for a failed parse (see `describeIssue`), with the zod error as its cause. */
export function badRequestFrom(error: z.ZodError, options: BadRequestOptions = {}): DeliberateError {
  const { param, message } = describeIssue(error, options);
  return new DeliberateError("BAD_REQUEST", message, { ...(param ? { param } : {}), cause: error });
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
