/** The embedded llama.cpp backend. */
export {
  createLlamaBackend,
  LLAMA_SAMPLING_DEFAULTS,
  LlamaBackend,
  type LlamaBackendOptions,
} from "./llama-backend.ts";
export { defaultThreads, type LlamaGpu } from "./llama-instance.ts";
export {
  defaultModelsDir,
  isRemoteModelSpec,
  type ResolveGgufPathOptions,
  resolveGgufPath,
} from "./resolve-gguf-path.ts";
