/**
 * `createRewardScorer`: items → rewards, never a reward for what could not be checked, never a hang.
 * Math and choice answers are graded in a GradePool (worker threads, a hard limit per item, a stuck
 * worker replaced); code runs its tests in the sandbox under the same limit. Every item of a batch
 * is in flight at once, so a pathological one (an exponent tower, a 5 MB string, `while(true){}`)
 * times out alone while the others are scored.
 *
 * Verdict → reward: `correct` 1; `incorrect` and `unparseable` (no answer in the output, a thinking
 * block that never closed) 0, scored. A grader `timeout` or `error` is the fallback, unscored. For
 * code the program's own crash, syntax error, refused import or timeout is the candidate's fault: 0,
 * scored (verl PR #7853 gave full reward to code that crashed). A gold that cannot be checked is
 * `bad-gold`: the fallback exactly, unscored, no shaping bonus.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { gradeCode } from "../grading/code.ts";
import { stripThinking } from "../grading/extract-answer.ts";
import { GradePool } from "../grading/pool.ts";
import type { GradeResult } from "../grading/types.ts";
import { limitSchemas } from "../sandbox/check-limits.ts";
import { closeSandboxes } from "../sandbox/run-code.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import { type GoldCheck, GoldChecker } from "./gold-check.ts";
import { DEFAULT_SHAPING, type ResolvedShaping, shapeReward } from "./shaping.ts";
import type { RewardItem, RewardOptions, RewardResult, RewardScorer, RewardVerdict } from "./types.ts";

export interface CreateRewardScorerOptions extends RewardOptions {
  /** Grading worker threads when the scorer makes its own pool. Default: one per core, at most 8. */
  workers?: number;
  /** A pool to grade in instead of one of the scorer's own; `close()` leaves it open. */
  pool?: GradePool;
  /**
   * Code items handed to the sandbox at once, across all batches. The sandbox runs up to 8 JavaScript
   * and 2 Python programs at once (its pools' default sizes, set by `DELIBERATE_SANDBOX_JS_WORKERS`
   * and `DELIBERATE_SANDBOX_PY_WORKERS`) and queues the rest; this bounds how many are there (each
   * holds its program and tests), and the ones not yet handed over are dropped when a batch is
   * aborted. Default 8, the JavaScript pool's size.
   */
  maxSandboxRuns?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_SANDBOX_RUNS = 8;

const OptionsSchema = z.object({
  timeoutMs: limitSchemas.timeoutMs.optional(),
  fallback: z.number().optional(),
  shaping: z
    .object({
      formatWeight: z.number().min(0).optional(),
      lengthWeight: z.number().min(0).optional(),
      lengthTarget: z.number().int().min(0).optional(),
      lengthSpan: z.number().int().min(1).optional(),
    })
    .optional(),
  workers: z.number().int().min(1).optional(),
  maxSandboxRuns: z.number().int().min(1).optional(),
});

/** What an item's grading found, before shaping. */
interface Outcome {
  verdict: RewardVerdict;
  scored: boolean;
  /** A program that crashed or timed out: the candidate's fault, 0 and no format bonus. */
  crashed?: boolean;
  correctness: number;
  predicted: string | null;
  gold: string | null;
  method: string;
  reason: string;
}

export function createRewardScorer(options: CreateRewardScorerOptions = {}): RewardScorer {
  const { pool: given, ...rest } = options;
  const {
    timeoutMs = DEFAULT_TIMEOUT_MS,
    fallback = 0,
    workers,
    maxSandboxRuns = DEFAULT_MAX_SANDBOX_RUNS,
    shaping: shapingOptions = {},
  } = parseOrBadRequest(OptionsSchema, rest, { subject: "rewards" });
  const shaping: ResolvedShaping = { ...DEFAULT_SHAPING, ...withoutUndefined(shapingOptions) };
  const pool = given ?? new GradePool({ timeoutMs, ...(workers === undefined ? {} : { size: workers }) });
  const golds = new GoldChecker({ pool, timeoutMs });
  const sandboxSlots = slots(maxSandboxRuns);
  let usedSandbox = false;
  let closed = false;

  const badGold = (check: Extract<GoldCheck, { ok: false }>, predicted: string | null): Outcome => ({
    verdict: "bad-gold",
    scored: false,
    correctness: fallback,
    predicted,
    gold: check.answer,
    method: "gold-check",
    reason: `${check.problem}: ${check.reason}`,
  });

  const fromGrade = (result: GradeResult, candidateFault: boolean): Outcome => {
    const failed = result.verdict === "timeout" || result.verdict === "error";
    const scored = candidateFault || !failed;
    return {
      verdict: result.verdict,
      scored,
      crashed: candidateFault && failed,
      correctness: result.verdict === "correct" ? 1 : scored ? 0 : fallback,
      predicted: result.predicted,
      gold: result.gold,
      method: result.method,
      reason: result.reason,
    };
  };

  async function gradeAnswer(item: RewardItem): Promise<Outcome> {
    const kind = item.kind === "choice" ? "choice" : "math";
    const gold = String(item.gold ?? "");
    const choices = kind === "choice" ? item.choices : undefined;
    const { known, check: checking } = golds.answerCheck(gold, kind, choices);
    if (known && !known.ok) return badGold(known, null);
    const [check, result] = await Promise.all([
      checking,
      pool.grade(item.output, gold, { kind, ...(choices ? { choices } : {}), timeoutMs }),
    ]);
    return check.ok ? fromGrade(result, false) : badGold(check, result.predicted);
  }

  async function gradeProgram(item: RewardItem, signal: AbortSignal | undefined): Promise<Outcome> {
    const tests = item.tests;
    if (!tests || tests.code.trim() === "") {
      return badGold(
        { ok: false, problem: "no-tests", answer: null, reason: "a code item needs tests" },
        null,
      );
    }
    // The program is read after the thinking, as answers are; a block that never closed has none.
    const body = stripThinking(item.output);
    if (body === null) {
      return {
        verdict: "unparseable",
        scored: true,
        correctness: 0,
        predicted: null,
        gold: null,
        method: "tests",
        reason: "the thinking block never closed: no program after it",
      };
    }
    usedSandbox = true;
    const result = await sandboxSlots(signal, () => gradeCode(body, tests, { timeoutMs }));
    // Tests that do not parse are the dataset's fault; confirmed on an empty program, so a candidate
    // cannot pass its own failure off as a broken gold.
    if (result.run?.reason === "syntax" && result.run.stage === "tests") {
      const check = await golds.checkTests(tests);
      if (!check.ok) return badGold(check, result.predicted);
    }
    return fromGrade(result, true);
  }

  async function scoreItem(item: RewardItem, signal: AbortSignal | undefined): Promise<RewardResult> {
    const started = performance.now();
    const output = String(item.output ?? "");
    let outcome: Outcome;
    try {
      outcome =
        item.kind === "code"
          ? await gradeProgram({ ...item, output }, signal)
          : await gradeAnswer({ ...item, output });
    } catch (error) {
      if (DeliberateError.isInstance(error) && error.code === "ABORTED") throw error;
      outcome = {
        verdict: "error",
        scored: false,
        correctness: fallback,
        predicted: null,
        gold: null,
        method: "none",
        reason: `scoring failed: ${(error as Error).message}`,
      };
    }
    const { reward, components } = shapeReward({
      output,
      correctness: outcome.correctness,
      answerPresent: outcome.predicted !== null,
      scored: outcome.scored,
      crashed: outcome.crashed === true,
      shaping,
    });
    const { correctness: _, crashed: __, ...fields } = outcome;
    return { reward, ...fields, components, ms: performance.now() - started };
  }

  return {
    async score(items, { signal } = {}) {
      if (closed) throw new DeliberateError("BAD_REQUEST", "the reward scorer is closed");
      if (signal?.aborted) throw new DeliberateError("ABORTED", "scoring was aborted");
      const all = Promise.all(items.map((item) => scoreItem(item, signal)));
      if (!signal) return all;
      // Items already in a worker or the sandbox finish there; the caller stops waiting at once.
      let onAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new DeliberateError("ABORTED", "scoring was aborted"));
        signal.addEventListener("abort", onAbort, { once: true });
      });
      all.catch(() => {});
      return Promise.race([all, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!given) await pool.close();
      if (usedSandbox) await closeSandboxes();
    },
  };
}

/**
 * At most `limit` tasks running at once; a task still waiting when its signal aborts never starts
 * and rejects with ABORTED.
 */
function slots(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      if (signal?.aborted) throw new DeliberateError("ABORTED", "scoring was aborted");
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
