/**
 * A loopback HTTP server speaking vLLM's pooling API as its docs describe it, for the `pooling-prm`
 * client's tests: `POST /pooling` with `model` and `messages` (or `input`), answered with
 * `{ id, object: "list", created, model, data: [{ index, object: "pooling", data }], usage }`, where a
 * process reward model's `data` holds one [p_bad, p_good] row per step token (STEP pooling,
 * `token_classify`). Every request is recorded; a `reply` function can answer anything else (other
 * row shapes, HTTP errors, garbage, a hang).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface PoolingRequestRecord {
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: {
    model?: string;
    task?: string;
    input?: string;
    messages?: Array<{ role: string; content: string }>;
    [key: string]: unknown;
  };
  /** The step texts the server found between step tokens. */
  steps: string[];
}

export type PoolingReply =
  /** A documented success; `rows` is `data[0].data`. `usage: null` leaves usage out. */
  | { rows: unknown; usage?: { prompt_tokens: number } | null }
  /** Any status with this body verbatim (JSON or not). */
  | { status: number; body: string; headers?: Record<string, string> }
  /** 200 with this text as the body (malformed JSON, wrong shapes). */
  | { raw: string }
  /** Never answer (until the client gives up or the server closes). */
  | { hang: true };

export interface PoolingServerOptions {
  /** The step token requests carry. Default `<extra_0>`. */
  stepToken?: string;
  /** P(good) of a step, for the default reply. Default 0.5. */
  score?: (step: string, index: number) => number;
  /** Decides each reply; default: one [1 - p, p] row per step, p from `score`. */
  reply?: (request: PoolingRequestRecord, defaultRows: number[][]) => PoolingReply;
}

export interface PoolingServer {
  /** Base URL, `http://127.0.0.1:PORT` (the server root, as vLLM serves `/pooling`). */
  url: string;
  /** Every request received, in order. */
  requests: PoolingRequestRecord[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPoolingServer(options: PoolingServerOptions = {}): Promise<PoolingServer> {
  const { stepToken = "<extra_0>", score = () => 0.5, reply } = options;
  const requests: PoolingRequestRecord[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: PoolingRequestRecord["body"] = {};
      try {
        body = JSON.parse(text);
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "body is not JSON" } }));
        return;
      }
      const steps = stepsOf(body, stepToken);
      const record: PoolingRequestRecord = { path: req.url ?? "", headers: req.headers, body, steps };
      requests.push(record);
      for (const w of waiting.filter((w) => requests.length >= w.count)) w.resolve();
      if (req.method !== "POST" || req.url !== "/pooling") {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ detail: "Not Found" }));
        return;
      }
      const rows = steps.map((step, i) => {
        const p = score(step, i);
        return [1 - p, p];
      });
      const answer = reply ? reply(record, rows) : { rows };
      if ("hang" in answer) return;
      if ("status" in answer) {
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        res.end(answer.body);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      if ("raw" in answer) {
        res.end(answer.raw);
        return;
      }
      const promptTokens = Math.ceil(
        Buffer.byteLength(JSON.stringify(body.messages ?? body.input), "utf8") / 4,
      );
      const usage =
        answer.usage === null
          ? {}
          : {
              usage: answer.usage ?? {
                prompt_tokens: promptTokens,
                total_tokens: promptTokens,
                completion_tokens: 0,
              },
            };
      res.end(
        JSON.stringify({
          id: `pool-${requests.length}`,
          object: "list",
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          data: [{ index: 0, object: "pooling", data: answer.rows }],
          ...usage,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received: (count) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ count, resolve })),
    close: () =>
      new Promise((resolve) => {
        // Hanging requests hold their sockets open; drop them so close() returns.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The steps a request carries: the assistant turn (or the text after the question) cut at the token. */
function stepsOf(body: PoolingRequestRecord["body"], stepToken: string): string[] {
  const text =
    body.messages?.findLast((m) => m.role === "assistant")?.content ??
    (typeof body.input === "string" ? body.input.slice(body.input.indexOf("\n\n") + 2) : "");
  const pieces = text.split(stepToken).map((piece) => piece.trim());
  // Every step ends in the token, so the piece after the last one is empty.
  return pieces.slice(0, -1);
}
