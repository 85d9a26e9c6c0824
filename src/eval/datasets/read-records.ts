/**
 * Reads raw records from local JSONL, JSON, CSV and Parquet files, each with the line (or row)
 * it came from so errors can point at it.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { DeliberateError } from "../../errors.ts";
import { parseCsv } from "./parse-csv.ts";

export interface RawRecord {
  fields: Record<string, unknown>;
  /** 1-based line for JSONL and CSV, 1-based element or row index for JSON and Parquet. */
  line: number;
}

export type FileFormat = "jsonl" | "json" | "csv" | "parquet";

export function formatOf(path: string): FileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".json") return "json";
  if (ext === ".csv") return "csv";
  if (ext === ".parquet") return "parquet";
  throw new DeliberateError(
    "BAD_REQUEST",
    `${path}: unknown dataset format \`${ext}\` (jsonl, json, csv, parquet)`,
  );
}

function bad(path: string, line: number, message: string, cause?: unknown): DeliberateError {
  return new DeliberateError("BAD_REQUEST", `${path}:${line}: ${message}`, { cause });
}

function asObject(path: string, line: number, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad(path, line, "expected an object");
  }
  return value as Record<string, unknown>;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new DeliberateError("BAD_REQUEST", `cannot read dataset ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export async function readRecords(path: string): Promise<RawRecord[]> {
  const format = formatOf(path);
  switch (format) {
    case "jsonl": {
      const lines = (await readText(path)).split(/\r?\n/);
      const records: RawRecord[] = [];
      lines.forEach((text, i) => {
        if (text.trim() === "") return;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          throw bad(path, i + 1, `malformed JSON (${(error as Error).message})`, error);
        }
        records.push({ fields: asObject(path, i + 1, value), line: i + 1 });
      });
      return records;
    }
    case "json": {
      let value: unknown;
      try {
        value = JSON.parse(await readText(path));
      } catch (error) {
        if (DeliberateError.isInstance(error)) throw error;
        throw bad(path, 1, `malformed JSON (${(error as Error).message})`, error);
      }
      // Either an array of records or {"data"|"items"|"examples": [...]}.
      const list = Array.isArray(value)
        ? value
        : ((value as Record<string, unknown>)?.data ??
          (value as Record<string, unknown>)?.items ??
          (value as Record<string, unknown>)?.examples);
      if (!Array.isArray(list)) throw bad(path, 1, "expected an array of records (or {data: [...]})");
      return list.map((item, i) => ({ fields: asObject(path, i + 1, item), line: i + 1 }));
    }
    case "csv": {
      const rows = parseCsv(await readText(path), path);
      return rows;
    }
    case "parquet": {
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
      } catch (error) {
        throw bad(path, 1, `unreadable Parquet (${(error as Error).message})`, error);
      }
      return rows.map((fields, i) => ({ fields, line: i + 1 }));
    }
    default:
      return format satisfies never;
  }
}
