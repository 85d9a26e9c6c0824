/**
 * Reading a lab run's `log.jsonl` (SFT, GRPO or verifier stage). Every line is one JSON event with a
 * `type`; lines that are not JSON objects with a string `type` (e.g. a line torn by a kill) are
 * skipped and counted, so a report can still be drawn from a crashed run.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";

const eventSchema = z.looseObject({ type: z.string() });

export type RunEvent = z.infer<typeof eventSchema> & Record<string, unknown>;

export interface RunLog {
  events: RunEvent[];
  /** Lines that could not be read. */
  skipped: number;
}

export function parseRunLog(text: string): RunLog {
  const events: RunEvent[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const parsed = eventSchema.safeParse(value);
    if (parsed.success) events.push(parsed.data as RunEvent);
    else skipped++;
  }
  return { events, skipped };
}

export async function readRunLog(path: string): Promise<RunLog> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DeliberateError("BAD_REQUEST", `no run log at ${path}`, { param: "dir", cause: error });
  }
  return parseRunLog(text);
}
