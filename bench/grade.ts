/**
 * Grading throughput: cases/s on a mixed set (the equivalence tables test/grading/cases*.jsonl,
 * repeated), synchronously on one core and through the worker pool on all cores. Prints JSON.
 *   npm run bench:grade [-- --cases 20000 --workers 2]
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { gradeSync } from "../src/grading/grade-sync.ts";
import { GradePool } from "../src/grading/pool.ts";
import type { GradeOptions } from "../src/grading/types.ts";

interface Case extends GradeOptions {
  group: string;
  gold: string;
  pred: string;
  expected: boolean;
}

const { values } = parseArgs({
  options: { cases: { type: "string", default: "20000" }, workers: { type: "string" } },
});
const total = Number(values.cases);
const workers = values.workers ? Number(values.workers) : availableParallelism();

const readTable = (file: string): Case[] =>
  readFileSync(new URL(`../test/grading/${file}`, import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Case);
const tables = { "cases.jsonl": readTable("cases.jsonl"), "cases-2.jsonl": readTable("cases-2.jsonl") };
const table: Case[] = Object.values(tables).flat();
const cases = Array.from({ length: total }, (_, i) => table[i % table.length]);
const optionsOf = ({ group: _g, gold: _o, pred: _p, expected: _e, ...options }: Case): GradeOptions =>
  options;

// Agreement with the facts (each distinct case once), per table.
const perTable = Object.fromEntries(
  Object.entries(tables).map(([file, rows]) => {
    const wrong = rows.filter((c) => gradeSync(c.pred, c.gold, optionsOf(c)).correct !== c.expected);
    const negatives = rows.filter((c) => !c.expected).length;
    return [
      file,
      {
        cases: rows.length,
        agreement: Number((1 - wrong.length / rows.length).toFixed(4)),
        falsePositiveRate: Number((wrong.filter((c) => !c.expected).length / negatives).toFixed(4)),
      },
    ];
  }),
);
const agree = table.filter((c) => gradeSync(c.pred, c.gold, optionsOf(c)).correct === c.expected).length;
const falsePositives = table.filter(
  (c) => !c.expected && gradeSync(c.pred, c.gold, optionsOf(c)).correct,
).length;

// Sync, one core (after a warm-up pass so the JIT has seen every path).
for (const c of table) gradeSync(c.pred, c.gold, optionsOf(c));
let started = performance.now();
for (const c of cases) gradeSync(c.pred, c.gold, optionsOf(c));
const syncSeconds = (performance.now() - started) / 1000;

// Pool, all cores: start-up measured apart from throughput.
started = performance.now();
const pool = new GradePool({ size: workers });
await Promise.all(Array.from({ length: workers }, () => pool.grade("1", "1")));
const startupMs = performance.now() - started;
started = performance.now();
const results = await Promise.all(cases.map((c) => pool.grade(c.pred, c.gold, optionsOf(c))));
const poolSeconds = (performance.now() - started) / 1000;
await pool.close();
const timeouts = results.filter((r) => r.verdict === "timeout").length;

console.log(
  JSON.stringify(
    {
      bench: "grade",
      distinctCases: table.length,
      agreement: Number((agree / table.length).toFixed(4)),
      falsePositiveRate: Number((falsePositives / table.filter((c) => !c.expected).length).toFixed(4)),
      tables: perTable,
      gradings: total,
      sync: { casesPerSecond: Math.round(total / syncSeconds), seconds: Number(syncSeconds.toFixed(3)) },
      pool: {
        workers,
        casesPerSecond: Math.round(total / poolSeconds),
        seconds: Number(poolSeconds.toFixed(3)),
        startupMs: Math.round(startupMs),
        timeouts,
      },
      cpus: availableParallelism(),
      node: process.version,
    },
    null,
    2,
  ),
);
