/**
 * The wire: one `openai` SDK client per base URL, used only to send a prepared body and hand back
 * the raw JSON (or SSE chunks). Retries, timeouts and routing are ours (the SDK's retries are off),
 * because they must be shared across the endpoints of a pool.
 */
import OpenAI from "openai";
import type { Deadline } from "./deadline.ts";
import type { UpstreamCall } from "./request-body.ts";

export interface UpstreamClientOptions {
  /** Sent as `Authorization: Bearer …`. Local servers ignore it. */
  apiKey: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The SDK's own limit per request, ms; our Deadline normally fires first. */
  timeoutMs: number;
}

export class UpstreamClient {
  readonly #clients = new Map<string, OpenAI>();
  readonly #options: UpstreamClientOptions;

  constructor(options: UpstreamClientOptions) {
    this.#options = options;
  }

  /** Posts a non-streaming call; resolves with the parsed body (unchecked: the caller validates it). */
  async post(url: string, call: UpstreamCall, deadline: Deadline): Promise<unknown> {
    const client = this.#client(url);
    const options = { signal: deadline.signal, maxRetries: 0 };
    // The SDK's param types cannot express extra fields (top_k, reasoning servers' options): we send our own body.
    if (call.api === "chat") return client.chat.completions.create(call.body as never, options);
    return client.completions.create(call.body as never, options);
  }

  /** Opens a stream; resolves once the upstream answered with headers, then yields each SSE chunk's JSON. */
  async openStream(url: string, call: UpstreamCall, deadline: Deadline): Promise<AsyncIterable<unknown>> {
    const client = this.#client(url);
    const options = { signal: deadline.signal, maxRetries: 0 };
    const stream =
      call.api === "chat"
        ? await client.chat.completions.create(call.body as never, options)
        : await client.completions.create(call.body as never, options);
    return stream as unknown as AsyncIterable<unknown>;
  }

  #client(url: string): OpenAI {
    let client = this.#clients.get(url);
    if (!client) {
      client = new OpenAI({
        baseURL: url,
        apiKey: this.#options.apiKey,
        defaultHeaders: this.#options.headers,
        timeout: this.#options.timeoutMs,
        maxRetries: 0,
      });
      this.#clients.set(url, client);
    }
    return client;
  }
}
