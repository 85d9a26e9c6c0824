/**
 * Model spec → a local `.gguf` path. A path must exist; an `hf:org/repo:QUANT` URI is looked up in the
 * models cache first (no network when it is there) and downloaded into it otherwise.
 */
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { DeliberateError } from "../../errors.ts";
import { createDownloadProgress } from "./download-progress.ts";

export interface ResolveGgufPathOptions {
  /**
   * Where `hf:` models are cached and downloaded to.
   * Default: `$DELIBERATE_MODELS_DIR`, else `~/.cache/deliberate/models`.
   */
  modelsDir?: string;
  /**
   * Hugging Face endpoint (or mirror) for `hf:` URIs.
   * Default: `$HF_ENDPOINT`, else `https://huggingface.co/`.
   */
  huggingFaceEndpoint?: string;
  /** Show a progress bar on stderr while downloading (only drawn on a TTY). Default: true. */
  progress?: boolean;
  signal?: AbortSignal;
}

/** The default models cache directory. */
export function defaultModelsDir(): string {
  return process.env.DELIBERATE_MODELS_DIR || join(homedir(), ".cache", "deliberate", "models");
}

/** Whether a model spec names a remote file to download rather than a local path. */
export function isRemoteModelSpec(spec: string): boolean {
  return spec.startsWith("hf:") || spec.startsWith("https://") || spec.startsWith("http://");
}

/** Resolves `spec` (a path or an `hf:` URI) to an existing local file path. */
export async function resolveGgufPath(spec: string, options: ResolveGgufPathOptions = {}): Promise<string> {
  if (!isRemoteModelSpec(spec)) return resolveLocalPath(spec);
  const { modelsDir = defaultModelsDir(), huggingFaceEndpoint, progress = true, signal } = options;
  const bar = progress ? createDownloadProgress(`downloading ${spec}`) : undefined;
  try {
    return await resolveModelFile(spec, {
      directory: modelsDir,
      download: "auto",
      cli: false,
      onProgress: bar ? (status) => bar.update(status) : undefined,
      endpoints: huggingFaceEndpoint ? { huggingFace: huggingFaceEndpoint } : undefined,
      signal,
    });
  } catch (error) {
    if (signal?.aborted)
      throw new DeliberateError("ABORTED", `download of ${spec} was aborted`, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    // node-llama-cpp's words for a 400/404 from the hub (manifest, then file): the network worked,
    // the model is not there.
    if (/does not exist|Status code: 404\b/i.test(reason)) {
      throw new DeliberateError("MODEL_NOT_FOUND", `${spec} was not found on the hub: ${reason}`, {
        param: "model",
        cause: error,
      });
    }
    throw new DeliberateError(
      "OFFLINE",
      `could not download ${spec} into ${modelsDir} (${reason}). ` +
        "If this machine is offline, download the .gguf file elsewhere and pass its path instead " +
        `(e.g. \`--model ./model.gguf\`), or copy it into ${modelsDir}.`,
      { cause: error, retryable: true },
    );
  } finally {
    bar?.stop();
  }
}

async function resolveLocalPath(spec: string): Promise<string> {
  const path = resolve(spec);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    throw new DeliberateError("MODEL_NOT_FOUND", `no model file at ${path}`, { param: "model" });
  }
  if (!info.isFile()) {
    throw new DeliberateError("MODEL_NOT_FOUND", `${path} is not a file (expected a .gguf file)`, {
      param: "model",
    });
  }
  return path;
}
