import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createRewardScorer } from "../../src/rewards/create-reward-scorer.ts";
import type { CodeTests } from "../../src/sandbox/types.ts";

/**
 * Code rewards run the tests in the sandbox: passing code is 1, and a crash, a syntax error, a
 * timeout or a refused operation is 0, never 1 (verl PR #7853 gave full reward to crashed code).
 * Those are the candidate's fault, so they are scored; a broken test suite is the dataset's.
 */
// Programs that end get a generous limit (a first run on a loaded machine can be slow); the loops a
// small one, which they run into.
const scorer = createRewardScorer({ timeoutMs: 30_000 });
const quick = createRewardScorer({ timeoutMs: 300 });
after(() => Promise.all([scorer.close(), quick.close()]));
const LOOPS = /loop/;

const js: CodeTests = { language: "javascript", code: "assert.strictEqual(add(2, 3), 5);" };
const py: CodeTests = { language: "python", code: "assert add(2, 3) == 5" };
const fence = (language: string, code: string) => `Here it is:\n\`\`\`${language}\n${code}\n\`\`\``;

const cases: Array<[string, string, CodeTests, string, number]> = [
  ["js: passing", fence("js", "function add(a, b) { return a + b; }"), js, "correct", 1],
  ["js: wrong", fence("js", "function add(a, b) { return a - b; }"), js, "incorrect", 0],
  ["js: throwing", fence("js", "function add() { throw new Error('no'); }"), js, "error", 0],
  ["js: syntax error", fence("js", "function add(a, b) { return a + ; }"), js, "error", 0],
  ["js: infinite loop", fence("js", "function add(a, b) { while (true) {} }"), js, "timeout", 0],
  ["js: loop at load", fence("js", "for (;;) {}\nfunction add(a, b) { return a + b; }"), js, "timeout", 0],
  ["js: another language only", fence("rust", "fn add() {}"), js, "unparseable", 0],
  ["py: passing", fence("python", "def add(a, b):\n    return a + b"), py, "correct", 1],
  ["py: throwing", fence("python", "def add(a, b):\n    return 1 / 0"), py, "error", 0],
  ["py: syntax error", fence("python", "def add(a, b)\n    return a + b"), py, "error", 0],
  [
    "py: os.system is refused",
    fence("python", "import os\nos.system('echo pwned')\ndef add(a, b):\n    return a + b"),
    py,
    "error",
    0,
  ],
  [
    "py: reading files is refused",
    fence("python", "open('/etc/passwd').read()\ndef add(a, b):\n    return a + b"),
    py,
    "error",
    0,
  ],
  ["py: exit before the tests", fence("python", "import sys\nsys.exit(0)"), py, "error", 0],
  ["py: infinite loop", fence("python", "def add(a, b):\n    while True:\n        pass"), py, "timeout", 0],
];

test("passing code is 1; wrong, crashing, looping or refused code is 0, scored", async () => {
  const results = await Promise.all(
    cases.map(([name, output, tests]) =>
      (LOOPS.test(name) ? quick : scorer).score([{ output, kind: "code", tests }]).then(([result]) => result),
    ),
  );
  results.forEach((result, i) => {
    const [name, , , verdict, reward] = cases[i];
    assert.equal(result.verdict, verdict, `${name}: ${result.reason}`);
    assert.equal(result.reward, reward, name);
    assert.equal(result.scored, true, name);
    assert.equal(result.method, "tests", name);
  });
});

test("code in a thinking block that never closed is no program: 0", async () => {
  const [open, closed] = await scorer.score([
    { output: `<think>${fence("js", "function add(a, b) { return a + b; }")}`, kind: "code", tests: js },
    {
      output: `<think>draft</think>${fence("js", "function add(a, b) { return a + b; }")}`,
      kind: "code",
      tests: js,
    },
  ]);
  assert.equal(open.verdict, "unparseable");
  assert.equal(open.reward, 0);
  assert.equal(closed.verdict, "correct");
  assert.equal(closed.reward, 1);
});

test("a code item without tests, or whose tests do not parse, is bad-gold", async () => {
  const good = fence("js", "function add(a, b) { return a + b; }");
  const results = await scorer.score([
    { output: good, kind: "code" },
    { output: good, kind: "code", tests: { language: "javascript", code: "  " } },
    { output: good, kind: "code", tests: { language: "javascript", code: "assert(add(2, 3) === 5" } },
    {
      output: fence("py", "def add(a, b): return a + b"),
      kind: "code",
      tests: { language: "python", code: "assert add(2, 3 == 5" },
    },
  ]);
  for (const result of results) {
    assert.equal(result.verdict, "bad-gold", result.reason);
    assert.equal(result.scored, false);
    assert.equal(result.reward, 0);
  }
  assert.match(results[0].reason, /^no-tests/);
  assert.match(results[2].reason, /^tests-unparseable: the tests do not parse: SyntaxError/);
  assert.match(results[3].reason, /^tests-unparseable/);
});

test("with format shaping on, crashed or looping code still gets no bonus: never above 0", async () => {
  const shaped = createRewardScorer({ timeoutMs: 30_000, shaping: { formatWeight: 0.5 } });
  const shapedQuick = createRewardScorer({ timeoutMs: 300, shaping: { formatWeight: 0.5 } });
  try {
    const [loop] = await shapedQuick.score([
      {
        output: `<think>ok</think>${fence("js", "function add() { for (;;) {} }")}`,
        kind: "code",
        tests: js,
      },
    ]);
    const results = await shaped.score([
      {
        output: `<think>ok</think>${fence("js", "function add() { throw new Error('no'); }")}`,
        kind: "code",
        tests: js,
      },
      {
        output: `<think>ok</think>${fence("js", "function add(a, b) { return a - b; }")}`,
        kind: "code",
        tests: js,
      },
      {
        output: `<think>ok</think>${fence("js", "function add(a, b) { return a + b; }")}`,
        kind: "code",
        tests: js,
      },
    ]);
    assert.deepEqual(
      [loop, ...results].map((r) => [r.verdict, r.reward, r.components.format]),
      [
        ["timeout", 0, 0],
        ["error", 0, 0],
        ["incorrect", 0.5, 1],
        ["correct", 1.5, 1],
      ],
    );
  } finally {
    await Promise.all([shaped.close(), shapedQuick.close()]);
  }
});
