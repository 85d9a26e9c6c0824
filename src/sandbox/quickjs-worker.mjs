// The worker thread behind runJavaScript: loads QuickJS once, then runs each job in a fresh
// runtime and context so no state leaks between runs. Plain .mjs so a worker needs no TypeScript
// loader. QuickJS has no `process`, `require`, `fetch`, timers or file system: the only things the
// code can reach are the intrinsics plus the `console`, `input` and `setResult` we define here.
import { parentPort } from "node:worker_threads";
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from "quickjs-emscripten";

const MIB = 1024 * 1024;
const WASM_PAGE = 64 * 1024;
// The QuickJS build reserves 16 MiB up front (INITIAL_MEMORY: its stack and static data); the
// code's own heap comes on top.
const BASE_MB = 16;
// QuickJS counts its own C stack; 1 MiB allows ~10k frames of simple recursion and fails well
// before the wasm stack itself would overflow (which would abort the module).
const STACK_BYTES = 1024 * 1024;

// Formats one value the way a reader expects to see it printed: strings bare, primitives via
// String() (so NaN stays NaN, not JSON's null), objects as JSON.
const FORMAT_SOURCE = `(v) => {
  if (typeof v === "string") return v;
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return String(v);
  if (v instanceof Error) return v.name + ": " + v.message;
  if (typeof v === "function") return "[Function " + (v.name || "anonymous") + "]";
  try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch { return String(v); }
}`;

/**
 * One QuickJS module per memory limit. The limit that really holds is the wasm memory's `maximum`:
 * this build has no malloc_usable_size, so QuickJS's own `setMemoryLimit` accounting undercounts
 * (it sees ~8 bytes per allocation). When the wasm memory is full, malloc fails and QuickJS throws
 * its ordinary "out of memory". Wasm memory never shrinks, so a module that filled up is replaced.
 */
const modules = new Map();

async function moduleFor(memoryMb) {
  let entry = modules.get(memoryMb);
  if (!entry) {
    const maxBytes = (BASE_MB + memoryMb) * MIB;
    const wasmMemory = new WebAssembly.Memory({
      initial: (BASE_MB * MIB) / WASM_PAGE,
      maximum: maxBytes / WASM_PAGE,
    });
    const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory }));
    entry = { quickjs, wasmMemory, maxBytes };
    modules.set(memoryMb, entry);
  }
  return entry;
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
  if (dumped && typeof dumped === "object" && "message" in dumped) {
    return `${dumped.name ?? "Error"}: ${dumped.message}`;
  }
  // Out of memory while building the error object leaves nothing to show.
  if ((dumped === null || dumped === "") && full) return "InternalError: out of memory";
  return `Uncaught ${String(dumped)}`;
}

function run(entry, { code, timeoutMs, memoryMb, maxOutputBytes, input }) {
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
  let timedOut = false;
  runtime.setInterruptHandler(() => {
    if (Date.now() <= deadline) return false;
    timedOut = true;
    return true;
  });
  const vm = runtime.newContext();
  const handles = [];
  const fail = (dumped) => {
    const full = nearlyFull(entry);
    return done({ reason: reasonFor(dumped, timedOut, full), error: errorLine(dumped, full) });
  };
  // dump() frees promise handles itself, so only free what is still alive.
  const dumpAndFree = (handle) => {
    const dumped = vm.dump(handle);
    if (handle.alive) handle.dispose();
    return dumped;
  };
  const keep = (handle) => {
    handles.push(handle);
    return handle;
  };
  try {
    const formatter = vm.unwrapResult(vm.evalCode(FORMAT_SOURCE, "format.js"));
    keep(formatter);
    const format = (handle) => {
      if (vm.typeof(handle) === "string") return vm.getString(handle);
      const formatted = vm.callFunction(formatter, vm.undefined, handle);
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

    let explicit;
    const setResult = vm.newFunction("setResult", (value) => {
      explicit = value === undefined || vm.typeof(value) === "undefined" ? undefined : format(value);
    });
    vm.setProp(vm.global, "setResult", setResult);
    setResult.dispose();

    if (input !== undefined) {
      const json = vm.newString(JSON.stringify(input));
      const parsed = vm.unwrapResult(vm.evalCode("JSON.parse"));
      const value = vm.unwrapResult(vm.callFunction(parsed, vm.undefined, json));
      vm.setProp(vm.global, "input", value);
      for (const h of [json, parsed, value]) h.dispose();
    }

    // Parse first so a syntax error is told apart from a SyntaxError thrown while running
    // (`JSON.parse("x")`), which is an ordinary runtime error.
    const compiled = vm.evalCode(code, "main.js", { type: "global", compileOnly: true });
    if (compiled.error) {
      const dumped = dumpAndFree(compiled.error);
      if (dumped?.name === "SyntaxError") return done({ reason: "syntax", error: errorLine(dumped, false) });
      return fail(dumped);
    }
    compiled.value.dispose();

    const evaluated = vm.evalCode(code, "main.js", { type: "global" });
    if (evaluated.error) {
      const dumped = dumpAndFree(evaluated.error);
      return fail(dumped);
    }
    let value = keep(evaluated.value);
    // Async code: drain the job queue (the interrupt handler still applies) and unwrap the promise.
    const pending = runtime.executePendingJobs();
    if (pending.error) {
      const dumped = dumpAndFree(pending.error);
      return fail(dumped);
    }
    const state = vm.getPromiseState(value);
    if (state.type === "pending") {
      return done({ reason: "error", error: "Error: the promise never settled (there are no timers here)" });
    }
    if (state.type === "rejected") {
      const dumped = dumpAndFree(state.error);
      return fail(dumped);
    }
    // A plain value comes back as the same handle (already kept); a settled promise as a new one.
    if (!state.notAPromise) value = keep(state.value);

    const result = explicit ?? (vm.typeof(value) === "undefined" ? undefined : format(value));
    return done({ reason: "ok", result });
  } catch (error) {
    // The host side failed (QuickJS itself out of memory while we marshalled a value, mostly).
    const message = error instanceof Error ? error.message : String(error);
    const memory = /memory/i.test(message) || nearlyFull(entry);
    return done({ reason: memory ? "memory" : "error", error: `InternalError: ${message}` });
  } finally {
    for (const handle of handles) if (handle.alive) handle.dispose();
    vm.dispose();
    runtime.dispose();
  }
}

parentPort.on("message", async (job) => {
  const entry = await moduleFor(job.memoryMb);
  const result = run(entry, job);
  if (nearlyFull(entry) || result.reason === "memory") modules.delete(job.memoryMb);
  parentPort.postMessage({ id: job.id, ...result });
});
parentPort.postMessage({ ready: true });
