/** The OpenAI-compatible backend: one endpoint or a pool of them. */

export type { EndpointHealth, EndpointSnapshot } from "./endpoint-pool.ts";
export { createOpenAIBackend, type OpenAIBackend, type OpenAIBackendOptions } from "./openai-backend.ts";
export type { PrefillMode } from "./request-body.ts";
