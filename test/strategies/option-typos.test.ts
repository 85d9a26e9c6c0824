/**
 * A mistyped strategy option is an error naming the option it most likely meant, never a setting
 * silently dropped: every registered strategy's schema is strict, nested objects included.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { parseStrategyOptions, solve, strategies, strategyDefinition } from "../../src/strategies/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { problem } from "./fixtures.ts";

function rejection(run: () => unknown): DeliberateError {
  try {
    run();
  } catch (error) {
    assert.ok(DeliberateError.isInstance(error), String(error));
    assert.equal(error.code, "BAD_REQUEST");
    return error;
  }
  assert.fail("expected a BAD_REQUEST");
}

test("every strategy rejects an unknown option, naming the one it most likely meant", () => {
  for (const name of Object.keys(strategies)) {
    const error = rejection(() => parseStrategyOptions(name, { temprature: 0.5 }));
    assert.equal(
      error.message,
      `strategy \`${name}\`: unknown option \`temprature\`; did you mean \`temperature\`?`,
    );
    assert.equal(error.param, "temprature");
  }
});

test("the typos users make: sample, max_tokens, beamwidth, and a nested stopping key", () => {
  const cases: Array<[strategy: string, options: object, message: RegExp, param: string]> = [
    ["self-consistency", { sample: 4 }, /unknown option `sample`; did you mean `samples`\?/, "sample"],
    [
      "best-of-n",
      { max_tokens: 64 },
      /unknown option `max_tokens`; did you mean `maxTokens`\?/,
      "max_tokens",
    ],
    ["beam", { beamwidth: 2 }, /did you mean `beamWidth`\?/, "beamwidth"],
    [
      "self-consistency",
      { stopping: { rule: "beta", threshhold: 0.9 } },
      /option `stopping`: unknown key `threshhold`; did you mean `threshold`\?/,
      "stopping.threshhold",
    ],
  ];
  for (const [strategy, options, message, param] of cases) {
    const error = rejection(() => parseStrategyOptions(strategy, options));
    assert.match(error.message, message);
    assert.equal(error.param, param);
  }
});

test("an option no name is close to lists the strategy's options", () => {
  const error = rejection(() => parseStrategyOptions("cot", { zzz: 1 }));
  assert.match(error.message, /unknown option `zzz`; expected one of: temperature, topP, maxTokens/);
});

test("a mistyped strategy name suggests the registered one", () => {
  const error = rejection(() => strategyDefinition("self-consistancy"));
  assert.match(error.message, /unknown strategy `self-consistancy`; did you mean `self-consistency`\?/);
});

test("solve() and inner strategies reject typos before any model call", async () => {
  const policy = new ScriptedBackend({ script: () => "\\boxed{4}" });
  await assert.rejects(
    solve(problem, { strategy: "self-consistency", options: { sample: 4 }, backends: { policy } }),
    /did you mean `samples`/,
  );
  await assert.rejects(
    solve(problem, {
      strategy: "self-consistency",
      options: { samples: 2, inner: "cot", innerOptions: { maxtokens: 8 } },
      backends: { policy },
    }),
    /strategy `cot`: unknown option `maxtokens`; did you mean `maxTokens`\?/,
  );
  assert.equal(policy.calls.length, 0);
});
