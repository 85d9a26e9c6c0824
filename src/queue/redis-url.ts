/**
 * `--queue redis://…` checked once at the boundary: BullMQ and ioredis take a URL and fail much
 * later, with messages about sockets, when it is not one of theirs.
 */
import { DeliberateError } from "../errors.ts";

/**
 * What is wrong with a Redis URL, or undefined when it is `redis://[user:password@]host[:port][/db]`
 * or `rediss://…` (TLS).
 */
export function redisUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `must be a redis://host:port URL, got \`${text}\``;
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return `must be a redis:// or rediss:// URL, got \`${url.protocol}\` in \`${redact(text)}\``;
  }
  if (!url.hostname) return `names no host: \`${redact(text)}\``;
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) return `the path of a Redis URL is a database number, got \`/${db}\``;
  return undefined;
}

/** The URL when it is a Redis URL (see `redisUrlProblem`); a BAD_REQUEST naming `param` otherwise. */
export function parseRedisUrl(text: string, param = "queue"): string {
  const problem = redisUrlProblem(text);
  if (problem) throw new DeliberateError("BAD_REQUEST", `\`${param}\` ${problem}`, { param });
  return text;
}

/** The URL with any password replaced by `***`, for messages and `results.json`. */
export function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.toString().replace("%2A%2A%2A", "***");
  } catch {
    return text;
  }
}
