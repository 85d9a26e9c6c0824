/**
 * What a report shows, gathered from one or more run folders (`results.json` + `store.sqlite`):
 * each run's cells with their summaries, and per-problem records with trimmed traces.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { DeliberateError } from "../errors.ts";
import type { Trace } from "../trace/types.ts";
import { type CellResult, type EvalResults, readResults } from "./results.ts";
import { SqliteStore } from "./store-sqlite.ts";
import type { ResultStore } from "./store-types.ts";
import type { EvalRecord } from "./types.ts";

export interface ReportTraceStep {
  kind: string;
  name: string;
  /** A short human line: the sampled text, the vote's winner, the decision's reason. */
  text: string;
  depth: number;
}

export interface ReportRecord extends EvalRecord {
  steps: ReportTraceStep[];
}

export interface ReportRun {
  /** Unique label: the folder name (with a suffix when two folders share a name). */
  label: string;
  dir: string;
  results: EvalResults;
  /** Records by cell, at most `maxItems` items per cell. */
  records: Record<string, ReportRecord[]>;
}

export interface LoadReportOptions {
  /** Items per cell kept for the drill-down. Default 200. */
  maxItems?: number;
  /** Characters kept of each traced text. Default 1200. */
  maxTextChars?: number;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The trace as an indented list of short steps, in the order they started. */
export function traceSteps(trace: Trace, maxTextChars: number): ReportTraceStep[] {
  const depth = new Map<string, number>();
  const steps: ReportTraceStep[] = [];
  for (const node of trace.nodes) {
    const d = node.parentId ? (depth.get(node.parentId) ?? 0) + 1 : 0;
    depth.set(node.id, d);
    let text = "";
    switch (node.kind) {
      case "generate": {
        const completions = node.data.completions ?? [];
        text = completions.map((c, i) => `[${i}] ${clip(c.text, maxTextChars)}`).join("\n");
        if (node.data.error) text = `error: ${node.data.error}`;
        break;
      }
      case "vote":
        text = `winner ${JSON.stringify(node.data.winner)} counts ${JSON.stringify(node.data.counts)}`;
        break;
      case "score":
        text = `candidate ${String(node.data.candidate)} → ${String(node.data.value)}`;
        break;
      case "decision":
        text = String(node.data.reason ?? "");
        break;
      case "tool":
        text = clip(String(node.data.code ?? ""), maxTextChars);
        break;
      case "strategy":
        text = node.data.answer === undefined ? "" : `answer ${JSON.stringify(node.data.answer)}`;
        break;
      default:
        text = String(node satisfies never);
    }
    steps.push({ kind: node.kind, name: node.name, text, depth: d });
  }
  return steps;
}

/** Loads each run folder (or a results.json path). */
export async function loadReportRuns(
  paths: string[],
  { maxItems = 200, maxTextChars = 1200 }: LoadReportOptions = {},
): Promise<ReportRun[]> {
  if (paths.length === 0) throw new DeliberateError("BAD_REQUEST", "report needs at least one run folder");
  const labels = new Set<string>();
  const runs: ReportRun[] = [];
  for (const path of paths) {
    const full = resolve(path);
    const dir = existsSync(full) && statSync(full).isDirectory() ? full : resolve(full, "..");
    const resultsPath = join(dir, "results.json");
    if (!existsSync(resultsPath)) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${path}: no results.json (is it a run folder of \`deliberate eval\`?)`,
      );
    }
    const results = readResults(resultsPath);
    let label = basename(dir);
    for (let i = 2; labels.has(label); i++) label = `${basename(dir)}-${i}`;
    labels.add(label);
    const records: Record<string, ReportRecord[]> = {};
    const storePath = join(dir, "store.sqlite");
    if (existsSync(storePath)) {
      const store = SqliteStore.open(storePath);
      try {
        for (const cell of results.cells)
          records[cell.cell] = await cellRecords(store, cell, maxItems, maxTextChars);
      } finally {
        await store.close();
      }
    }
    runs.push({ label, dir, results, records });
  }
  return runs;
}

async function cellRecords(
  store: ResultStore,
  cell: CellResult,
  maxItems: number,
  maxTextChars: number,
): Promise<ReportRecord[]> {
  const seeds = new Set(cell.seeds);
  const kept = new Set<string>();
  const out: ReportRecord[] = [];
  for (const record of await store.records(cell.cell)) {
    if (!seeds.has(record.seed)) continue;
    if (!kept.has(record.itemId)) {
      if (kept.size >= maxItems) continue;
      kept.add(record.itemId);
    }
    const trace = await store.traceOf(record);
    out.push({
      ...record,
      text: clip(record.text, maxTextChars),
      steps: trace ? traceSteps(trace, maxTextChars) : [],
    });
  }
  return out.sort((a, b) => a.itemId.localeCompare(b.itemId, "en", { numeric: true }) || a.seed - b.seed);
}
