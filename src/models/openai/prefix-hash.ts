/**
 * Hashing for prefix-affine routing: requests that share a prompt prefix should land on the same
 * endpoint so its KV / prefix cache (vLLM automatic prefix caching, SGLang RadixAttention,
 * llama-server's slot cache) is reused.
 */
import { fnv1a, mix32 } from "../../util/fnv1a.ts";
import type { GenerateRequest } from "../types.ts";

/**
 * The routing key of a request: its first `prefixChars` characters of rendered prompt. Only the
 * leading part counts because that is what prefix caches share (a system prompt, few-shot examples,
 * the question before sampled continuations).
 */
export function routingKey(
  request: Pick<GenerateRequest, "messages" | "prompt">,
  prefixChars: number,
): string {
  const text =
    request.prompt ??
    (request.messages ?? []).map((message) => `${message.role}\u0000${message.content}`).join("\u0001");
  return text.slice(0, prefixChars);
}

/**
 * Rendezvous (highest-random-weight) ranking of endpoints for a key, best first. Removing an
 * endpoint only moves the keys that preferred it, so ejections do not reshuffle everyone's cache.
 */
export function rankEndpoints(key: string, urls: readonly string[]): string[] {
  // mix32: FNV-1a's last bytes barely reach the high bits, which the ranking compares.
  return [...urls]
    .map((url) => ({ url, weight: mix32(fnv1a(`${url}\u0000${key}`)) }))
    .sort((a, b) => b.weight - a.weight || (a.url < b.url ? -1 : 1))
    .map((entry) => entry.url);
}
