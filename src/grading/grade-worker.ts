/**
 * Worker-thread entry for GradePool: grades one request per message. Runs through tsx (the pool passes
 * `--import tsx`), so it imports the TypeScript sources directly.
 */
import { parentPort } from "node:worker_threads";
import { gradeSync } from "./grade-sync.ts";
import type { GradeOptions } from "./types.ts";

export interface GradeRequestMessage {
  id: number;
  candidate: string;
  gold: string;
  options: GradeOptions;
}

if (parentPort) {
  const port = parentPort;
  port.on("message", (message: GradeRequestMessage) => {
    port.postMessage({ id: message.id, result: gradeSync(message.candidate, message.gold, message.options) });
  });
  port.postMessage({ ready: true });
}
