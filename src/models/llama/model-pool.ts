/**
 * Loaded models shared across backends, keyed by file path and GPU choice and counted by reference:
 * two backends over the same file hold one copy of the weights, freed when the last one closes.
 */
import { basename } from "node:path";
import type { LlamaModel } from "node-llama-cpp";
import { DeliberateError } from "../../errors.ts";
import { validateGgufFile } from "../gguf/validate-gguf-file.ts";
import { getLlamaInstance, type LlamaGpu } from "./llama-instance.ts";

interface PoolEntry {
  model: Promise<LlamaModel>;
  references: number;
}

const entries = new Map<string, PoolEntry>();

function keyOf(path: string, gpu: LlamaGpu): string {
  return `${String(gpu)}:${path}`;
}

/** The model at `path` (an existing local file), loading it unless another backend already holds it. */
export function acquireModel(path: string, gpu: LlamaGpu = false): Promise<LlamaModel> {
  const key = keyOf(path, gpu);
  let entry = entries.get(key);
  if (entry === undefined) {
    const created: PoolEntry = { model: loadModel(path, gpu), references: 0 };
    created.model.catch(() => {
      if (entries.get(key) === created) entries.delete(key);
    });
    entries.set(key, created);
    entry = created;
  }
  entry.references++;
  return entry.model;
}

/** Drops one reference; the last one disposes the model. */
export async function releaseModel(path: string, gpu: LlamaGpu = false): Promise<void> {
  const key = keyOf(path, gpu);
  const entry = entries.get(key);
  if (entry === undefined) return;
  entry.references--;
  if (entry.references > 0) return;
  entries.delete(key);
  const model = await entry.model.catch(() => undefined);
  await model?.dispose();
}

async function loadModel(path: string, gpu: LlamaGpu): Promise<LlamaModel> {
  // llama.cpp aborts the whole process on some malformed files (a broken vocabulary); check first.
  await validateGgufFile(path);
  const llama = await getLlamaInstance(gpu);
  try {
    return await llama.loadModel({ modelPath: path, gpuLayers: gpu === false ? 0 : "auto" });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DeliberateError("MODEL_INVALID", `llama.cpp could not load ${basename(path)}: ${reason}`, {
      param: "model",
      cause: error,
    });
  }
}
