/**
 * The embedded llama.cpp backend.
 *
 * ```ts
 * const backend = await createLlamaBackend({ model: "./qwen2.5-0.5b-instruct-q4_k_m.gguf", threads: 2 });
 * const samples = await backend.generate({ messages: [{ role: "user", content: "2+2?" }], n: 8, seed: 1 });
 * const { logprob } = await backend.score({ prompt: "2+2=", continuation: "4" });
 * await backend.close();
 * ```
 */

export { defaultThreads, describeDefaultThreads } from "./default-threads.ts";
export {
  createLlamaBackend,
  LLAMA_SAMPLING_DEFAULTS,
  LlamaBackend,
  type LlamaBackendOptions,
} from "./llama-backend.ts";
export type { LlamaGpu } from "./llama-instance.ts";
export {
  defaultModelsDir,
  isRemoteModelSpec,
  type ResolveGgufPathOptions,
  resolveGgufPath,
} from "./resolve-gguf-path.ts";
