/**
 * One `Llama` (the loaded llama.cpp binding) per process and GPU choice. Loading the binding is slow
 * and it owns the thread pool, so every backend shares it; it lives until the process exits.
 */
import { availableParallelism } from "node:os";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";
import { DeliberateError } from "../../errors.ts";

/** Which compute layer llama.cpp uses: `false` = CPU only. */
export type LlamaGpu = false | "auto" | "cuda" | "vulkan" | "metal";

const instances = new Map<string, Promise<Llama>>();

/** The shared `Llama` for this GPU choice, loading it on first use. */
export function getLlamaInstance(gpu: LlamaGpu = false): Promise<Llama> {
  const key = String(gpu);
  let instance = instances.get(key);
  if (instance === undefined) {
    instance = load(gpu);
    instances.set(key, instance);
    // A failed load must not poison later attempts.
    instance.catch(() => instances.delete(key));
  }
  return instance;
}

async function load(gpu: LlamaGpu): Promise<Llama> {
  const debug = process.env.DELIBERATE_LOG === "debug";
  try {
    return await getLlama({
      gpu,
      // Never compile llama.cpp behind the user's back; the prebuilt binaries cover common platforms.
      build: "never",
      logLevel: debug ? LlamaLogLevel.debug : LlamaLogLevel.error,
      // The pool's limit is the machine; each context asks for its own share through `threads`.
      maxThreads: Math.max(1, availableParallelism()),
    });
  } catch (error) {
    throw new DeliberateError(
      "INTERNAL",
      `could not load llama.cpp (gpu: ${String(gpu)}): ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}
