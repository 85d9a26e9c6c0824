/** The OpenAI-compatible backend: one endpoint or a pool of them. */

export type { EndpointHealth, EndpointSnapshot } from "./endpoint-pool.ts";
export { createOpenAIBackend, type OpenAIBackend } from "./openai-backend.ts";
export type { OpenAIBackendOptions } from "./openai-backend-options.ts";
export type { PrefillMode } from "./request-body.ts";
export type { SlotAcquireOptions, SlotLimiter, SlotRelease } from "./slot-limiter.ts";
