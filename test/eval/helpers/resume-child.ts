/**
 * The child of the kill-and-resume test: runs a slow scripted eval into the folder given as
 * argv[2] and prints `{"solved":N,"skipped":M}` when it finishes (if it is not killed first).
 * argv[4] = `cascade`: a cascade whose escalations go to a second (large) scripted model.
 */
import { createItemGrader } from "../../../src/eval/grade-item.ts";
import { runEval } from "../../../src/eval/runner.ts";
import { answeringBackend, arithmeticSet } from "./scripted-eval.ts";

const outDir = process.argv[2];
const delayMs = Number(process.argv[3] ?? "0");
const cascade = process.argv[4] === "cascade";
const dataset = await arithmeticSet(24);
const large = { name: "large", backend: answeringBackend(dataset, { id: "large", delayMs }) };
const run = await runEval({
  models: [
    {
      name: "scripted",
      backend: answeringBackend(dataset, { delayMs }),
      concurrency: 3,
      ...(cascade ? { large } : {}),
    },
  ],
  strategies: [
    cascade
      ? { name: "cascade", options: { samples: 3 } }
      : { name: "self-consistency", options: { samples: 3, batchSize: 1 } },
  ],
  datasets: [dataset],
  seeds: 2,
  outDir,
  grader: createItemGrader({ mode: "sync" }),
  progress: "none",
});
process.stdout.write(`${JSON.stringify({ solved: run.solved, skipped: run.skipped })}\n`);
