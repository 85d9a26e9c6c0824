/**
 * `builtin:NAME`: the lab's reference models, committed under `models/` as GGUF files beside
 * `models/manifest.json` (what each is, how it was trained, what it scored). They were trained
 * without a chat template, so their backends send raw prompts (`question + "\n"`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { closestName } from "../did-you-mean.ts";
import { DeliberateError } from "../errors.ts";

/** The package's `models/` folder. */
const builtinModelsDir = fileURLToPath(new URL("../../models/", import.meta.url));

/** A synthetic task trained on: levels `from` to `hardest`, in equal shares. */
const taskSchema = z.object({ name: z.string(), from: z.number().int(), hardest: z.number().int() });

const manifestSchema = z.object({
  /** The task the reference models were trained on (the demo's and benchmarks' task). */
  task: taskSchema,
  models: z.array(
    z.object({
      name: z.string(),
      /** A model trained on another task than the manifest's (the distillation teacher on `chain`). */
      task: taskSchema.optional(),
      file: z.string(),
      /** `prm`: a process reward model, scored per step prefix by the `prm` step scorer. */
      role: z.enum(["generator", "verifier", "prm"]),
      parameters: z.number().int(),
      description: z.string(),
      /** How it was trained: the `deliberate train` commands and their options. */
      training: z.record(z.string(), z.unknown()),
      /** What it scored on fresh problems at the hardest level (`deliberate eval`, real llama.cpp). */
      eval: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export type BuiltinManifest = z.infer<typeof manifestSchema>;
export type BuiltinModel = BuiltinManifest["models"][number];

let cached: BuiltinManifest | undefined;

/** `models/manifest.json`: the task and the models. */
export function builtinManifest(): BuiltinManifest {
  cached ??= manifestSchema.parse(JSON.parse(readFileSync(join(builtinModelsDir, "manifest.json"), "utf8")));
  return cached;
}

/** The task a builtin model was trained on: its own, else the manifest's. */
export function builtinTask(model: BuiltinModel): BuiltinManifest["task"] {
  return model.task ?? builtinManifest().task;
}

/** The models `models/manifest.json` lists. */
export function builtinModels(): BuiltinModel[] {
  return builtinManifest().models;
}

/**
 * Why `builtin:NAME` names no builtin model, or undefined when it does: the closest name and the ones
 * there are (`unknown builtin model \`tiny-reasoner-larg\`; did you mean \`tiny-reasoner-large\`? …`).
 */
export function unknownBuiltinModel(name: string): string | undefined {
  const names = builtinModels().map((m) => m.name);
  if (names.includes(name)) return undefined;
  const closest = closestName(name, names);
  const hint = closest ? `; did you mean \`${closest}\`?` : ";";
  return `unknown builtin model \`${name}\`${hint} builtin models: ${names.join(", ")}`;
}

/** The GGUF path of `builtin:NAME`; MODEL_NOT_FOUND names the ones there are. */
export function builtinModelPath(name: string): string {
  const model = builtinModels().find((m) => m.name === name);
  if (!model) throw new DeliberateError("MODEL_NOT_FOUND", unknownBuiltinModel(name)!, { param: "model" });
  const path = join(builtinModelsDir, model.file);
  if (!existsSync(path)) {
    throw new DeliberateError("MODEL_NOT_FOUND", `builtin model \`${name}\` is missing its file ${path}`, {
      param: "model",
    });
  }
  return path;
}
