// The child process behind runPython and runPythonTests. Started by run-python.ts with Node's
// permission model (read access to pyodide's folder and this one only; no child processes, no
// writes, no addons) and a cap on wasm memory pages. It loads pyodide once, runs the prelude, walls
// itself in, then runs one program per IPC message. A program that runs too long is not stopped
// here: a watchdog thread interrupts it at `timeoutMs` (Python's KeyboardInterrupt), and if it is
// still running a little later (it caught the interrupt, or sits in one long C call) the parent
// kills this whole process. Plain .mjs so the child needs no TypeScript loader.
//
// The first child boots pyodide and the prelude from scratch (seconds) and hands the parent a
// pyodide memory snapshot of the result; later children start from it (about a second).
//
// No program can affect the next one. After start-up this file copies the interpreter's whole
// wasm memory (CPython's heap, its modules, the prelude's functions and tables, the C runtime's
// state) and copies it back after every program, together with the wasm globals and the file
// table, so the next program starts from exactly the same bytes whatever the last one did in
// Python. The one way out of that memory is a call into JavaScript (pyodide's JS bridge, the file
// system, timers): every wasm import outside a short list of read-only ones marks the run
// "tainted", and a tainted child reports, exits and is replaced. The mark is set inside the import
// before the program's JavaScript could run, and is sent on a channel captured at start-up.
import { constants as fsConstants, readFileSync } from "node:fs";
import { register } from "node:module";
import { constants as osConstants } from "node:os";
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker } from "node:worker_threads";

// pyodide's folder as a path ending in "/": under Node, pyodide reads its files with fs, not fetch.
const indexURL = process.argv[2];
// Keep what we need from `process` before it is taken off the global object. Node's IPC
// serialises with its own (primordial) JSON.stringify, so a program that patched this realm's
// JSON cannot rewrite what is sent.
const send = process.send.bind(process);
const exit = process.exit.bind(process);
const ipc = process;
const listen = (handler) => ipc.on("message", handler);
process.on("disconnect", () => exit(0));

// Pyodide's NODEFS reads file-flag constants through process.binding, which the permission model
// forbids; these are the same constants.
process.binding = (name) => {
  if (name === "constants") return { fs: fsConstants, os: osConstants };
  throw new Error(`process.binding('${name}') is blocked in the sandbox`);
};

// --- the import guard ----------------------------------------------------------------------------

/**
 * Wasm imports a program may call without changing anything outside wasm memory: the C-to-C
 * trampolines, clocks, entropy, heap growth, environment and file-system reads. Everything else
 * (pyodide's JS bridge, file writes, sockets, timers, dlopen, exit…) taints the run.
 */
const FREE = new Set([
  "_PyEM_TrampolineCall_JS",
  "_PyImport_InitFunc_TrampolineCall",
  "_PyEM_GetCountArgsPtr",
  "_Py_emscripten_runtime",
  "_Py_CheckEmscriptenSignals_Helper",
  "_emscripten_throw_longjmp",
  "getentropy",
  "emscripten_date_now",
  "_emscripten_get_now_is_monotonic",
  "emscripten_get_now",
  "emscripten_get_now_res",
  "emscripten_resize_heap",
  "emscripten_get_heap_max",
  "_tzset_js",
  "_timegm_js",
  "_mktime_js",
  "_localtime_js",
  "_gmtime_js",
  "strftime",
  "strftime_l",
  "environ_sizes_get",
  "environ_get",
  "_emscripten_get_progname",
  "__syscall_getcwd",
  "__syscall_stat64",
  "__syscall_lstat64",
  "__syscall_fstat64",
  "__syscall_newfstatat",
  "__syscall_faccessat",
  "__syscall_readlinkat",
  "__syscall_getdents64",
  "__syscall_statfs64",
  "__syscall_fstatfs64",
  "__syscall_poll",
  "__syscall__newselect",
  "__syscall_fadvise64",
  "__syscall_fdatasync",
  "fd_sync",
  "fd_read",
  "fd_pread",
  "fd_seek",
  "fd_fdstat_get",
]);

// musl's open(2) flags: anything but a plain read-only open may change the file system.
const O_ACCMODE = 0o3;
// O_TMPFILE needs a writing access mode, so the access-mode check covers it.
const O_WRITING = 0o100 /* O_CREAT */ | 0o1000 /* O_TRUNC */ | 0o2000; /* O_APPEND */
// fcntl commands that only read (or make a new descriptor); ioctl requests that only read a tty.
const FCNTL_READS = new Set([0 /* F_DUPFD */, 1 /* F_GETFD */, 3 /* F_GETFL */, 5, 12 /* F_GETLK */, 1030]);
const IOCTL_READS = new Set([0x5401 /* TCGETS */, 0x540f /* TIOCGPGRP */, 0x5413 /* TIOCGWINSZ */, 0x541b]);

/** Descriptors open when the snapshot was taken (stdin, stdout, stderr): a program may not close or redirect them. */
let existingFds = new Set([0, 1, 2]);
const isNewFd = (fd) => !existingFds.has(fd);

/** Imports allowed when their arguments show they touch only what this run opened. */
const CHECKED = {
  __syscall_openat: (_dirfd, _path, flags) => (flags & O_ACCMODE) === 0 && (flags & O_WRITING) === 0,
  fd_close: (fd) => isNewFd(fd),
  fd_write: (fd) => fd === 1 || fd === 2 || isNewFd(fd),
  fd_pwrite: (fd) => isNewFd(fd),
  __syscall_fcntl64: (fd, cmd) => isNewFd(fd) || FCNTL_READS.has(cmd),
  __syscall_ioctl: (_fd, op) => IOCTL_READS.has(op),
  __syscall_dup: () => true,
  __syscall_dup3: (_fd, target) => isNewFd(target),
};

/** The import's name, and for a file opened for writing, the file. */
function describe(name, args) {
  if (name !== "__syscall_openat") return name;
  try {
    return `${name} ${M.UTF8ToString(args[1])} for writing`;
  } catch {
    return name;
  }
}

let watching = false;
/** The first guarded import a program called (empty when none): the run is tainted. */
let reached = "";
let functionTable;
const wasmGlobals = [];

function guardImports(env) {
  for (const name of Object.keys(env)) {
    const original = env[name];
    if (original instanceof WebAssembly.Table) functionTable = original;
    if (original instanceof WebAssembly.Global) wasmGlobals.push(original);
    if (typeof original !== "function" || FREE.has(name)) continue;
    const check = CHECKED[name];
    const guarded = function (...args) {
      if (watching && reached === "" && !check?.(...args)) reached = describe(name, args);
      return original.apply(this, args);
    };
    // Emscripten reads metadata (the signature `sig`) off import functions.
    for (const key of Object.getOwnPropertyNames(original)) {
      if (!Object.hasOwn(guarded, key)) guarded[key] = original[key];
    }
    env[name] = guarded;
  }
}

const lock = new MessageChannel();
register(new URL("./pyodide-import-lock.mjs", import.meta.url), {
  data: { port: lock.port2 },
  transferList: [lock.port2],
});

const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = function (source, imports) {
  if (imports?.env) guardImports(imports.env);
  return instantiate.call(this, source, imports).then((result) => {
    for (const value of Object.values(result.instance?.exports ?? {})) {
      if (value instanceof WebAssembly.Global) wasmGlobals.push(value);
    }
    return result;
  });
};
// The parent's first message: the boot image of an earlier child ({ snapshot, entry }) or null.
const { image: bootImage } = await new Promise((resolve) => ipc.once("message", resolve));
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const started = performance.now();
// `jsglobals: {}`: Python's `js` module is an empty object instead of this process's globalThis.
const pyodide = await loadPyodide({
  indexURL,
  jsglobals: {},
  env: { HOME: "/home/pyodide" },
  ...(bootImage ? { _loadSnapshot: bootImage.snapshot } : { _makeSnapshot: true }),
});
WebAssembly.instantiate = instantiate;
const M = pyodide._module;

const refuse = () => {
  throw new Error("loading packages is blocked in the sandbox");
};
pyodide.loadPackage = refuse;
pyodide.loadPackagesFromImports = refuse;
pyodide.setStdin({ error: true });

// --- the watchdog --------------------------------------------------------------------------------
// This thread is busy inside wasm while a program runs, so a second thread keeps the time: at the
// deadline it writes SIGINT into pyodide's interrupt buffer, which CPython checks between bytecodes
// and turns into KeyboardInterrupt. `watch` holds the running job's number; IDLE between jobs.
// The watchdog claims it (FIRING) before writing the signal and marks it FIRED after, so a job that
// ends just then waits for the write and no signal leaks into the next job.
const IDLE = 0;
const FIRING = -1;
const FIRED = -2;
const SIGINT = 2;
const interruptBuffer = new Int32Array(new SharedArrayBuffer(4));
const watch = new Int32Array(new SharedArrayBuffer(4));
const watchdog = new Worker(
  `const { parentPort, workerData: { interrupt, watch } } = require("node:worker_threads");
  parentPort.on("message", ({ job, timeoutMs }) => {
    setTimeout(() => {
      if (Atomics.compareExchange(watch, 0, job, ${FIRING}) !== job) return;
      Atomics.store(interrupt, 0, ${SIGINT});
      Atomics.store(watch, 0, ${FIRED});
      Atomics.notify(watch, 0);
    }, timeoutMs);
  });`,
  { eval: true, workerData: { interrupt: interruptBuffer, watch } },
);
watchdog.unref();
pyodide.setInterruptBuffer(interruptBuffer);
let jobNumber = 0;

/** Arms the watchdog for one job. */
function arm(timeoutMs) {
  jobNumber = (jobNumber % 0x7fffffff) + 1;
  Atomics.store(interruptBuffer, 0, 0);
  Atomics.store(watch, 0, jobNumber);
  watchdog.postMessage({ job: jobNumber, timeoutMs });
}

/** Disarms it; true when it fired (the job ran past its limit). */
function disarm() {
  let fired = false;
  if (Atomics.compareExchange(watch, 0, jobNumber, IDLE) !== jobNumber) {
    while (Atomics.load(watch, 0) === FIRING) Atomics.wait(watch, 0, FIRING, 50);
    fired = true;
    Atomics.store(watch, 0, IDLE);
  }
  Atomics.store(interruptBuffer, 0, 0);
  return fired;
}

// Output goes to the sinks of the current run; the handlers are set once.
let sinks = { stdout: sink(0), stderr: sink(0) };
pyodide.setStdout({ write: (bytes) => sinks.stdout.write(bytes) });
pyodide.setStderr({ write: (bytes) => sinks.stderr.write(bytes) });

// The prelude runs in a dict of its own. The runner keeps a reference to `_entry` (CPython's id is
// its address) and then drops the name, so nothing in Python leads back to it; `_lockable` lists
// the classes (address, tp_flags) to mark immutable while tests run.
let entry = bootImage?.entry;
let lockable = bootImage?.lockable;
let newImage;
if (entry === undefined) {
  const privateGlobals = pyodide.toPy({});
  pyodide.runPython(readFileSync(new URL("./pyodide-prelude.py", import.meta.url), "utf8"), {
    globals: privateGlobals,
  });
  entry = pyodide.runPython("id(_entry)", { globals: privateGlobals });
  lockable = JSON.parse(pyodide.runPython("json.dumps(_lockable)", { globals: privateGlobals }));
  M._Py_IncRef(entry);
  pyodide.runPython("del _entry, _lockable", { globals: privateGlobals });
  newImage = { snapshot: pyodide.makeMemorySnapshot(), entry, lockable };
}

// CPython 3.12's PyTypeObject on wasm32: tp_flags is the 22nd 4-byte field. Checked against the
// flags Python reported, so a different layout stops the child instead of corrupting a type.
const TP_FLAGS_OFFSET = 84;
const IMMUTABLE_TYPE = 1 << 8;
// Bits CPython flips on its own as a type is used (its method-cache tag, abstractness).
const VOLATILE_FLAGS = (1 << 13) | (1 << 19) | (1 << 20);
for (const [address, flags] of lockable) {
  if (((M.HEAPU32[(address + TP_FLAGS_OFFSET) >>> 2] ^ flags) & ~VOLATILE_FLAGS) !== 0) {
    throw new Error("unexpected PyTypeObject layout: cannot protect library classes while grading");
  }
}

/** Marks every library class immutable for one tests run; the memory restore unmarks them. */
function lockClasses() {
  const heap = M.HEAPU32;
  for (const [address] of lockable) heap[(address + TP_FLAGS_OFFSET) >>> 2] |= IMMUTABLE_TYPE;
}
const loadMs = Math.round(performance.now() - started);

// Wall in: no further imports, no network or process globals for eval'd JavaScript to find.
lock.port1.postMessage("lock");
lock.port1.unref();
for (const name of [
  "process",
  "fetch",
  "WebSocket",
  "EventSource",
  "XMLHttpRequest",
  "Request",
  "Response",
  "Headers",
  "FormData",
  "navigator",
]) {
  delete globalThis[name];
}

// --- the snapshot --------------------------------------------------------------------------------
/**
 * Wasm memory never shrinks: a child whose program grew it by more than this exits instead of
 * zeroing the growth, so its pages go back to the system rather than staying resident.
 */
const EXIT_AFTER_GROWTH_BYTES = 64 * 1024 * 1024;
const image = M.HEAPU8.slice();
// Only mutable globals can change (the stack pointer, mostly); most exports are fixed addresses.
const mutableGlobals = wasmGlobals.filter((global) => {
  const value = global.value;
  try {
    global.value = value; // throws for an immutable global
    return true;
  } catch {
    return false;
  }
});
const globalValues = mutableGlobals.map((global) => global.value);
const tableLength = functionTable?.length ?? 0;
const savedStreams = new Map();
M.FS.streams.forEach((stream, fd) => {
  if (stream) savedStreams.set(fd, { position: stream.position, flags: stream.flags });
});
existingFds = new Set(savedStreams.keys());

/** Puts the interpreter back exactly as the snapshot has it. */
function restore() {
  const heap = M.HEAPU8;
  heap.set(image);
  // Memory the program grew is zeroed, as fresh pages would be (calloc relies on it).
  if (heap.length > image.length) heap.fill(0, image.length);
  mutableGlobals.forEach((global, i) => {
    if (global.value !== globalValues[i]) global.value = globalValues[i];
  });
  M.FS.streams.forEach((stream, fd) => {
    if (!stream) return;
    const saved = savedStreams.get(fd);
    if (saved) {
      stream.position = saved.position;
      stream.flags = saved.flags;
      return;
    }
    try {
      M.FS.close(stream);
    } catch {
      M.FS.closeStream(fd);
    }
  });
}

function sink(limit) {
  const decoder = new TextDecoder();
  let text = "";
  let cut = false;
  return {
    write(bytes) {
      if (!cut) {
        text += decoder.decode(bytes, { stream: true });
        if (text.length > limit) {
          text = `${text.slice(0, limit)}\n[output truncated at ${limit} bytes]\n`;
          cut = true;
        }
      }
      return bytes.length;
    },
    get text() {
      return text;
    },
  };
}

const REASONS = new Set(["ok", "error", "timeout", "memory", "syntax"]);
const STAGES = new Set(["candidate", "tests"]);
const FAILURES = new Set(["assertion", "exit", "crash", "blocked"]);
const encoder = new TextEncoder();
const answerDecoder = new TextDecoder();

/** The entry's answer (status byte + JSON), read straight from wasm memory; null when unreadable. */
function readAnswer(pointer) {
  if (!pointer) return null;
  const data = M._PyBytes_AsString(pointer);
  if (!data) return null;
  const bytes = M.HEAPU8.subarray(data, data + M._PyBytes_Size(pointer));
  try {
    const fields = JSON.parse(answerDecoder.decode(bytes.subarray(1)));
    return { status: String.fromCharCode(bytes[0]), fields };
  } catch {
    return null;
  }
}

/** Only primitive, known values leave this process: a tainted run's objects are not trusted. */
function field(fields, name, allowed) {
  const value = fields?.[name];
  if (typeof value !== "string") return undefined;
  return allowed === undefined || allowed.has(value) ? value : undefined;
}

const onMessage = (job) => {
  const stdout = sink(job.maxOutputBytes);
  const stderr = sink(job.maxOutputBytes);
  sinks = { stdout, stderr };
  const request = encoder.encode(
    JSON.stringify({
      mode: job.mode,
      code: job.code,
      tests: job.tests ?? "",
      moduleName: job.moduleName,
      maxOutputBytes: job.maxOutputBytes,
    }),
  );
  const t0 = performance.now();
  let answer = null;
  let crash;
  reached = "";
  if (job.mode === "tests") lockClasses();
  arm(job.timeoutMs);
  watching = true;
  try {
    const bytes = M._PyBytes_FromStringAndSize(0, request.length);
    if (bytes) {
      M.HEAPU8.set(request, M._PyBytes_AsString(bytes));
      answer = readAnswer(M._PyObject_CallOneArg(entry, bytes));
    }
  } catch (error) {
    // pyodide itself failed (a wasm trap, a stack overflow): report it and let the parent start a
    // fresh child.
    crash = error instanceof Error ? error.message : String(error);
  }
  watching = false;
  const timedOut = disarm();
  if (reached === "" && (functionTable?.length ?? 0) !== tableLength) reached = "the function table";
  const tainted = reached;
  const durationMs = Math.round(performance.now() - t0);
  const memoryBytes = M.HEAPU8.length;

  const fields = answer?.fields;
  const report = { __proto__: null };
  try {
    report.reason = field(fields, "reason", REASONS) ?? "error";
    report.result = field(fields, "result");
    report.error = field(fields, "error");
    report.stage = field(fields, "stage", STAGES);
    report.failure = field(fields, "failure", FAILURES);
    report.stdout = String(stdout.text);
    report.stderr = String(stderr.text);
  } catch {
    report.reason = "error";
  }
  if (answer === null && crash === undefined && report.error === undefined) {
    report.error = "the sandbox's answer could not be read";
  }
  if (crash !== undefined) {
    report.reason = /memory|allocat/i.test(crash) ? "memory" : "error";
    report.error = `sandbox crashed: ${crash.split("\n")[0]}`;
  }
  if (timedOut) {
    // Whatever the program made of the KeyboardInterrupt (even "passed" tests), time was up.
    report.reason = "timeout";
    report.error = `timed out after ${job.timeoutMs} ms`;
    report.result = undefined;
  }
  // Tests passed only if the harness said so by its status byte and nothing reached outside.
  report.passed =
    job.mode === "tests" && tainted === "" && crash === undefined && !timedOut && answer?.status === "P";
  report.tainted = tainted;
  const grown = memoryBytes - image.length > EXIT_AFTER_GROWTH_BYTES;
  const exiting = crash !== undefined || tainted !== "" || grown;
  report.exiting = exiting;
  report.durationMs = durationMs;
  report.type = "done";
  report.id = job.id;
  send(report, () => {
    if (exiting) exit(1);
  });
  // After the answer is on its way, so the caller need not wait for it; the next job is read
  // only once this handler returns.
  if (!exiting) restore();
};

listen(onMessage);
send({ type: "ready", loadMs, memoryBytes: image.length, image: newImage });
