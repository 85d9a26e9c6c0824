import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeJavaScriptSandbox, runJavaScript } from "../../src/sandbox/run-javascript.ts";
import type { SandboxResult } from "../../src/sandbox/types.ts";

after(() => closeJavaScriptSandbox());

// Each case: a program that tries to change what later programs see, then a probe that prints a
// fingerprint of the built-ins and answers 6 * 7; it must print exactly what it printed first.
const PROBE = `
const names = Object.getOwnPropertyNames(globalThis).sort();
const fingerprint = {
  globals: names.length,
  planted: names.filter((n) => n.includes("planted")),
  push: [1].concat([2]).length,
  json: JSON.stringify({ a: [1] }),
  is: Object.is(1, 2),
  keys: Object.keys({ a: 1 }),
  proto: Object.getOwnPropertyNames(Object.prototype).length,
  arrayProto: Object.getOwnPropertyNames(Array.prototype).length,
  math: Math.max(1, 2),
  then: typeof Promise.prototype.then,
  consoleLog: typeof console.log,
  frozen: Object.isFrozen(Object.prototype),
};
console.log(JSON.stringify(fingerprint));
6 * 7`;

let baseline: SandboxResult;
before(async () => {
  baseline = await runJavaScript({ code: PROBE });
  assert.equal(baseline.result, "42", baseline.error);
});

const attacks: Array<[string, string]> = [
  [
    "patching built-ins and their prototypes",
    `Array.prototype.concat = () => []; JSON.stringify = () => "x"; Object.is = () => true;
     Object.keys = () => []; Math.max = () => -1; Promise.prototype.then = null;
     Object.defineProperty(Object.prototype, "planted", { get() { return 1; }, configurable: false });`,
  ],
  ["planting globals", "globalThis.planted = 1; var plantedVar = 2; function plantedFn() {}"],
  ["freezing the object prototype", "Object.freeze(Object.prototype); Object.freeze(Array.prototype);"],
  [
    "replacing console and setResult",
    "console.log = () => {}; globalThis.setResult = () => {}; console.log('x');",
  ],
  ["leaving promise jobs that never end", "(function spin() { Promise.resolve().then(spin); })();"],
  ["filling its memory", "const a = []; for (;;) a.push(new Array(1e5).fill(1));"],
];

for (const [name, attack] of attacks) {
  test(`no later program sees a program ${name}`, async () => {
    await runJavaScript({ code: attack, timeoutMs: 300, memoryMb: 32 });
    const probe = await runJavaScript({ code: PROBE });
    assert.equal(probe.result, "42", `after ${name}: ${probe.error}`);
    assert.equal(probe.stdout, baseline.stdout, `after ${name}`);
  });
}
