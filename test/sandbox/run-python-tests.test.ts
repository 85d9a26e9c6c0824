import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closePythonSandbox, runPythonTests } from "../../src/sandbox/run-python.ts";
import type { TestsFailure } from "../../src/sandbox/types.ts";

after(() => closePythonSandbox());

// A replaced child (after a candidate touched JavaScript) compiles its wasm as it goes.
const LIMIT = { timeoutMs: 60_000 };
const TESTS = "assert add(2, 3) == 5\nassert add(-1, 1) == 0";
const WRONG = "def add(a, b):\n    return a * b\n";

// Candidates that try to pass without being right. Every one must fail, for its own reason.
const forged: Array<[string, string, TestsFailure, string?]> = [
  ["exits with sys.exit(0) before the tests", `import sys\n${WRONG}sys.exit(0)`, "exit"],
  ["raises SystemExit with no code", `${WRONG}raise SystemExit`, "exit"],
  ["calls exit() from the site builtins", `${WRONG}exit()`, "exit"],
  ["exits from inside the function the tests call", "def add(a, b):\n    raise SystemExit(0)", "exit"],
  ["kills the interpreter with os._exit(0)", `import os\n${WRONG}os._exit(0)`, "blocked"],
  ["raises KeyboardInterrupt when called", "def add(a, b):\n    raise KeyboardInterrupt", "crash"],
  [
    "returns an object equal to everything",
    "class Anything:\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n    __hash__ = object.__hash__\ndef add(a, b):\n    return Anything()",
    "assertion",
  ],
  [
    "returns an int subclass that lies about equality",
    "class Liar(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\ndef add(a, b):\n    return Liar(0)",
    "assertion",
  ],
  [
    "makes `all` always true for the tests",
    `import builtins\nbuiltins.all = lambda it: True\n__builtins__["all"] = lambda it: True\n${WRONG}`,
    "assertion",
    "assert all(add(i, i) == 2 * i for i in range(3, 6))",
  ],
  [
    "replaces AssertionError with a harmless class",
    `import builtins\nclass Quiet(BaseException): pass\nbuiltins.AssertionError = Quiet\n__builtins__["AssertionError"] = Quiet\n${WRONG}`,
    "assertion",
  ],
  [
    "silences sys.exit before the tests use it",
    `import sys\nsys.exit = lambda *a: None\n${WRONG}`,
    "assertion",
    "import sys\nif add(2, 3) != 5:\n    sys.exit(1)",
  ],
  [
    "silences sys.exit while the tests run",
    "import sys\ndef add(a, b):\n    sys.exit = lambda *a: None\n    return 0",
    "assertion",
    "import sys\nif add(2, 3) != 5:\n    sys.exit(1)\nif add(1, 1) != 2:\n    sys.exit(2)",
  ],
  ["prints what a pass looks like", `print("all tests passed")\nprint("P")\n${WRONG}`, "assertion"],
  [
    "reaches the harness through sys._getframe",
    `import sys\nframe = sys._getframe(1)\nframe.f_locals\n${WRONG}`,
    "crash",
  ],
  [
    "reaches the harness through a traceback's frames",
    `try:\n    1 / 0\nexcept ZeroDivisionError as error:\n    error.__traceback__.tb_frame.f_back.f_globals\n${WRONG}`,
    "crash",
  ],
  [
    "reaches the tests through a generator's frame",
    "def add(a, b):\n    def gen():\n        yield\n    g = gen()\n    next(g)\n    g.gi_frame.f_back.f_back.f_globals['__builtins__']['AssertionError'] = KeyError\n    return 0",
    "crash",
  ],
  ["walks the heap with gc", `import gc\n[o for o in gc.get_objects() if callable(o)]\n${WRONG}`, "crash"],
  ["installs a tracer to skip the tests", `import sys\nsys.settrace(lambda *a: None)\n${WRONG}`, "crash"],
  ["installs a profiler", `import sys\nsys.setprofile(lambda *a: None)\n${WRONG}`, "crash"],
  [
    "installs a signal handler to catch a frame",
    `import signal\nsignal.signal(signal.SIGINT, lambda signum, frame: None)\n${WRONG}`,
    "crash",
  ],
  // CPython drops a hook that an existing hook refuses, silently: the candidate runs on, unhooked.
  ["adds an audit hook of its own", `import sys\nsys.addaudithook(lambda *a: None)\n${WRONG}`, "assertion"],
  [
    "patches a library class the tests compare with",
    "import collections\ncollections.Counter.__eq__ = lambda self, other: True\ndef count(s):\n    return collections.Counter()",
    "crash",
    "import collections\nassert count('aab') == collections.Counter('aab')",
  ],
  [
    "patches a library class while the tests run",
    "import fractions\ndef add(a, b):\n    fractions.Fraction.__eq__ = lambda self, other: True\n    return fractions.Fraction(0)",
    "crash",
  ],
  [
    "rewrites a library function's code",
    `import textwrap\ntextwrap.dedent.__code__ = (lambda text: text).__code__\n${WRONG}`,
    "crash",
  ],
  ["builds its own bytecode", `import marshal\nmarshal.loads(marshal.dumps(1))\n${WRONG}`, "crash"],
  ["loads ctypes to write memory", `import ctypes\n${WRONG}`, "crash"],
  ["uses pyodide's JavaScript bridge", `import sys\nsys.modules["pyodide_js"].version\n${WRONG}`, "blocked"],
];

for (const [name, code, failure, tests = TESTS] of forged) {
  test(`a candidate that ${name} does not pass`, async () => {
    const run = await runPythonTests({ code, tests, ...LIMIT });
    assert.equal(run.passed, false, `${name}: ${run.reason} ${run.error}`);
    assert.equal(run.ok, false);
    assert.equal(run.failure, failure, `${name}: ${run.reason} ${run.error}`);
    assert.ok(run.error, "a failure says why");
  });
}

// The same harness must not fail honest code: the true variants of the cases above.
const honest: Array<[string, string, string?]> = [
  ["a correct function", "def add(a, b):\n    return a + b"],
  [
    "HumanEval-style tests calling a check function",
    "def add(a, b):\n    return a + b",
    "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\ncheck(add)",
  ],
  ["a float where the tests wrote an int", "def add(a, b):\n    return float(a + b)"],
  [
    "a Fraction where the tests wrote an int",
    "from fractions import Fraction\ndef add(a, b):\n    return Fraction(a) + b",
  ],
  [
    "its own classes, compared with each other",
    "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\ndef add(a, b):\n    return P(a + b)",
    "assert add(2, 3) == P(5)\nassert add(2, 3) != P(6)",
  ],
  [
    "namedtuples, enums and typing",
    "import collections, enum, typing\nPair = collections.namedtuple('Pair', 'a b')\nclass Color(enum.Enum):\n    RED = 1\nT = typing.TypeVar('T')\ndef add(a, b):\n    return Pair(a, b).a + Pair(a, b).b",
  ],
  [
    "a demo under __main__ that reads stdin",
    "def add(a, b):\n    return a + b\nif __name__ == '__main__':\n    print(add(*map(int, input().split())))",
  ],
  [
    "deep recursion after raising the limit",
    "import sys\nsys.setrecursionlimit(5000)\ndef depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\ndef add(a, b):\n    return depth(a + b + 600) - 600",
  ],
  ["a module the snapshot does not hold", "import calendar\ndef add(a, b):\n    return a + b"],
  [
    "subclasses, copies and protocol checks of library classes (which are locked while graded)",
    "import collections, copy, fractions, typing\nclass Tally(collections.Counter):\n    pass\ndef add(a, b):\n    assert isinstance(a, typing.SupportsInt)\n    copy.copy(fractions.Fraction(1, 2))\n    return sum(Tally({a: 1, b: 1}).keys())",
    "assert add(2, 3) == 5",
  ],
  [
    "tests that exit non-zero only on failure",
    "def add(a, b):\n    return a + b",
    "import sys\nif add(2, 3) != 5:\n    sys.exit(1)",
  ],
  [
    "membership and ordering",
    "def add(a, b):\n    return a + b",
    "assert add(2, 3) in (5, 6)\nassert add(1, 1) < 3\nassert [add(1, 1)] == [2]",
  ],
  ["printing while it works", "def add(a, b):\n    print('adding', a, b)\n    return a + b"],
];

for (const [name, code, tests = TESTS] of honest) {
  test(`${name} passes`, async () => {
    const run = await runPythonTests({ code, tests, ...LIMIT });
    assert.equal(run.passed, true, `${name}: ${run.reason} ${run.error}\n${run.stderr}`);
    assert.equal(run.ok, true);
    assert.equal(run.reason, "ok");
  });
}

test("a failing test names its line; the candidate's crash names its own", async () => {
  const failing = await runPythonTests({
    code: WRONG,
    tests: "x = 1\nassert add(2, 3) == 5, 'two plus three'",
  });
  assert.equal(failing.failure, "assertion");
  assert.equal(failing.stage, "tests");
  assert.equal(failing.error, "AssertionError: two plus three");
  assert.match(failing.stderr, /File "<tests>", line 2\n {4}assert add\(2, 3\) == 5, 'two plus three'/);
  const crash = await runPythonTests({ code: "def add(a, b):\n    return a / 0", tests: TESTS });
  assert.equal(crash.failure, "crash");
  assert.equal(crash.stage, "tests");
  assert.match(crash.stderr, /File "<code>", line 2\n {4}return a \/ 0/);
});

test("syntax errors and test suites that exit with 0 are told apart", async () => {
  const candidate = await runPythonTests({ code: "def add(a, b):\n  return a +", tests: TESTS });
  assert.deepEqual([candidate.reason, candidate.stage], ["syntax", "candidate"]);
  assert.match(candidate.error ?? "", /line 2/);
  const tests = await runPythonTests({
    code: "def add(a, b):\n    return a + b",
    tests: "assert add(1, 1) ==",
  });
  assert.deepEqual([tests.reason, tests.stage], ["syntax", "tests"]);
  const exits = await runPythonTests({
    code: "def add(a, b):\n    return a + b",
    tests: `${TESTS}\nimport sys\nsys.exit(0)`,
  });
  assert.equal(exits.passed, false);
  assert.equal(exits.failure, "exit");
});

test("catching the time limit's interrupt and answering then is still a timeout", async () => {
  const run = await runPythonTests({
    code: "def add(a, b):\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        return a + b",
    tests: TESTS,
    timeoutMs: 300,
  });
  assert.equal(run.reason, "timeout");
  assert.equal(run.passed, false);
});

test("a time limit in the tests is a timeout, not a failure", async () => {
  const run = await runPythonTests({
    code: "def add(a, b):\n    while True:\n        pass",
    tests: TESTS,
    timeoutMs: 500,
  });
  assert.equal(run.reason, "timeout");
  assert.equal(run.passed, false);
});
