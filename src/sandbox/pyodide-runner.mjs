// The child process behind runPython. Started by run-python.ts with Node's permission model (read
// access to pyodide's folder and this one only; no child processes, no writes, no addons) and a
// cap on wasm memory pages. It loads pyodide once from the local folder, walls itself in, then
// runs one program per IPC message. A program that runs too long is not stopped here: the parent
// kills this whole process. Plain .mjs so the child needs no TypeScript loader.
import { constants as fsConstants, readFileSync } from "node:fs";
import { register } from "node:module";
import { constants as osConstants } from "node:os";
import { pathToFileURL } from "node:url";
import { MessageChannel } from "node:worker_threads";

// pyodide's folder as a path ending in "/": under Node, pyodide reads its files with fs, not fetch.
const indexURL = process.argv[2];
// Keep what we need from `process` before it is taken off the global object.
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

const lock = new MessageChannel();
register(new URL("./pyodide-import-lock.mjs", import.meta.url), {
  data: { port: lock.port2 },
  transferList: [lock.port2],
});

const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const started = performance.now();
// `jsglobals: {}`: Python's `js` module is an empty object instead of this process's globalThis.
const pyodide = await loadPyodide({ indexURL, jsglobals: {}, env: { HOME: "/home/pyodide" } });
const loadMs = Math.round(performance.now() - started);

const refuse = () => {
  throw new Error("loading packages is blocked in the sandbox");
};
pyodide.loadPackage = refuse;
pyodide.loadPackagesFromImports = refuse;
pyodide.setStdin({ error: true });
pyodide.runPython(readFileSync(new URL("./pyodide-prelude.py", import.meta.url), "utf8"));
const run = pyodide.globals.get("_deliberate_run");

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

function memoryBytes() {
  return pyodide._module.HEAP8.buffer.byteLength;
}

const onMessage = (job) => {
  const stdout = sink(job.maxOutputBytes);
  const stderr = sink(job.maxOutputBytes);
  pyodide.setStdout({ write: (bytes) => stdout.write(bytes) });
  pyodide.setStderr({ write: (bytes) => stderr.write(bytes) });
  const t0 = performance.now();
  let answer;
  let fatal = false;
  try {
    const proxy = run(job.code, job.moduleName);
    answer = proxy.toJs({ dict_converter: Object.fromEntries });
    proxy.destroy();
  } catch (error) {
    // Python errors are caught by the prelude, so this is pyodide itself failing (a fatal error
    // after a wasm trap or stack overflow): report it and let the parent start a fresh child.
    fatal = true;
    const message = error instanceof Error ? error.message : String(error);
    const memory = /memory|allocat/i.test(message);
    answer = { reason: memory ? "memory" : "error", error: `sandbox crashed: ${message.split("\n")[0]}` };
  }
  send(
    {
      type: "done",
      id: job.id,
      stdout: stdout.text,
      stderr: stderr.text,
      durationMs: Math.round(performance.now() - t0),
      memoryBytes: memoryBytes(),
      ...answer,
    },
    () => {
      if (fatal) exit(1);
    },
  );
};

listen(onMessage);
send({ type: "ready", loadMs, memoryBytes: memoryBytes() });
