/**
 * RFC 4180 CSV: a header row, quoted fields with doubled quotes, newlines inside quotes.
 * Small enough to own rather than add a dependency for.
 */
import { DeliberateError } from "../../errors.ts";
import type { RawRecord } from "./read-records.ts";

export function parseCsv(text: string, path: string): RawRecord[] {
  const rows: Array<{ cells: string[]; line: number }> = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      if (cells.length > 1 || cells[0] !== "") rows.push({ cells, line: rowLine });
      cells = [];
      cell = "";
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) throw new DeliberateError("BAD_REQUEST", `${path}:${rowLine}: unterminated quoted field`);
  if (cell !== "" || cells.length > 0) {
    cells.push(cell);
    rows.push({ cells, line: rowLine });
  }
  if (rows.length === 0) return [];
  const header = rows[0].cells.map((name) => name.trim());
  return rows.slice(1).map(({ cells: values, line: at }) => {
    if (values.length !== header.length) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${path}:${at}: expected ${header.length} fields (${header.join(", ")}), got ${values.length}`,
      );
    }
    return { fields: Object.fromEntries(header.map((name, i) => [name, values[i]])), line: at };
  });
}
