/**
 * `pooling-prm`: a process reward model behind a vLLM pooling endpoint (Qwen2.5-Math-PRM style,
 * `vllm serve Qwen/Qwen2.5-Math-PRM-7B`). The steps go in one request, each followed by the model's
 * step token (`<extra_0>` for Qwen2.5-Math-PRM, as its model card builds the assistant turn:
 * steps joined by the token, one more at the end); the endpoint answers one probability row per step
 * token (see `pooling-response.ts`). One call per solution, whatever its length. The call is
 * budgeted, traced and charged like a model call: its `generate` node (purpose `score`) holds the
 * body sent, and the prompt tokens the response reports count against the token budget.
 */
import { z } from "zod";
import { DeliberateError, toDeliberateError } from "../../errors.ts";
import type { ChatMessage, GenerateRequest } from "../../models/types.ts";
import { throwIfAborted } from "../../run/call-model.ts";
import { questionText } from "../../run/prompts.ts";
import { strictObject } from "../../strict-object.ts";
import { parseOrBadRequest } from "../../util/parse-or-bad-request.ts";
import { postPooling } from "./pooling-client.ts";
import { stepProbabilities } from "./pooling-response.ts";
import type { StepScorer } from "./types.ts";

/** Qwen2.5-Math-PRM's system prompt, from its model card. */
export const QWEN_PRM_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}.";

/** The options' fields, for `poolingPrmOptions` and the registry's `{ name: "pooling-prm", … }`. */
export const poolingPrmShape = {
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .describe("The server's root URL, e.g. `http://localhost:8000` (vLLM serves `/pooling` there)."),
  model: z.string().min(1).describe("The served model's name, sent as `model`."),
  stepToken: z
    .string()
    .min(1)
    .default("<extra_0>")
    .describe(
      "The token after each step whose row is the step's score. Default `<extra_0>` (Qwen2.5-Math-PRM).",
    ),
  apiKey: z.string().optional().describe("Sent as `Authorization: Bearer …`."),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(600_000)
    .default(60_000)
    .describe("Most ms to wait for one answer, 1–600000. Default 60000."),
  input: z
    .enum(["messages", "text"])
    .default("messages")
    .describe(
      "`messages`: system, question, and the steps as the assistant's turn, rendered by the server's chat template (Qwen2.5-Math-PRM). `text`: one raw `input` string, the question, a blank line, then one step per line. Default messages.",
    ),
  system: z
    .string()
    .default(QWEN_PRM_SYSTEM)
    .describe('System message for `input: messages`; "" sends none. Default Qwen2.5-Math-PRM\'s.'),
  task: z
    .string()
    .min(1)
    .default("token_classify")
    .describe("The pooling task sent as `task`; vLLM's PRMs use `token_classify`. Default token_classify."),
};
export const poolingPrmOptions = strictObject(poolingPrmShape, "option");
export type PoolingPrmOptions = z.input<typeof poolingPrmOptions>;

export function poolingPrm(options: PoolingPrmOptions): StepScorer {
  const { baseUrl, model, stepToken, apiKey, timeoutMs, input, system, task } = parseOrBadRequest(
    poolingPrmOptions,
    options,
    { subject: "step scorer `pooling-prm`" },
  );
  const url = `${baseUrl.replace(/\/+$/, "")}/pooling`;
  const id = `pooling:${model}@${baseUrl}`;
  return {
    name: "pooling-prm",
    async scoreSteps(problem, steps, ctx) {
      if (steps.length === 0) return { scores: [], method: "pooling" };
      const clash = steps.findIndex((step) => step.includes(stepToken));
      if (clash >= 0) {
        // The endpoint would answer one row too many and every later score would shift.
        throw new DeliberateError("BAD_REQUEST", `step ${clash} contains the step token \`${stepToken}\``, {
          param: "stepToken",
        });
      }
      const question = questionText(problem);
      const tagged = steps.map((step) => `${step}${stepToken}`);
      const messages: ChatMessage[] = [
        ...(system ? [{ role: "system" as const, content: system }] : []),
        { role: "user", content: question },
        { role: "assistant", content: tagged.join("") },
      ];
      const text = `${question}\n\n${tagged.join("\n")}`;
      const body = input === "messages" ? { model, messages, task } : { model, input: text, task };
      // What the budget's prompt estimate reads: the same text the server will tokenize.
      const asRequest: GenerateRequest =
        input === "messages" ? { messages, maxTokens: 1 } : { prompt: text, maxTokens: 1 };

      throwIfAborted(ctx);
      const estimate = ctx.ledger.estimatePrompt(id, asRequest);
      const { allowance, release } = ctx.ledger.reserve(ctx.budget, asRequest, estimate);
      const span = ctx.trace.start(
        "generate",
        id,
        { role: "verifier", purpose: "score", request: { url, ...body }, promptEstimate: estimate },
        ctx.parentId,
      );
      const started = Date.now();
      let promptTokens = 0;
      try {
        const response = await postPooling(url, body, {
          apiKey,
          timeoutMs,
          budgetMs: allowance.deadline === undefined ? undefined : allowance.deadline - Date.now(),
          signal: ctx.signal,
        });
        promptTokens = response.usage?.prompt_tokens ?? 0;
        const scores = stepProbabilities(response, steps.length, url);
        span.end({ backend: id, latencyMs: Date.now() - started, promptTokens, completionTokens: 0 });
        throwIfAborted(ctx);
        return { scores, method: "pooling", data: { endpoint: url, promptTokens } };
      } catch (error) {
        const failure = toDeliberateError(error, "UPSTREAM");
        span.end({ backend: id, latencyMs: Date.now() - started, error: failure.message });
        throw failure;
      } finally {
        // Charged once, failed or not: a failed call still counts against `maxCalls`.
        ctx.ledger.charge(id, { promptTokens, completionTokens: 0 });
        if (promptTokens > 0) ctx.ledger.observePrompt(id, asRequest, promptTokens, 1);
        release();
      }
    },
  };
}
