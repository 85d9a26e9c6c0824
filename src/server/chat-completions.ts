/**
 * `POST /v1/chat/completions`: a plain completion, or a strategy run with its trace, streamed or not.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ChatMessage, Completion, GenerateRequest } from "../models/types.ts";
import { traceCompletion } from "../run/call-model.ts";
import type { Solution } from "../strategies/types.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import type { TraceEvent, TraceNode } from "../trace/types.ts";
import type { ChatRequest } from "./chat-request.ts";
import { errorResponse } from "./error-body.ts";
import type { ModelRoute } from "./model-route.ts";
import {
  type Choice,
  chunkBody,
  completionBody,
  type OpenAIUsage,
  sumUsage,
  usageBody,
  usageChunk,
} from "./openai-shapes.ts";
import type { ServerState } from "./server-state.ts";

/** Final answers stream in pieces of this many characters, so clients render progressively. */
const ANSWER_CHUNK_CHARS = 24;

export function toMessages(request: ChatRequest): ChatMessage[] {
  return request.messages.map((message) => ({
    role: message.role === "developer" ? "system" : message.role,
    content:
      typeof message.content === "string"
        ? message.content
        : (message.content ?? []).map((part) => part.text).join(""),
  }));
}

function generateRequest(request: ChatRequest, messages: ChatMessage[]): GenerateRequest {
  const stop = request.stop == null ? undefined : Array.isArray(request.stop) ? request.stop : [request.stop];
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  return {
    messages,
    n: request.n ?? 1,
    temperature: request.temperature,
    topP: request.top_p,
    topK: request.top_k,
    minP: request.min_p,
    seed: request.seed,
    stop,
    maxTokens,
    logprobs: request.logprobs ? (request.top_logprobs ?? 0) : undefined,
  };
}

export async function chatCompletions(
  c: Context,
  state: ServerState,
  request: ChatRequest,
  route: ModelRoute,
  signal: AbortSignal,
): Promise<Response> {
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = request.model;
  const messages = toMessages(request);
  const trace = new TraceRecorder(id.slice("chatcmpl-".length));
  state.hub.add(trace, { model: route.model, strategy: route.strategy ?? "plain" });
  c.header("x-deliberate-trace", trace.id);

  const finish = (usage: OpenAIUsage | undefined, answer: string | undefined, error?: unknown) => {
    trace.finish(error ? String((error as Error).message ?? error) : undefined);
    state.hub.update(trace.id, {
      status: error ? "error" : "done",
      endedAt: Date.now(),
      answer,
      error: error ? String((error as Error).message ?? error) : undefined,
      usage: usage && {
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        calls: trace.trace.nodes.filter((n) => n.kind === "generate").length,
      },
    });
    if (usage) {
      state.metrics.tokens.inc({ model, kind: "prompt" }, usage.prompt_tokens);
      state.metrics.tokens.inc({ model, kind: "completion" }, usage.completion_tokens);
    }
  };

  if (route.strategy === null) {
    const generate = generateRequest(request, messages);
    if (request.stream)
      return streamPlain(c, state, { id, created, model, request, route, generate, trace, signal, finish });
    const node = trace.start("generate", route.backends.policy.id, {
      role: "policy",
      purpose: "sample",
      request: { ...generate, messages },
    });
    try {
      const completions = await route.backends.policy.generate({ ...generate, signal });
      node.end({ completions: completions.map(traceCompletion) });
      const usage = sumUsage(completions);
      finish(usage, completions[0]?.text);
      const choices: Choice[] = completions.map((completion) => ({
        index: completion.index,
        content: completion.text,
        reasoning: completion.reasoning,
        finishReason: completion.finishReason,
        logprobs: completion.logprobs,
      }));
      return c.json(
        completionBody({ id, model, created, choices, usage, extension: { trace_id: trace.id } }),
      );
    } catch (error) {
      node.end({ error: String(error) });
      finish(undefined, undefined, error);
      throw error;
    }
  }

  const strategy = route.strategy;
  const runs = Array.from({ length: request.n ?? 1 }, (_, index) =>
    state.runStrategy({
      strategy,
      messages,
      route,
      request,
      seed: (request.seed ?? 0) + index,
      trace,
      signal,
    }),
  );
  if (request.stream)
    return streamStrategy(c, state, { id, created, model, request, trace, runs, signal, finish });

  try {
    const solutions = await Promise.all(runs);
    const usage = usageOfSolutions(solutions);
    finish(usage, solutions[0]?.text);
    const choices = solutions.map((solution, index) => ({
      index,
      content: solution.text,
      reasoning: reasoningSummary(trace),
      finishReason: "stop" as const,
    }));
    return c.json(
      completionBody({
        id,
        model,
        created,
        choices,
        usage,
        extension: extensionOf(trace.id, strategy, solutions),
      }),
    );
  } catch (error) {
    finish(undefined, undefined, error);
    throw error;
  }
}

function usageOfSolutions(solutions: Solution[]): OpenAIUsage {
  let prompt = 0;
  let completion = 0;
  let reasoning = 0;
  for (const solution of solutions) {
    for (const usage of Object.values(solution.usage)) {
      prompt += usage.promptTokens;
      completion += usage.completionTokens;
      reasoning += usage.reasoningTokens ?? 0;
    }
  }
  return usageBody(prompt, completion, reasoning);
}

function extensionOf(traceId: string, strategy: string, solutions: Solution[]) {
  return {
    trace_id: traceId,
    strategy,
    solutions: solutions.map((s) => ({
      answer: s.answer,
      key: s.key,
      confidence: s.confidence,
      usage: s.usage,
      wall_ms: s.wallMs,
    })),
  };
}

/** One progress line for a finished trace node, or null when the node is not worth a line. */
export function describeNode(node: TraceNode): string | null {
  switch (node.kind) {
    case "generate": {
      if (node.data.error !== undefined) return `${node.name}: error ${node.data.error}`;
      const done = node.data.completions?.length ?? 0;
      const what = node.data.purpose === "sample" ? "sample" : node.data.purpose;
      return `${node.name}: ${done} ${what}${done === 1 ? "" : "s"} done`;
    }
    case "vote": {
      const { winner, counts } = node.data;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const votes = winner === null ? undefined : counts[winner];
      return `vote: ${winner ?? "?"}${votes !== undefined && total ? ` (${votes}/${total})` : ""}`;
    }
    case "score":
      return node.data.value === undefined ? null : `${node.name} score ${node.data.value.toFixed(3)}`;
    case "decision":
      return `${node.name}${node.data.reason === undefined ? "" : `: ${node.data.reason}`}`;
    case "tool":
      return `${node.name}: ${node.data.error ? `error ${node.data.error}` : "ran"}`;
    case "strategy":
      return null;
    default:
      return node satisfies never;
  }
}

function reasoningSummary(trace: TraceRecorder): string {
  return trace.trace.nodes
    .filter((node) => node.endedAt !== undefined)
    .map(describeNode)
    .filter((line): line is string => line !== null)
    .join("\n");
}

interface StreamCommon {
  id: string;
  created: number;
  model: string;
  request: ChatRequest;
  trace: TraceRecorder;
  signal: AbortSignal;
  finish: (usage: OpenAIUsage | undefined, answer: string | undefined, error?: unknown) => void;
}

function streamPlain(
  c: Context,
  state: ServerState,
  options: StreamCommon & { route: ModelRoute; generate: GenerateRequest },
): Response {
  const { id, created, model, request, route, generate, trace, signal, finish } = options;
  return streamSSE(
    c,
    async (stream) => {
      const node = trace.start("generate", route.backends.policy.id, {
        role: "policy",
        purpose: "sample",
        request: { ...generate },
      });
      const done: Completion[] = [];
      const send = (body: unknown) => stream.writeSSE({ data: JSON.stringify(body) });
      try {
        for (let index = 0; index < (generate.n ?? 1); index++) {
          await send(chunkBody({ id, model, created, index, delta: { role: "assistant", content: "" } }));
        }
        for await (const event of route.backends.policy.stream({ ...generate, signal })) {
          if (event.type === "delta") {
            await send(
              chunkBody({
                id,
                model,
                created,
                index: event.index,
                delta: { content: event.text },
                logprobs: event.logprobs,
              }),
            );
          } else {
            done.push(event.completion);
            const reasoning = event.completion.reasoning;
            if (reasoning) {
              await send(
                chunkBody({
                  id,
                  model,
                  created,
                  index: event.completion.index,
                  delta: { reasoning_content: reasoning },
                }),
              );
            }
            await send(
              chunkBody({
                id,
                model,
                created,
                index: event.completion.index,
                delta: {},
                finishReason: event.completion.finishReason,
              }),
            );
          }
        }
        node.end({ completions: done.map(traceCompletion) });
        const usage = sumUsage(done);
        finish(usage, done[0]?.text);
        if (request.stream_options?.include_usage) await send(usageChunk({ id, model, created, usage }));
        await stream.writeSSE({ data: "[DONE]" });
      } catch (error) {
        node.end({ error: String(error) });
        finish(undefined, undefined, error);
        await writeStreamError(stream, error);
      }
    },
    state.onStreamError,
  );
}

function streamStrategy(
  c: Context,
  state: ServerState,
  options: StreamCommon & { runs: Promise<Solution>[] },
): Response {
  const { id, created, model, request, trace, runs, finish } = options;
  return streamSSE(
    c,
    async (stream) => {
      const send = (body: unknown) => stream.writeSSE({ data: JSON.stringify(body) });
      const n = runs.length;
      // Progress goes to every choice's reasoning_content; writes are chained to keep them in order.
      let writes = Promise.resolve();
      const progress = (text: string) => {
        writes = writes.then(async () => {
          for (let index = 0; index < n; index++) {
            await send(chunkBody({ id, model, created, index, delta: { reasoning_content: `${text}\n` } }));
          }
        });
      };
      const unsubscribe = trace.on((event: TraceEvent) => {
        if (event.type !== "end") return;
        const node = trace.node(event.nodeId);
        const line = node && describeNode(node);
        if (line) progress(line);
      });
      const keepalive = setInterval(() => {
        writes = writes.then(() => stream.write(": keepalive\n\n").then(() => undefined));
      }, state.keepAliveMs);
      try {
        for (let index = 0; index < n; index++) {
          await send(chunkBody({ id, model, created, index, delta: { role: "assistant", content: "" } }));
        }
        const solutions = await Promise.all(runs);
        unsubscribe();
        clearInterval(keepalive);
        await writes;
        for (const [index, solution] of solutions.entries()) {
          for (let at = 0; at < solution.text.length; at += ANSWER_CHUNK_CHARS) {
            await send(
              chunkBody({
                id,
                model,
                created,
                index,
                delta: { content: solution.text.slice(at, at + ANSWER_CHUNK_CHARS) },
              }),
            );
          }
          await send(chunkBody({ id, model, created, index, delta: {}, finishReason: "stop" }));
        }
        const usage = usageOfSolutions(solutions);
        finish(usage, solutions[0]?.text);
        if (request.stream_options?.include_usage) await send(usageChunk({ id, model, created, usage }));
        await stream.writeSSE({ data: "[DONE]" });
      } catch (error) {
        unsubscribe();
        clearInterval(keepalive);
        await writes.catch(() => undefined);
        finish(undefined, undefined, error);
        await writeStreamError(stream, error);
      }
    },
    state.onStreamError,
  );
}

/** After headers are sent, an error can only travel in the stream: an OpenAI-style error event. */
async function writeStreamError(
  stream: { writeSSE(message: { data: string }): Promise<void>; aborted: boolean },
  error: unknown,
): Promise<void> {
  if (stream.aborted) return;
  await stream.writeSSE({ data: JSON.stringify(errorResponse(error).body) }).catch(() => undefined);
}
