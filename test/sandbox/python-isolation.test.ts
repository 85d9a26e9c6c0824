import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closePythonSandbox, runPython } from "../../src/sandbox/run-python.ts";
import type { SandboxResult } from "../../src/sandbox/types.ts";

// Each case: a program that tries to change what later programs see, then a probe that prints a
// fingerprint of the interpreter and answers 2 + 2. The probe's output must be exactly what it was
// before any attack. Programs that reach JavaScript or the file system replace the child, so those
// cases are slower; the limit is generous because a fresh child compiles its wasm as it goes.
const LIMIT = { timeoutMs: 60_000 };

const PROBE = `
import atexit, builtins, codecs, collections, decimal, gc, json, math, os, sys, warnings, __main__
fd = os.open("/lib", os.O_RDONLY)
os.close(fd)
state = {
    "len": len([1, 2, 3]), "sum": sum([1, 2]), "abs": abs(-3), "print": print.__module__,
    "builtins": len(vars(builtins)), "planted": [k for k in vars(builtins) if "planted" in k],
    "json": json.dumps({"a": [1]}), "sqrt": math.sqrt(16), "counter": collections.Counter("aab").most_common(1),
    "recursion": sys.getrecursionlimit(), "digits": sys.get_int_max_str_digits(), "path": sys.path,
    "meta_path": [type(f).__name__ for f in sys.meta_path], "stdout": type(sys.stdout).__name__,
    "modules": sorted(sys.modules), "main": sorted(vars(__main__)), "atexit": atexit._ncallbacks(),
    "gc_callbacks": len(gc.callbacks), "warnings": len(warnings.filters), "environ": sorted(os.environ),
    "cwd": os.getcwd(), "fd": fd, "prec": decimal.getcontext().prec, "codec": codecs.lookup("utf-8").name,
    "leak": hasattr(sys, "leak"), "fraction": str(__import__("fractions").Fraction(1, 3)),
}
print(json.dumps(state, sort_keys=True, default=str))
gc.collect()
2 + 2
`;

let baseline: SandboxResult;

before(async () => {
  baseline = await runPython({ code: PROBE, ...LIMIT });
  assert.equal(baseline.result, "4", baseline.error);
});
after(() => closePythonSandbox());

async function assertUntouched(attack: string): Promise<void> {
  await runPython({ code: attack, ...LIMIT });
  const probe = await runPython({ code: PROBE, ...LIMIT });
  assert.equal(probe.result, "4", `after:\n${attack}\n${probe.error ?? ""}`);
  assert.equal(probe.stdout, baseline.stdout, `after:\n${attack}`);
  assert.equal(probe.stderr, "", `after:\n${attack}`);
}

const attacks: Array<[string, string]> = [
  [
    "rewriting every function of the runner it can find (via gc and __main__)",
    `import gc, __main__, sys
fake = (lambda *a, **k: b'-{"reason": "ok", "result": "666"}').__code__
for obj in gc.get_objects():
    if callable(obj) and hasattr(obj, "__code__") and obj.__code__.co_filename in ("<exec>", "<string>"):
        try:
            obj.__code__ = fake
        except Exception:
            pass
for name in list(vars(__main__)):
    setattr(__main__, name, lambda *a, **k: 666)
__main__.planted = True`,
  ],
  [
    "replacing builtins, stdlib functions and a stdlib class's method",
    `import builtins, json, math, collections
builtins.len = lambda x: 0
builtins.print = lambda *a, **k: None
builtins.planted_helper = 1
__builtins__["abs"] = lambda x: -1
json.dumps = lambda *a, **k: "x"
math.sqrt = lambda x: -1
collections.Counter.most_common = lambda self, n=None: []
import fractions
fractions.Fraction.__str__ = lambda self: "666"`,
  ],
  [
    "changing interpreter-wide settings",
    `import sys, io, decimal, warnings, os
sys.setrecursionlimit(80)
sys.set_int_max_str_digits(640)
sys.stdout = io.StringIO()
sys.path.insert(0, "/home/pyodide")
class Finder:
    def find_spec(self, *a, **k):
        raise ImportError("hijacked")
sys.meta_path.insert(0, Finder())
decimal.getcontext().prec = 3
warnings.simplefilter("error")
os.environ["PLANTED"] = "1"`,
  ],
  [
    "registering hooks and finalizers meant to run later",
    `import sys, codecs, atexit, gc
def hook(event, args):
    if event == "import":
        raise RuntimeError("hooked")
sys.addaudithook(hook)
codecs.register(lambda name: None)
atexit.register(print, "ghost")
gc.callbacks.append(lambda phase, info: print("ghost"))
class Ghost:
    def __del__(self):
        print("ghost")
a = Ghost(); b = Ghost(); a.other = b; b.other = a
sys.planted_cycle = a
sys.leak = bytearray(40_000_000)`,
  ],
  ["leaving files open", `files = [open("/lib/python312.zip", "rb") for _ in range(200)]`],
  [
    "poisoning the JavaScript realm through pyodide",
    `import sys
F = sys.modules["pyodide_js"].constructor.constructor
F('JSON.stringify = () => "{}"; Object.prototype.toJSON = function () { return { type: "done", reason: "ok", result: "666" }; }; globalThis.planted = 1')()`,
  ],
  [
    "planting a module in the file system",
    `import sys
with open("/home/pyodide/json.py", "w") as f:
    f.write("def dumps(*a, **k):\\n    return 'planted'\\n")
sys.path.insert(0, "/home/pyodide")`,
  ],
];

for (const [name, attack] of attacks) {
  test(`no later program sees a program ${name}`, () => assertUntouched(attack));
}

test("a program cannot forge a later program's answer", async () => {
  // The attack succeeds at most for itself; the victim computes its own answer.
  await runPython({
    code: "import gc\nfor o in gc.get_objects():\n    if type(o).__name__ == 'function' and o.__name__ in ('entry', 'run_program'):\n        o.__code__ = (lambda *a: b'-{\"reason\": \"ok\", \"result\": \"666\"}').__code__",
  });
  const victim = await runPython({ code: "x = 6 * 7\nprint('computed', x)\nx" });
  assert.deepEqual([victim.ok, victim.result, victim.stdout], [true, "42", "computed 42\n"]);
});

test("programs draw fresh random numbers, not the snapshot's", async () => {
  const draws = new Set<string>();
  for (let i = 0; i < 3; i++) {
    draws.add((await runPython({ code: "import random\nrandom.random()" })).result ?? "");
  }
  assert.equal(draws.size, 3);
});
