/**
 * Solves one item with one strategy and seed, grades the solution and every sampled candidate,
 * and returns the record to store with its trace. Failures become `error` records, never wrong answers.
 */
import { toDeliberateError } from "../errors.ts";
import type { ModelBackend } from "../models/types.ts";
import { solve } from "../strategies/registry.ts";
import type { Backends, BackendUsage, Budget, Problem, Solution } from "../strategies/types.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import type { Trace } from "../trace/types.ts";
import { type StrategySpec, strategyLabel } from "./cell-key.ts";
import { type ItemGrader, keyMatchVerdict } from "./grade-item.ts";
import { addRoleUsage, costOf, type Prices } from "./metrics.ts";
import type { ModelEntry } from "./model-entry.ts";
import type {
  Dataset,
  EvalItem,
  EvalRecord,
  ModelRole,
  RoleUsage,
  RoleUsageMap,
  SampleRecord,
} from "./types.ts";

/** The role a backend id plays in a cell, and that model's prices. */
export interface RoleOf {
  role: ModelRole;
  prices?: Prices;
}

export interface SolveTask {
  cell: string;
  model: ModelEntry;
  /** The model's backend as the strategy sees it (the caching wrapper). */
  backend: ModelBackend;
  /** Every role's backend as the strategy sees it (`policy` is `backend`). Default `{policy: backend}`. */
  backends?: Backends;
  /** Backend id → role, for usage per role. Default: every id is the policy. */
  roles?: Map<string, RoleOf>;
  strategy: StrategySpec;
  dataset: Dataset;
  item: EvalItem;
  seed: number;
}

/** Texts kept in records (and shown in reports) are clipped to this many characters. */
const maxTextChars = 4000;

export interface SolveContext {
  grader: ItemGrader;
  budget: Budget;
  systemPrompt?: string;
  signal?: AbortSignal;
  /** Keep each sample's full text and answer in its `SampleRecord` (distillation reads them). Default false. */
  keepSampleTexts?: boolean;
}

/** Solves and grades one task; failures become `error` records, never wrong answers. */
export async function solveItem(
  task: SolveTask,
  { grader, budget, systemPrompt, signal, keepSampleTexts = false }: SolveContext,
): Promise<{ record: EvalRecord; trace: Trace }> {
  const { item, seed } = task;
  const trace = new TraceRecorder();
  const problem: Problem = {
    id: item.id,
    messages: [
      ...(systemPrompt ? [{ role: "system" as const, content: systemPrompt }] : []),
      { role: "user", content: item.question },
    ],
    kind: item.kind,
    ...(item.choices ? { choices: item.choices } : {}),
    ...(item.tests ? { tests: item.tests } : {}),
  };
  const base: Omit<
    EvalRecord,
    | "status"
    | "correct"
    | "verdict"
    | "predicted"
    | "key"
    | "confidence"
    | "samples"
    | "promptTokens"
    | "completionTokens"
    | "calls"
    | "cost"
    | "usage"
    | "wallMs"
    | "text"
  > = {
    cell: task.cell,
    model: task.model.name,
    strategy: strategyLabel(task.strategy),
    dataset: task.dataset.name,
    itemId: item.id,
    question: item.question.slice(0, maxTextChars),
    seed,
    gold: item.gold,
    ...(item.difficulty === undefined ? {} : { difficulty: item.difficulty }),
    ...(item.category === undefined ? {} : { category: item.category }),
  };
  const started = Date.now();
  try {
    const backends = task.backends ?? { policy: task.backend };
    const solution = await solve(problem, {
      strategy: task.strategy.name,
      options: task.strategy.options,
      backends,
      budget,
      seed,
      signal,
      trace,
      keepTraceOpen: true,
    });
    const finished = trace.finish();
    const goldKey = grader.goldKey?.(item) ?? null;
    // An answer with the gold's key is right: no second grading of what the strategy already read.
    const verdict =
      goldKey !== null && solution.key !== null && solution.key === goldKey.key
        ? keyMatchVerdict(solution.answer ?? solution.key, goldKey)
        : await grader.grade(solution.text, item);
    const { usage, external } = usageByRole(solution.usage, task);
    const roles = [...Object.values(usage), ...Object.values(external ?? {})];
    const promptTokens = roles.reduce((s, u) => s + u.promptTokens, 0);
    const completionTokens = roles.reduce((s, u) => s + u.completionTokens, 0);
    const key = solution.key ?? grader.key(solution.text, item);
    const samples = await gradeSamples(solution, item, grader, {
      text: solution.text,
      correct: verdict.correct,
      key,
      goldKey: goldKey?.key ?? null,
      keepTexts: keepSampleTexts,
    });
    // A grader that crashed or timed out is an error, never a wrong answer; for code the verdict
    // `error` means the candidate's program crashed, which is its own fault: a wrong answer.
    const graderFailed =
      item.kind !== "code" && (verdict.verdict === "error" || verdict.verdict === "timeout");
    // A backend that reports failure as a finish reason (rather than throwing) left no answer.
    const generationError = solution.text === "" ? failedGeneration(finished) : undefined;
    const failure = generationError ?? (graderFailed ? `grading: ${verdict.reason}` : undefined);
    return {
      trace: finished,
      record: {
        ...base,
        status: failure ? "error" : "ok",
        correct: verdict.correct,
        verdict: verdict.verdict,
        predicted: verdict.predicted,
        key,
        confidence: solution.confidence,
        samples,
        promptTokens,
        completionTokens,
        calls: roles.reduce((s, u) => s + u.calls, 0),
        cost: roles.reduce((s, u) => s + u.cost, 0),
        usage,
        ...(external ? { external } : {}),
        ...(solution.escalation ? { cascade: solution.escalation } : {}),
        wallMs: solution.wallMs || Date.now() - started,
        traceId: finished.id,
        text: solution.text.slice(0, maxTextChars),
        ...(failure ? { error: failure } : {}),
      },
    };
  } catch (error) {
    const failure = toDeliberateError(error);
    const finished = trace.finish(failure.message);
    return {
      trace: finished,
      record: {
        ...base,
        status: "error",
        correct: false,
        verdict: "failed",
        predicted: null,
        key: null,
        confidence: 0,
        samples: [],
        promptTokens: 0,
        completionTokens: 0,
        calls: 0,
        cost: 0,
        wallMs: Date.now() - started,
        traceId: finished.id,
        text: "",
        error: `${failure.code}: ${failure.message}`,
      },
    };
  }
}

/**
 * The solution's usage (keyed by backend id) summed per role, each role's cost at its model's
 * prices unless the strategy reported one. Without a role map every id is the policy's; with one,
 * an id it does not know is an endpoint outside the cell's models (a pooling PRM server), kept
 * apart by id: folding it into the policy would count its FLOPs at the policy's size.
 */
function usageByRole(
  usage: Record<string, BackendUsage>,
  task: SolveTask,
): { usage: RoleUsageMap; external?: Record<string, RoleUsage> } {
  const out: RoleUsageMap = {};
  const external: Record<string, RoleUsage> = {};
  for (const [id, u] of Object.entries(usage)) {
    const of = task.roles ? task.roles.get(id) : { role: "policy" as const, prices: task.model.prices };
    const spent = {
      calls: u.calls,
      promptTokens: u.promptTokens,
      completionTokens: u.completionTokens,
      cost: u.cost ?? costOf(u.promptTokens, u.completionTokens, of?.prices),
    };
    if (of) addRoleUsage(out, of.role, spent);
    else external[id] = spent;
  }
  return Object.keys(external).length ? { usage: out, external } : { usage: out };
}

/** The error of the first failed completion in the trace, if any. */
function failedGeneration(trace: Trace): string | undefined {
  for (const node of trace.nodes) {
    if (node.kind !== "generate") continue;
    if (node.data.error !== undefined) return `generation: ${node.data.error}`;
    for (const c of node.data.completions ?? []) {
      if (c.finishReason === "error") return `generation: ${c.error ?? "the backend reported an error"}`;
    }
  }
  return undefined;
}

/**
 * Grades each of the policy's candidates (the Solution's evidence, not the trace: judge calls and
 * step continuations are not samples, and a cascade's large-model samples are not the policy's)
 * once per distinct answer key (equal keys share a verdict); a candidate whose text is the
 * solution's reuses the solution's verdict, and one with the gold's key is right without grading.
 * Each keeps its own verifier score as its weight, and its full text when `keepTexts` (distillation).
 */
async function gradeSamples(
  solution: Solution,
  item: EvalItem,
  grader: ItemGrader,
  solved: { text: string; correct: boolean; key: string | null; goldKey: string | null; keepTexts: boolean },
): Promise<SampleRecord[]> {
  const byKey = new Map<string, boolean>();
  if (solved.goldKey !== null) byKey.set(solved.goldKey, true);
  const out: SampleRecord[] = [];
  for (const candidate of solution.candidates) {
    if (candidate.role !== "policy") continue;
    // The grader's key, not the strategy's: task checks (countdown, code) key answers their own way.
    const key = candidate.text === solved.text ? solved.key : grader.key(candidate.text, item);
    let correct = key === null ? false : byKey.get(key);
    if (correct === undefined) {
      correct =
        candidate.text === solved.text ? solved.correct : (await grader.grade(candidate.text, item)).correct;
      if (key !== null) byKey.set(key, correct);
    }
    out.push({
      key,
      correct,
      weight: candidate.score ?? 1,
      tokens: candidate.usage.completionTokens,
      ...(solved.keepTexts ? { text: candidate.text, answer: candidate.answer } : {}),
    });
  }
  return out;
}
