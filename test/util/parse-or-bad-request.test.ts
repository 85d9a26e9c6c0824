import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { DeliberateError } from "../../src/errors.ts";
import { badRequestFrom, describeIssue, parseOrBadRequest } from "../../src/util/parse-or-bad-request.ts";

const schema = z.strictObject({
  samples: z.number().int().min(1),
  nested: z.object({ k: z.string() }).optional(),
});

function errorOf(value: unknown, target: z.ZodType = schema): z.ZodError {
  const parsed = target.safeParse(value);
  assert.ok(!parsed.success);
  return parsed.error;
}

test("the first issue's path is the param and is named in backticks after the subject", () => {
  assert.deepEqual(describeIssue(errorOf({ samples: 0 }), { subject: "strategy `cot`" }), {
    param: "samples",
    message: "strategy `cot` option `samples`: Too small: expected number to be >=1",
  });
  assert.deepEqual(describeIssue(errorOf({ samples: 1, nested: { k: 1 } }), { noun: "field" }), {
    param: "nested.k",
    message: "field `nested.k`: Invalid input: expected string, received number",
  });
  // noun "" names the bare path.
  assert.match(describeIssue(errorOf({ samples: 0 }), { noun: "" }).message, /^`samples`: Too small/);
});

test("an unknown key is the param; paramPrefix goes in front", () => {
  const { param } = describeIssue(errorOf({ samples: 1, smaples: 2 }), { paramPrefix: ["options"] });
  assert.equal(param, "options.smaples");
});

test("an issue without a path uses `param` (default request; null leaves it unset)", () => {
  const error = errorOf("text");
  assert.equal(describeIssue(error).param, "request");
  assert.equal(describeIssue(error, { param: "body" }).param, "body");
  const unset = badRequestFrom(error, { subject: "request body", param: null });
  assert.equal(unset.param, undefined);
  assert.match(unset.message, /^request body: Invalid input/);
});

test("pick: deepest reports the union branch that got furthest", () => {
  const entry = z.union([z.string(), z.object({ path: z.string(), layout: z.enum(["a", "b"]) })]);
  const error = errorOf(
    { datasets: [{ path: "d", layout: "nope" }] },
    z.object({ datasets: z.array(entry) }),
  );
  assert.equal(describeIssue(error).param, "datasets.0");
  assert.equal(describeIssue(error, { pick: "deepest" }).param, "datasets.0.layout");
});

test("parseOrBadRequest returns the parsed value or throws BAD_REQUEST with the zod error as cause", () => {
  assert.deepEqual(parseOrBadRequest(schema, { samples: 2 }), { samples: 2 });
  assert.throws(
    () => parseOrBadRequest(schema, { samples: 0 }),
    (error: unknown) =>
      DeliberateError.isInstance(error) &&
      error.code === "BAD_REQUEST" &&
      error.param === "samples" &&
      error.cause instanceof z.ZodError,
  );
});
