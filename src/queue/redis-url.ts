/**
 * `--queue redis://…` checked once at the boundary: BullMQ and ioredis take a URL and fail much
 * later, with messages about sockets, when it is not one of theirs.
 */
import { DeliberateError } from "../errors.ts";

/**
 * The URL, when it is `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS); a
 * BAD_REQUEST naming `param` otherwise.
 */
export function parseRedisUrl(text: string, param = "queue"): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${param}\` must be a redis://host:port URL, got \`${text}\``,
      { param },
    );
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${param}\` must be a redis:// or rediss:// URL, got \`${url.protocol}\` in \`${redact(text)}\``,
      { param },
    );
  }
  if (!url.hostname) {
    throw new DeliberateError("BAD_REQUEST", `\`${param}\` names no host: \`${redact(text)}\``, { param });
  }
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${param}\`: the path of a Redis URL is a database number, got \`/${db}\``,
      { param },
    );
  }
  return text;
}

/** The URL with any password replaced by `***`, for messages and `results.json`. */
export function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return text;
  }
}
