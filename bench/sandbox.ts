/**
 * Sandbox latency: cold start and warm per-run time for QuickJS (worker) and pyodide (child).
 * Prints JSON. Run: `npx tsx bench/sandbox.ts [runs]` (default 20 warm runs per language).
 */
import { closeSandboxes, runCode } from "../src/sandbox/index.ts";
import type { SandboxLanguage } from "../src/sandbox/types.ts";

const runs = Number(process.argv[2] ?? 20);
const programs: Record<SandboxLanguage, string> = {
  javascript: "let s = 0; for (let i = 0; i < 1000; i++) s += i; console.log(s); s",
  python: "s = sum(range(1000))\nprint(s)\ns",
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const report: Record<string, unknown> = { runs };
for (const language of ["javascript", "python"] as const) {
  const coldStart = performance.now();
  const first = await runCode({ language, code: programs[language] });
  const coldMs = performance.now() - coldStart;
  if (!first.ok) throw new Error(`${language} failed: ${first.error}`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const run = await runCode({ language, code: programs[language] });
    times.push(performance.now() - t);
    if (run.result !== "499500") throw new Error(`${language} answered ${run.result}`);
  }
  times.sort((a, b) => a - b);
  const timeoutStart = performance.now();
  const loop = await runCode({
    language,
    code: language === "python" ? "while True: pass" : "for (;;) {}",
    timeoutMs: 200,
  });
  const timeoutMs = performance.now() - timeoutStart;
  report[language] = {
    coldFirstRunMs: Math.round(coldMs),
    warmP50Ms: Number(percentile(times, 0.5).toFixed(2)),
    warmP90Ms: Number(percentile(times, 0.9).toFixed(2)),
    timeout200MsTookMs: Math.round(timeoutMs),
    timeoutReason: loop.reason,
  };
}
await closeSandboxes();
console.log(JSON.stringify(report, null, 2));
