/**
 * Copies the reference runs' GGUFs into models/ and writes models/manifest.json: what each model is,
 * how it was trained (every stage's options, steps, minutes and last validation, from its log.jsonl)
 * and, from models/eval.json when present, what it scored on fresh problems with llama.cpp.
 * Usage: npx tsx scripts/write-models-manifest.ts NAME=ROLE:RUN_DIR[,RUN_DIR…] …
 *   e.g. tiny-reasoner=generator:runs/small,runs/grpo tiny-reasoner-verifier=verifier:runs/verifier
 * The last run dir of each model holds its model.gguf; the earlier ones are the stages before it.
 * Models already in the manifest and not named keep their entries, so one model can be added or
 * retrained without the others' runs. A model trained on another task than the manifest's (read from
 * its first run's options) records its own `task`.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspectGguf } from "../src/models/gguf/inspect-gguf.ts";

const root = join(import.meta.dirname, "..");
const manifestTask = { name: "sums", from: 1, hardest: 6 };
const descriptions: Record<string, string> = {
  "sums/generator":
    "answers `Compute a+b+….` with a chain of `x+y=z` steps and `#### ANSWER` (raw prompt: question + newline)",
  "sums/verifier":
    'outcome verifier: P("Yes, the solution is correct.") after deliberate\'s reward-model prompt, via score()',
  "sums/prm":
    'process reward model: P("Yes") after the prm step scorer\'s prompt (every earlier step tagged "Yes", the last awaiting its verdict), one score per step prefix, via score()',
  "chain/generator":
    "answers `Start 4, apply +7 *3 mod 10.` with one `a+k=v` / `a*k=v` line per operation and `#### ANSWER` (raw prompt: question + newline)",
  "chain/verifier":
    'outcome verifier: P("Yes, the solution is correct.") after deliberate\'s reward-model prompt, via score()',
  "chain/prm":
    'process reward model: P("Yes") after the prm step scorer\'s prompt (every earlier step tagged "Yes", the last awaiting its verdict), one score per step prefix, via score()',
};

function stage(dir: string) {
  const events = readFileSync(join(dir, "log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const start = events.find((e) => e.type === "start")!;
  const last = <T extends Record<string, unknown>>(type: string) =>
    events.filter((e) => e.type === type).at(-1) as T | undefined;
  const timed = events.filter((e) => typeof e.elapsedMs === "number").at(-1);
  const evalEvent = last<{
    greedy?: number;
    accuracy?: number;
    auc?: number;
    problems?: number;
    step: number;
  }>("eval");
  return {
    options: start.options,
    steps: last<{ step: number }>("stop")?.step ?? timed?.step,
    minutes: Math.round(((timed?.elapsedMs as number) ?? 0) / 600) / 100,
    stopped: last<{ reason?: string }>("stop")?.reason,
    lastValidation: evalEvent,
    finalEval: last("final-eval"),
  };
}

const evalPath = join(root, "models", "eval.json");
const evals: Record<string, unknown> = existsSync(evalPath) ? JSON.parse(readFileSync(evalPath, "utf8")) : {};
const manifestPath = join(root, "models", "manifest.json");
const previous: { name: string }[] = existsSync(manifestPath)
  ? JSON.parse(readFileSync(manifestPath, "utf8")).models
  : [];
const models: Record<string, unknown>[] = [];
for (const arg of process.argv.slice(2)) {
  const [name, rest] = arg.split("=");
  const [role, dirs] = rest.split(":");
  const runs = dirs.split(",");
  const file = `${name}.gguf`;
  copyFileSync(join(runs.at(-1)!, "model.gguf"), join(root, "models", file));
  const inspection = await inspectGguf(join(root, "models", file));
  type TaskOptions = { task: string; fromDifficulty?: number; difficulty: number };
  // A later stage started from an SFT model (a PRM from builtin:NAME) nests that model's options.
  const options = stage(runs[0]).options as TaskOptions & { sft?: TaskOptions };
  const first = options.sft ?? options;
  const task = {
    name: first.task,
    from: first.fromDifficulty ?? first.difficulty,
    hardest: first.difficulty,
  };
  const description = descriptions[`${task.name}/${role}`];
  if (!description) throw new Error(`no description for a ${role} trained on ${task.name}: add one`);
  models.push({
    name,
    ...(task.name === manifestTask.name ? {} : { task }),
    file,
    role,
    parameters: inspection.parameters,
    description,
    training: Object.fromEntries(runs.map((dir) => [dir.split("/").at(-1)!, stage(dir)])),
    ...(evals[name] ? { eval: evals[name] } : {}),
  });
}
const named = new Set(models.map((m) => m.name));
const manifest = { task: manifestTask, models: [...previous.filter((m) => !named.has(m.name)), ...models] };
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(models.map((m) => `${m.name}: ${m.parameters} parameters`).join("\n"));
