// The worker thread behind runJavaScript and runJavaScriptTests: runs each job in a fresh QuickJS
// runtime and context, so no state leaks between runs. Plain .mjs so a worker needs no TypeScript
// loader. QuickJS has no `process`, `require`, `fetch`, timers or file system: the only things the
// code can reach are the intrinsics plus the `console`, `input` and `setResult` we define here.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from "quickjs-emscripten";
import { HARNESS_SOURCE } from "./quickjs-harness.mjs";

const MIB = 1024 * 1024;
const WASM_PAGE = 64 * 1024;
// The QuickJS build reserves 16 MiB up front (INITIAL_MEMORY: its stack and static data); the
// code's own heap comes on top.
const BASE_MB = 16;
// QuickJS counts its own C stack; 1 MiB allows ~10k frames of simple recursion and fails well
// before the wasm stack itself would overflow (which would abort the module).
const STACK_BYTES = 1024 * 1024;
/** The QuickJS module declares a 2 GiB maximum memory; a larger limit is clamped to it. */
const MAX_BYTES = 2048 * MIB;
/**
 * Wasm memory never shrinks. After a run that grew it past this, the worker asks to be retired:
 * terminating it hands every page back to the system at once, whatever `memoryMb` was.
 */
const RETIRE_AFTER_GROWTH_BYTES = 16 * MIB;
/** One error line is a summary, not a dump. */
const MAX_ERROR_CHARS = 2000;

// Formats one value the way a reader expects to see it printed: strings bare, primitives via
// String() (so NaN stays NaN, not JSON's null), objects as JSON; cut to `limit` characters inside
// QuickJS, so a 50 MiB string never leaves it whole.
const FORMAT_SOURCE = `(v, limit) => {
  let s;
  if (typeof v === "string") s = v;
  else if (v === null || (typeof v !== "object" && typeof v !== "function")) s = String(v);
  else if (v instanceof Error) s = v.name + ": " + v.message;
  else if (typeof v === "function") s = "[Function " + (v.name || "anonymous") + "]";
  else { try { s = JSON.stringify(v); if (s === undefined) s = String(v); } catch { s = String(v); } }
  s = String(s);
  return s.length > limit ? s.slice(0, limit) + "\\n[output truncated at " + limit + " bytes]" : s;
}`;

/**
 * The compiled QuickJS module, shared by every instance. The memory limit that really holds is
 * each instance's wasm memory `maximum`: this build has no malloc_usable_size, so QuickJS's own
 * `setMemoryLimit` accounting undercounts (it sees ~8 bytes per allocation). When the wasm memory
 * is full, malloc fails and QuickJS throws its ordinary "out of memory".
 */
const quickjsEntry = createRequire(import.meta.url).resolve("quickjs-emscripten");
const wasmPath = createRequire(quickjsEntry).resolve("@jitl/quickjs-wasmfile-release-sync/wasm");
const wasmModule = WebAssembly.compile(readFileSync(wasmPath));

/**
 * The one instance this worker ever holds: the parent gives a run with another `memoryMb` a new
 * worker, and retires this one once its memory grew, so no memory outlives its use.
 */
let current;

async function instanceFor(memoryMb) {
  if (current) {
    if (current.memoryMb !== memoryMb) throw new Error("one QuickJS worker serves one memoryMb");
    return current;
  }
  const maxBytes = Math.min((BASE_MB + memoryMb) * MIB, MAX_BYTES);
  const wasmMemory = new WebAssembly.Memory({
    initial: (BASE_MB * MIB) / WASM_PAGE,
    maximum: maxBytes / WASM_PAGE,
  });
  const quickjs = await newQuickJSWASMModuleFromVariant(
    newVariant(RELEASE_SYNC, { wasmModule: () => wasmModule, wasmMemory }),
  );
  current = { memoryMb, quickjs, wasmMemory, maxBytes };
  return current;
}

/** Near the cap, a failure with no usable message is the allocator giving up. */
function nearlyFull(entry) {
  return entry.wasmMemory.buffer.byteLength >= entry.maxBytes * 0.9;
}

/** Keeps at most `limit` bytes (as UTF-16 length, close enough for a cap) and notes the cut. */
function cappedSink(limit) {
  let text = "";
  let cut = false;
  return {
    write(chunk) {
      if (cut) return;
      if (text.length + chunk.length > limit) {
        text += chunk.slice(0, Math.max(0, limit - text.length));
        text += `\n[output truncated at ${limit} bytes]\n`;
        cut = true;
      } else text += chunk;
    },
    get text() {
      return text;
    },
  };
}

function reasonFor(dumped, timedOut, full) {
  if (timedOut) return "timeout";
  const message = String(dumped?.message ?? dumped ?? "");
  if (/out of memory/i.test(message) || full) return "memory";
  return "error";
}

function errorLine(dumped, full) {
  let text;
  if (dumped && typeof dumped === "object" && "message" in dumped) {
    text = `${dumped.name ?? "Error"}: ${dumped.message}`;
  } else if ((dumped === null || dumped === "") && full) {
    // Out of memory while building the error object leaves nothing to show.
    text = "InternalError: out of memory";
  } else {
    text = `Uncaught ${String(dumped)}`;
  }
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/**
 * One run in a fresh runtime and context: `body(session)` does the mode's work and returns the
 * fields of the answer; this wraps it with limits, console, error mapping and disposal.
 */
function session(entry, job, body) {
  const { timeoutMs, memoryMb, maxOutputBytes } = job;
  const stdout = cappedSink(maxOutputBytes);
  const stderr = cappedSink(maxOutputBytes);
  const started = performance.now();
  const done = (fields) => ({
    stdout: stdout.text,
    stderr: stderr.text,
    durationMs: Math.round(performance.now() - started),
    ...fields,
  });

  const runtime = entry.quickjs.newRuntime();
  runtime.setMemoryLimit(memoryMb * MIB);
  runtime.setMaxStackSize(STACK_BYTES);
  const deadline = Date.now() + timeoutMs;
  const state = { timedOut: false };
  runtime.setInterruptHandler(() => {
    if (Date.now() <= deadline) return false;
    state.timedOut = true;
    return true;
  });
  const vm = runtime.newContext();
  const handles = [];
  const keep = (handle) => {
    handles.push(handle);
    return handle;
  };
  const fail = (dumped) => {
    const full = nearlyFull(entry);
    return done({ reason: reasonFor(dumped, state.timedOut, full), error: errorLine(dumped, full) });
  };
  // dump() frees promise handles itself, so only free what is still alive.
  const dumpAndFree = (handle) => {
    const dumped = vm.dump(handle);
    if (handle.alive) handle.dispose();
    return dumped;
  };
  try {
    const formatter = keep(vm.unwrapResult(vm.evalCode(FORMAT_SOURCE, "format.js")));
    const limit = keep(vm.newNumber(maxOutputBytes));
    const format = (handle) => {
      const formatted = vm.callFunction(formatter, vm.undefined, handle, limit);
      if (formatted.error) {
        formatted.error.dispose();
        return "[unprintable]";
      }
      const text = vm.getString(formatted.value);
      formatted.value.dispose();
      return text;
    };
    const consoleObject = keep(vm.newObject());
    for (const [name, sink] of [
      ["log", stdout],
      ["info", stdout],
      ["debug", stdout],
      ["warn", stderr],
      ["error", stderr],
    ]) {
      const fn = vm.newFunction(name, (...args) => {
        sink.write(`${args.map(format).join(" ")}\n`);
      });
      vm.setProp(consoleObject, name, fn);
      fn.dispose();
    }
    vm.setProp(vm.global, "console", consoleObject);
    const fields = body({ vm, runtime, keep, fail, dumpAndFree, format, state });
    // A toJSON, getter or toString that ran past the limit while we printed is a timeout.
    if (state.timedOut && fields.reason !== "timeout") {
      return done({
        ...fields,
        reason: "timeout",
        error: `timed out after ${timeoutMs} ms`,
        result: undefined,
        passed: false,
      });
    }
    return done(fields);
  } catch (error) {
    // The host side failed (QuickJS itself out of memory while we marshalled a value, mostly).
    const message = error instanceof Error ? error.message : String(error);
    if (state.timedOut) return done({ reason: "timeout", error: `timed out after ${timeoutMs} ms` });
    const memory = /memory/i.test(message) || nearlyFull(entry);
    return done({ reason: memory ? "memory" : "error", error: `InternalError: ${message}` });
  } finally {
    for (const handle of handles) if (handle.alive) handle.dispose();
    vm.dispose();
    runtime.dispose();
  }
}

/** Parses first, so a syntax error is told apart from a SyntaxError thrown while running. */
function syntaxError(vm, dumpAndFree, code) {
  const compiled = vm.evalCode(code, "main.js", { type: "global", compileOnly: true });
  if (!compiled.error) {
    compiled.value.dispose();
    return undefined;
  }
  const dumped = dumpAndFree(compiled.error);
  return dumped?.name === "SyntaxError" ? errorLine(dumped, false) : { dumped };
}

/** Program mode: run the code, report its result (setResult, else the last expression). */
function runProgram(entry, job) {
  return session(entry, job, ({ vm, runtime, keep, fail, dumpAndFree, format }) => {
    let explicit;
    const setResult = vm.newFunction("setResult", (value) => {
      explicit = value === undefined || vm.typeof(value) === "undefined" ? undefined : format(value);
    });
    vm.setProp(vm.global, "setResult", setResult);
    setResult.dispose();

    if (job.input !== undefined) {
      const json = vm.newString(JSON.stringify(job.input));
      const parsed = vm.unwrapResult(vm.evalCode("JSON.parse"));
      const value = vm.unwrapResult(vm.callFunction(parsed, vm.undefined, json));
      vm.setProp(vm.global, "input", value);
      for (const h of [json, parsed, value]) h.dispose();
    }

    const syntax = syntaxError(vm, dumpAndFree, job.code);
    if (typeof syntax === "string") return { reason: "syntax", error: syntax };
    if (syntax) return fail(syntax.dumped);

    const evaluated = vm.evalCode(job.code, "main.js", { type: "global" });
    if (evaluated.error) return fail(dumpAndFree(evaluated.error));
    let value = keep(evaluated.value);
    // Async code: drain the job queue (the interrupt handler still applies) and unwrap the promise.
    const pending = runtime.executePendingJobs();
    if (pending.error) return fail(dumpAndFree(pending.error));
    const state = vm.getPromiseState(value);
    if (state.type === "pending") {
      return { reason: "error", error: "Error: the promise never settled (there are no timers here)" };
    }
    if (state.type === "rejected") return fail(dumpAndFree(state.error));
    // A plain value comes back as the same handle (already kept); a settled promise as a new one.
    if (!state.notAPromise) value = keep(state.value);
    const result = explicit ?? (vm.typeof(value) === "undefined" ? undefined : format(value));
    return { reason: "ok", result };
  });
}

/**
 * Tests mode: the harness (quickjs-harness.mjs) is built before the candidate runs; then the
 * candidate; then the harness puts back the built-ins and the host calls its test runner. "Passed"
 * is the host seeing that call return (and its promise, if any, fulfil): no value or global the
 * candidate controls is consulted.
 */
function runTests(entry, job) {
  return session(entry, job, ({ vm, runtime, keep, fail, dumpAndFree }) => {
    const failed = (stage, dumped) => {
      const answer = fail(dumped);
      if (answer.reason !== "error") return { ...answer, stage };
      const failure = dumped?.name === "AssertionError" && stage === "tests" ? "assertion" : "crash";
      return { ...answer, stage, failure };
    };
    const harness = vm.evalCode(HARNESS_SOURCE, "harness.js", { type: "global" });
    if (harness.error) return fail(dumpAndFree(harness.error));
    const build = keep(harness.value);
    const tests = keep(vm.newString(job.tests));
    const built = vm.callFunction(build, vm.undefined, tests);
    if (built.error) return fail(dumpAndFree(built.error));
    const kit = keep(built.value);
    const restore = keep(vm.getProp(kit, "restore"));
    const runner = keep(vm.getProp(kit, "runner"));
    if (vm.typeof(runner) !== "function") {
      return { reason: "syntax", stage: "tests", error: vm.getString(keep(vm.getProp(kit, "error"))) };
    }

    const syntax = syntaxError(vm, dumpAndFree, job.code);
    if (typeof syntax === "string") return { reason: "syntax", stage: "candidate", error: syntax };
    if (syntax) return failed("candidate", syntax.dumped);
    const evaluated = vm.evalCode(job.code, "main.js", { type: "global" });
    if (evaluated.error) return failed("candidate", dumpAndFree(evaluated.error));
    evaluated.value.dispose();
    const settled = runtime.executePendingJobs();
    if (settled.error) return failed("candidate", dumpAndFree(settled.error));

    const restored = vm.callFunction(restore, vm.undefined);
    if (restored.error) return failed("candidate", dumpAndFree(restored.error));
    const problems = vm.dump(restored.value);
    restored.value.dispose();
    if (Array.isArray(problems) && problems.length > 0) {
      const names = problems.slice(0, 5).map(String).join(", ");
      return {
        reason: "error",
        stage: "candidate",
        failure: "blocked",
        error: `the candidate changed built-ins the tests rely on and they could not be put back: ${names}`,
      };
    }

    const ran = vm.callFunction(runner, vm.undefined);
    if (ran.error) return failed("tests", dumpAndFree(ran.error));
    const value = keep(ran.value);
    const pending = runtime.executePendingJobs();
    if (pending.error) return failed("tests", dumpAndFree(pending.error));
    const state = vm.getPromiseState(value);
    if (state.type === "pending") {
      return {
        reason: "error",
        stage: "tests",
        failure: "crash",
        error: "Error: the tests' promise never settled (there are no timers here)",
      };
    }
    if (state.type === "rejected") return failed("tests", dumpAndFree(state.error));
    if (!state.notAPromise) state.value.dispose();
    return { reason: "ok", passed: true };
  });
}

parentPort.on("message", async (job) => {
  const entry = await instanceFor(job.memoryMb);
  const result = job.mode === "tests" ? runTests(entry, job) : runProgram(entry, job);
  const grown = entry.wasmMemory.buffer.byteLength - BASE_MB * MIB > RETIRE_AFTER_GROWTH_BYTES;
  const retire = grown || result.reason === "memory";
  parentPort.postMessage({ id: job.id, ...result, retire });
});
parentPort.postMessage({ ready: true });
