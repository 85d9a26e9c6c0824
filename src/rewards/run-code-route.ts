/**
 * `POST /run_code`, SandboxFusion-compatible, so verl's sandbox reward utilities (and anything else
 * written against SandboxFusion) can point at deliberate unchanged, for `python` and `nodejs`.
 *
 * Request `{code, language, run_timeout?, memory_limit_MB?, stdin?, files?, compile_timeout?,
 * fetch_files?}` → `{status: "Success" | "Failed", message, compile_result: null, run_result:
 * {status: "Finished" | "TimeLimitExceeded", execution_time, return_code, stdout, stderr}, files: {}}`.
 *
 * What differs from SandboxFusion, by design of our sandboxes (`src/sandbox/`):
 * - `python` runs in pyodide (CPython 3.12 in WebAssembly): no subprocesses, sockets or native
 *   extensions beyond pyodide's. `stdin` and `files` (path → base64) are given to the program by a
 *   one-line preamble; tracebacks keep the program's own line numbers.
 * - `nodejs` runs in QuickJS, not Node: plain JavaScript with `console`, no `require`, `process` or
 *   `fs`, so `stdin` and `files` are refused for it with a 400 rather than silently dropped.
 * - Nothing is compiled (`compile_timeout` is ignored) and files a program writes cannot be fetched
 *   (`fetch_files` is refused).
 * - A program's memory limit is the interpreter's heap; going past it is `return_code` 1, as a
 *   `MemoryError` is in CPython.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { MAX_MEMORY_MB } from "../sandbox/check-limits.ts";
import type { SandboxLanguage, SandboxResult } from "../sandbox/types.ts";
import { readJsonBody } from "../server/json-body.ts";
import type { RewardEnv, RewardState } from "./reward-app.ts";

/** SandboxFusion's languages we run, and the sandbox each runs in. */
const LANGUAGES: Record<string, SandboxLanguage> = { python: "python", nodejs: "javascript" };

/** SandboxFusion's default `run_timeout`, in seconds. */
const DEFAULT_RUN_TIMEOUT_S = 10;

const requestSchema = z.object({
  code: z.string(),
  language: z.string(),
  run_timeout: z.number().positive().finite().optional(),
  compile_timeout: z.number().optional(),
  // SandboxFusion's -1: no limit of the caller's, so the sandbox's default.
  memory_limit_MB: z.number().optional(),
  stdin: z.string().nullable().optional(),
  files: z.record(z.string(), z.string().nullable()).optional(),
  fetch_files: z.array(z.string()).optional(),
});

type RunCodeRequest = z.infer<typeof requestSchema>;

function refuse(param: string, message: string): never {
  throw new DeliberateError("BAD_REQUEST", message, { param });
}

/**
 * The Python preamble giving a program its stdin and files, on one line so only line 1 shifts (and
 * the traceback numbers are shifted back). JSON string literals are Python string literals.
 */
function pythonPreamble(stdin: string, files: Record<string, string>): string {
  const parts = ["import io as _dl_io, os as _dl_os, sys as _dl_sys, base64 as _dl_b64"];
  if (Object.keys(files).length > 0) {
    parts.push(
      `[(_dl_os.makedirs(_dl_os.path.dirname(_dl_p) or ".", exist_ok=True), open(_dl_p, "wb").write(_dl_b64.b64decode(_dl_b))) for _dl_p, _dl_b in ${JSON.stringify(files)}.items()]`,
    );
  }
  if (stdin !== "") {
    parts.push(
      `_dl_sys.stdin = _dl_io.TextIOWrapper(_dl_io.BytesIO(${JSON.stringify(stdin)}.encode("utf-8", "surrogatepass")), encoding="utf-8")`,
    );
  }
  parts.push("del _dl_io, _dl_os, _dl_sys, _dl_b64");
  return `${parts.join("; ")}\n`;
}

/** `File "<code>", line 3` and `(line 3)` back to the program's own numbering. */
function unshiftLines(text: string): string {
  return text
    .replace(/(File "<code>", line )(\d+)/g, (_, head: string, n: string) => `${head}${Number(n) - 1}`)
    .replace(/\(line (\d+)\)/g, (_, n: string) => `(line ${Number(n) - 1})`);
}

/** The code to run, with stdin and files given to it, or a 400 for what the language cannot take. */
function programOf(request: RunCodeRequest, language: SandboxLanguage): { code: string; shifted: boolean } {
  const stdin = request.stdin ?? "";
  const files = Object.fromEntries(
    Object.entries(request.files ?? {}).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  if ((request.fetch_files ?? []).length > 0) {
    refuse("fetch_files", "`fetch_files` is not supported: files a program writes stay in its sandbox");
  }
  if (stdin === "" && Object.keys(files).length === 0) return { code: request.code, shifted: false };
  if (language === "javascript") {
    refuse(
      stdin === "" ? "files" : "stdin",
      "`stdin` and `files` are supported for `python` only: `nodejs` programs run in QuickJS, which has no process.stdin or fs",
    );
  }
  if (/^\s*from\s+__future__\s+import/m.test(request.code)) {
    refuse(
      stdin === "" ? "files" : "stdin",
      "a program with `from __future__` imports cannot be given `stdin` or `files` (they are set up by a line placed before it)",
    );
  }
  return { code: pythonPreamble(stdin, files) + request.code, shifted: true };
}

/** A Python `sys.exit(n)` reports `SystemExit: n`: that is its exit status. */
function returnCode(run: SandboxResult): number | null {
  if (run.reason === "ok") return 0;
  if (run.reason === "timeout") return null;
  const exit = /^SystemExit: (-?\d+)$/.exec(run.error ?? "");
  return exit ? Number(exit[1]) : 1;
}

function sandboxFusionResponse(run: SandboxResult, shifted: boolean) {
  const fix = shifted ? unshiftLines : (text: string) => text;
  let stderr = fix(run.stderr);
  const error = run.error === undefined ? undefined : fix(run.error);
  // QuickJS errors and syntax errors are not printed by the program: put them where a user looks.
  if (error !== undefined && run.reason !== "timeout" && !stderr.includes(error)) {
    stderr += `${stderr === "" || stderr.endsWith("\n") ? "" : "\n"}${error}\n`;
  }
  const finished = run.reason !== "timeout";
  return {
    status: run.ok ? "Success" : "Failed",
    message: run.ok ? "" : (error ?? run.reason),
    compile_result: null,
    run_result: {
      status: finished ? "Finished" : "TimeLimitExceeded",
      execution_time: run.durationMs / 1000,
      return_code: returnCode(run),
      stdout: run.stdout,
      stderr,
    },
    executor_pod_name: null,
    files: {},
  };
}

export function runCodeRoute(app: Hono<RewardEnv>, state: RewardState): void {
  app.post("/run_code", async (c) => {
    const request = await readJsonBody(c, requestSchema);
    const language = LANGUAGES[request.language];
    if (language === undefined) {
      refuse(
        "language",
        `language \`${request.language}\` is not supported: ${Object.keys(LANGUAGES).join(", ")}`,
      );
    }
    const timeoutMs = (request.run_timeout ?? DEFAULT_RUN_TIMEOUT_S) * 1000;
    if (timeoutMs > state.maxRunTimeoutMs) {
      refuse(
        "run_timeout",
        `\`run_timeout\` ${request.run_timeout} s is over this server's limit of ${state.maxRunTimeoutMs / 1000} s`,
      );
    }
    const memoryMb =
      request.memory_limit_MB === undefined || request.memory_limit_MB <= 0
        ? undefined
        : Math.ceil(request.memory_limit_MB);
    if (memoryMb !== undefined && memoryMb > MAX_MEMORY_MB) {
      refuse("memory_limit_MB", `\`memory_limit_MB\` is over the sandbox's limit of ${MAX_MEMORY_MB}`);
    }
    const { code, shifted } = programOf(request, language);
    const run = await state.admitOne(c.req.raw.signal, () =>
      state.runCode({ language, code, timeoutMs, ...(memoryMb === undefined ? {} : { memoryMb }) }),
    );
    state.metrics.runs.inc({ language: request.language, status: run.reason });
    return c.json(sandboxFusionResponse(run, shifted));
  });
}
