/** Store specs: a file path (SQLite) or a `postgres://` URL; made absolute, and shown without passwords. */
import { resolve } from "node:path";

/** Whether a store spec names a Postgres database (`postgres://…` or `postgresql://…`). */
export function isPostgresSpec(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** A spec made absolute: file paths against the working directory; URLs and `:memory:` as they are. */
export function resolveStoreSpec(spec: string): string {
  return isPostgresSpec(spec) || spec === ":memory:" ? spec : resolve(spec);
}

/**
 * The spec as it may be shown and written down (`results.json`, messages): a URL's password, in
 * the user part or as a `password` parameter, becomes `***`.
 */
export function redactStoreSpec(spec: string): string {
  if (!isPostgresSpec(spec)) return spec;
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    // Not a URL the parser takes: drop the whole user part rather than risk showing a password.
    return spec.replace(/\/\/[^/]*@/, "//***@");
  }
  if (url.password) url.password = "***";
  if (url.searchParams.has("password")) url.searchParams.set("password", "***");
  return url.toString().replaceAll("%2A", "*");
}
