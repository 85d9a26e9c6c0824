/**
 * A Solution in AI SDK terms: usage summed over every call of the solve, a finish reason, and
 * `providerMetadata.deliberate` with the evidence (answer, key, confidence, votes, usage per backend
 * and role, trace id). Every value is JSON, as provider metadata must be.
 */
import type {
  JSONObject,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3Warning,
} from "@ai-sdk/provider";
import type { Backends, Solution } from "../../strategies/types.ts";
import type { TraceRecorder } from "../../trace/recorder.ts";

/** `providerMetadata.deliberate`: what the strategy decided and what it cost. */
export interface DeliberateMetadata {
  strategy: string;
  /** The extracted answer, or null when none could be read. */
  answer: string | null;
  /** The canonical key equivalent answers share. */
  key: string | null;
  /** In [0, 1]: vote share, verifier score or token probability, per strategy. */
  confidence: number;
  /** Candidates per answer key (candidates without an answer are not counted). */
  votes: Record<string, number>;
  /** Candidates the strategy chose among. */
  candidates: number;
  /** Usage per backend id, every call of the solve. */
  usage: Record<
    string,
    { calls: number; promptTokens: number; completionTokens: number; reasoningTokens?: number }
  >;
  /** The backend id behind each role (`policy`, `large`, `verifier`). */
  roles: Record<string, string>;
  /** Whether a cascade-like strategy handed the question to its large model. */
  escalated?: boolean;
  /** The strategy's typed details (the Solution's `details`: samples used, why it stopped…), as JSON. */
  details: unknown;
  traceId: string;
  wallMs: number;
}

export function solutionMetadata(solution: Solution, backends: Backends): DeliberateMetadata {
  const votes: Record<string, number> = {};
  for (const candidate of solution.candidates) {
    if (candidate.key !== null) votes[candidate.key] = (votes[candidate.key] ?? 0) + 1;
  }
  const usage: DeliberateMetadata["usage"] = {};
  for (const [backend, spent] of Object.entries(solution.usage)) {
    usage[backend] = {
      calls: spent.calls,
      promptTokens: spent.promptTokens,
      completionTokens: spent.completionTokens,
      ...(spent.reasoningTokens === undefined ? {} : { reasoningTokens: spent.reasoningTokens }),
    };
  }
  const roles: Record<string, string> = {};
  for (const [role, backend] of Object.entries(backends)) if (backend) roles[role] = backend.id;
  return {
    strategy: solution.strategy,
    answer: solution.answer,
    key: solution.key,
    confidence: solution.confidence,
    votes,
    candidates: solution.candidates.length,
    usage,
    roles,
    ...(solution.escalation ? { escalated: solution.escalation.escalated } : {}),
    details: asJson(solution.details),
    traceId: solution.traceId,
    wallMs: solution.wallMs,
  };
}

/** A value as plain JSON (provider metadata must be): undefined fields dropped, null for nothing. */
function asJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** The metadata as the JSON object `providerMetadata` holds. */
export function metadataJson(metadata: DeliberateMetadata): JSONObject {
  return metadata as unknown as JSONObject;
}

/** Usage summed over every backend and call of the solve. */
export function solutionUsage(solution: Solution): LanguageModelV3Usage {
  let prompt = 0;
  let completion = 0;
  let reasoning: number | undefined;
  for (const spent of Object.values(solution.usage)) {
    prompt += spent.promptTokens;
    completion += spent.completionTokens;
    if (spent.reasoningTokens !== undefined) reasoning = (reasoning ?? 0) + spent.reasoningTokens;
  }
  return {
    inputTokens: { total: prompt, noCache: prompt, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: {
      total: completion,
      text: reasoning === undefined ? completion : completion - reasoning,
      reasoning,
    },
  };
}

/** The chosen candidate's finish reason: `length` when the answer was cut off, else `stop`. */
export function solutionFinishReason(solution: Solution): LanguageModelV3FinishReason {
  const chosen = solution.candidates.find((c) => c.text === solution.text && c.finishReason !== undefined);
  const raw = chosen?.finishReason ?? "stop";
  return { unified: raw === "length" ? "length" : "stop", raw };
}

/** The warnings the backends gave in this solve's calls (each once), from its trace. */
export function traceWarnings(trace: TraceRecorder): SharedV3Warning[] {
  const seen = new Set<string>();
  for (const node of trace.trace.nodes) {
    if (node.kind !== "generate") continue;
    for (const completion of node.data.completions ?? []) {
      for (const warning of completion.warnings ?? []) seen.add(warning);
    }
  }
  return [...seen].map((message) => ({ type: "other", message }));
}
