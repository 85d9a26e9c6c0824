/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 with scripted behaviour, for integration tests.
 *
 * A `responder` decides every reply: the text of each choice, its finish reason, logprobs, reasoning,
 * usage, delays, or a fault (a status code with `Retry-After`, garbage JSON, a hang, a connection that
 * dies mid-stream). The server speaks the protocol around it: `POST /v1/chat/completions`,
 * `POST /v1/completions` (legacy, raw prompt), `GET /v1/models`, JSON or SSE streaming with
 * `stream_options.include_usage` and the final `data: [DONE]`.
 *
 * ```ts
 * const server = await startOpenAIServer({ responder: ({ n }) => ({ choices: Array(n).fill({ text: "4" }) }) });
 * // ... point a backend at server.url ("http://127.0.0.1:PORT/v1") ...
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One token's logprob as the responder scripts it; the server renders it in either API's shape. */
export interface ScriptedLogprob {
  token: string;
  logprob: number;
  /** Alternatives at this position, in any order (the server sends them as given). */
  top?: { token: string; logprob: number }[];
}

export interface ScriptedChoice {
  /** The generated text. */
  text: string;
  /** Raw finish reason sent upstream-style. Default `"stop"`. */
  finishReason?: string | null;
  /** Hidden reasoning, sent as `reasoning_content` (or `reasoning`, see `reasoningField`). */
  reasoning?: string;
  /** Which field carries `reasoning`. Default `"reasoning_content"` (vLLM, DeepSeek); Ollama/OpenRouter use `"reasoning"`. */
  reasoningField?: "reasoning_content" | "reasoning";
  /** Per-token logprobs; sent only when the request asked for logprobs. When streaming, one chunk per token. */
  logprobs?: ScriptedLogprob[];
  /** How the text is cut into stream chunks. Default: the logprob tokens when given, else words. */
  chunks?: string[];
}

export interface ScriptedSuccess {
  choices: ScriptedChoice[];
  /** Usage to report. Default: prompt = words in the prompt, completion = chunks over all choices. */
  usage?: { promptTokens?: number; completionTokens?: number; reasoningTokens?: number };
  /** Wait this long before answering (before the headers), in ms. Default 0. */
  delayMs?: number;
  /** Wait this long between stream chunks, in ms. Default 0. */
  chunkDelayMs?: number;
  /** Streaming only: destroy the connection after this many content chunks (a dying upstream). */
  dieAfterChunks?: number;
  /** The `model` field of the reply. Default: the request's model. */
  model?: string;
}

/** Ways to misbehave. */
export type ScriptedFault =
  /** Answer this status with an OpenAI error body (or `body` verbatim) and these headers (e.g. Retry-After). */
  | { fault: "status"; status: number; message?: string; headers?: Record<string, string>; body?: string }
  /** Answer 200 with `application/json` content that is not JSON. */
  | { fault: "garbage"; body?: string }
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  | { fault: "hang" }
  /** Destroy the connection without answering. */
  | { fault: "destroy" };

export type ScriptedReply = ScriptedSuccess | ScriptedFault;

/** What the responder sees of each request. */
export interface OpenAIServerRequest {
  /** `"chat"` for /chat/completions, `"completions"` for the legacy endpoint. */
  api: "chat" | "completions";
  /** The parsed JSON body, as sent. */
  body: Record<string, unknown>;
  /** `body.n`, defaulting to 1. */
  n: number;
  /** Whether the client asked for SSE. */
  stream: boolean;
  /** Whether the client asked for logprobs (`logprobs: true` on chat, a number on completions). */
  logprobs: boolean;
  /** The prompt as text: the legacy prompt, or the messages' contents joined by newlines. */
  prompt: string;
  headers: IncomingMessage["headers"];
  /** 0-based count of generation requests this server has received, this one included. */
  count: number;
}

export type Responder = (request: OpenAIServerRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface OpenAIServerOptions {
  /** Decides every generation reply. */
  responder: Responder;
  /** Model ids listed by `GET /v1/models`. Default `["test-model"]`. */
  models?: string[];
  /** Port to listen on. Default 0 (a free one). */
  port?: number;
}

export interface OpenAIServer {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:43123/v1`. */
  url: string;
  port: number;
  /** Every generation request received, in order (recorded before the responder runs). */
  requests: OpenAIServerRequest[];
  /** Generation requests being answered right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Stops listening and destroys open connections (hanging ones included). Idempotent. */
  close(): Promise<void>;
}

export async function startOpenAIServer(options: OpenAIServerOptions): Promise<OpenAIServer> {
  const { responder, models = ["test-model"], port = 0 } = options;
  const requests: OpenAIServerRequest[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  let closed = false;
  // Scripted delays end early on close(), so a closed server leaves no timers keeping the process alive.
  const sleeping = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleeping.add(wake);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(String(error), "server_error"));
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    // A connection accepted while closing would keep `server.close()` waiting forever.
    if (closed) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", owned_by: "test" })),
      });
      return;
    }
    const api = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completions" : null;
    if (req.method !== "POST" || api === null) {
      sendJson(res, 404, errorBody(`no route for ${req.method} ${path}`, "not_found"));
      return;
    }
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendJson(res, 400, errorBody("request body is not JSON", "invalid_request_error"));
      return;
    }
    const request: OpenAIServerRequest = {
      api,
      body,
      n: typeof body.n === "number" ? body.n : 1,
      stream: body.stream === true,
      logprobs: api === "chat" ? body.logprobs === true : typeof body.logprobs === "number",
      prompt: promptText(body),
      headers: req.headers,
      count: requests.length,
    };
    requests.push(request);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const reply = await responder(request);
      if ("fault" in reply) await sendFault(res, reply);
      else if (request.stream) await sendStream(res, request, reply);
      else {
        if (reply.delayMs) await sleep(reply.delayMs);
        sendJson(res, 200, renderResponse(request, reply));
      }
    } finally {
      inFlight--;
    }
  }

  async function sendFault(res: ServerResponse, reply: ScriptedFault): Promise<void> {
    switch (reply.fault) {
      case "status": {
        const body =
          reply.body ?? JSON.stringify(errorBody(reply.message ?? `scripted ${reply.status}`, "scripted"));
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(body);
        return;
      }
      case "garbage":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(reply.body ?? "{ this is not json <html>");
        return;
      case "hang":
        // Resolve only when the connection goes away, so `inFlight` stays honest.
        await new Promise<void>((resolve) => res.on("close", () => resolve()));
        return;
      case "destroy":
        res.socket?.destroy();
        return;
      default:
        reply satisfies never;
    }
  }

  async function sendStream(res: ServerResponse, request: OpenAIServerRequest, reply: ScriptedSuccess) {
    if (reply.delayMs) await sleep(reply.delayMs);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const base = {
      id: "cmpl-test",
      created: Math.floor(Date.now() / 1000),
      model: reply.model ?? modelOf(request),
    };
    const object = request.api === "chat" ? "chat.completion.chunk" : "text_completion";
    let sent = 0;
    for (const [index, choice] of reply.choices.entries()) {
      const pieces = chunksOf(choice);
      if (request.api === "chat") {
        send({
          ...base,
          object,
          choices: [{ index, delta: { role: "assistant", content: "" }, finish_reason: null }],
        });
        if (choice.reasoning !== undefined) {
          const field = choice.reasoningField ?? "reasoning_content";
          send({
            ...base,
            object,
            choices: [{ index, delta: { [field]: choice.reasoning }, finish_reason: null }],
          });
        }
      }
      for (const [position, piece] of pieces.entries()) {
        if (reply.dieAfterChunks !== undefined && sent >= reply.dieAfterChunks) {
          // Let what was written reach the client first, then cut the connection mid-body.
          await new Promise<void>((resolve) => res.write("", () => resolve()));
          res.socket?.destroy();
          return;
        }
        if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
        if (res.destroyed) return;
        const token = request.logprobs ? choice.logprobs?.[position] : undefined;
        const rendered =
          request.api === "chat"
            ? {
                index,
                delta: { content: piece },
                logprobs: token ? { content: [chatLogprob(token)] } : null,
                finish_reason: null,
              }
            : { index, text: piece, logprobs: token ? legacyLogprobs([token]) : null, finish_reason: null };
        send({ ...base, object, choices: [rendered] });
        sent++;
      }
      const finish = choice.finishReason === undefined ? "stop" : choice.finishReason;
      const last =
        request.api === "chat"
          ? { index, delta: {}, finish_reason: finish }
          : { index, text: "", finish_reason: finish };
      send({ ...base, object, choices: [last] });
    }
    const streamOptions = request.body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) send({ ...base, object, choices: [], usage: usageOf(request, reply) });
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${actualPort}/v1`,
    port: actualPort,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      for (const wake of [...sleeping]) wake();
      await done;
    },
  };
}

function renderResponse(request: OpenAIServerRequest, reply: ScriptedSuccess): Record<string, unknown> {
  const base = {
    id: "cmpl-test",
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? modelOf(request),
    usage: usageOf(request, reply),
  };
  const finish = (choice: ScriptedChoice) =>
    choice.finishReason === undefined ? "stop" : choice.finishReason;
  if (request.api === "completions") {
    const choices = reply.choices.map((choice, index) => ({
      index,
      text: choice.text,
      logprobs: request.logprobs && choice.logprobs ? legacyLogprobs(choice.logprobs) : null,
      finish_reason: finish(choice),
    }));
    return { ...base, object: "text_completion", choices };
  }
  const choices = reply.choices.map((choice, index) => {
    const message: Record<string, unknown> = { role: "assistant", content: choice.text };
    if (choice.reasoning !== undefined)
      message[choice.reasoningField ?? "reasoning_content"] = choice.reasoning;
    const logprobs =
      request.logprobs && choice.logprobs ? { content: choice.logprobs.map(chatLogprob) } : null;
    return { index, message, logprobs, finish_reason: finish(choice) };
  });
  return { ...base, object: "chat.completion", choices };
}

function chatLogprob(token: ScriptedLogprob) {
  return { token: token.token, logprob: token.logprob, bytes: null, top_logprobs: token.top ?? [] };
}

/** The legacy completions shape: parallel arrays, alternatives as `{token: logprob}` maps. */
function legacyLogprobs(tokens: ScriptedLogprob[]) {
  let offset = 0;
  const textOffset = tokens.map((token) => {
    const at = offset;
    offset += token.token.length;
    return at;
  });
  return {
    tokens: tokens.map((token) => token.token),
    token_logprobs: tokens.map((token) => token.logprob),
    top_logprobs: tokens.map((token) =>
      Object.fromEntries((token.top ?? []).map((top) => [top.token, top.logprob])),
    ),
    text_offset: textOffset,
  };
}

function chunksOf(choice: ScriptedChoice): string[] {
  if (choice.chunks) return choice.chunks;
  if (choice.logprobs) return choice.logprobs.map((token) => token.token);
  return choice.text.match(/\s*\S+\s*/g) ?? (choice.text ? [choice.text] : []);
}

function usageOf(request: OpenAIServerRequest, reply: ScriptedSuccess) {
  const promptTokens = reply.usage?.promptTokens ?? request.prompt.split(/\s+/).filter(Boolean).length;
  const completionTokens =
    reply.usage?.completionTokens ?? reply.choices.reduce((sum, choice) => sum + chunksOf(choice).length, 0);
  const usage: Record<string, unknown> = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  if (reply.usage?.reasoningTokens !== undefined) {
    usage.completion_tokens_details = { reasoning_tokens: reply.usage.reasoningTokens };
  }
  return usage;
}

function promptText(body: Record<string, unknown>): string {
  if (typeof body.prompt === "string") return body.prompt;
  if (Array.isArray(body.messages)) {
    return body.messages.map((message: { content?: unknown }) => String(message?.content ?? "")).join("\n");
  }
  return "";
}

function modelOf(request: OpenAIServerRequest): string {
  return typeof request.body.model === "string" ? request.body.model : "test-model";
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}
