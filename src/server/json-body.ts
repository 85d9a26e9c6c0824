/**
 * JSON request bodies for every app this package serves: a size limit (413 through the one error
 * mapping, before the body is buffered past the limit) and a parse that fails as a 400.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import { errorReply } from "./error-body.ts";

/** Middleware refusing bodies over `maxBytes` with REQUEST_TOO_LARGE (HTTP 413). */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      errorReply(c, new DeliberateError("REQUEST_TOO_LARGE", `request body exceeds ${maxBytes} bytes`)),
  });
}

/** The request's body parsed as JSON; BAD_REQUEST when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new DeliberateError("BAD_REQUEST", "the request body is not valid JSON");
  }
}

/** The request's JSON body parsed with `schema`; a 400 naming the first offending field otherwise. */
export async function readJsonBody<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
): Promise<z.output<Schema>> {
  return parseOrBadRequest(schema, await readJson(c), {
    subject: "request body",
    noun: "field",
    param: null,
  });
}
