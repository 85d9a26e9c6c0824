/**
 * Is the gold answer checkable at all? A gold with no answer in it (empty, prose, an empty or
 * unclosed `\boxed{}`) or one that does not grade equal to itself can only give rewards by accident:
 * open-r1 gave reward 1 when its gold did not parse (open-r1 #293). Such an item is `bad-gold`: the
 * fallback reward, never scored. The self-grading runs in the GradePool, so a pathological gold
 * times out like any answer; checks are cached per (gold, kind, choices), so the 256 samples of one
 * prompt check their gold once.
 */
import { extractAnswer } from "../grading/extract-answer.ts";
import type { GradePool } from "../grading/pool.ts";
import type { AnswerKind } from "../grading/types.ts";
import { runTests } from "../sandbox/run-tests.ts";
import type { CodeTests } from "../sandbox/types.ts";

/**
 * Why a gold cannot be used:
 * - `no-answer`: no answer can be read from it.
 * - `not-self-equal`: it does not grade equal to itself.
 * - `unchecked`: grading it against itself timed out or failed (not cached: it may pass another time).
 * - `no-tests`: a code item without tests.
 * - `tests-unparseable`: a code item whose tests do not parse.
 */
export type GoldProblem = "no-answer" | "not-self-equal" | "unchecked" | "no-tests" | "tests-unparseable";

/** A check's outcome; `answer` is the answer read from the gold (null for tests, or when none). */
export type GoldCheck =
  | { ok: true; answer: string | null }
  | { ok: false; problem: GoldProblem; answer: string | null; reason: string };

export interface GoldCheckerOptions {
  pool: GradePool;
  /** Time limit for grading a gold against itself, and for running tests, in ms. */
  timeoutMs: number;
  /** Most checks kept. Default 4096. */
  maxEntries?: number;
  /** Most characters of golds (and tests) kept in the cache keys, so huge golds cannot fill memory. Default 16M. */
  maxChars?: number;
}

const DEFAULT_MAX_ENTRIES = 4096;
const DEFAULT_MAX_CHARS = 16 * 1024 * 1024;
/** Golds up to this long are read on the calling thread (well under a millisecond); grading's MAX_ANSWER_CHARS. */
const INLINE_EXTRACT_CHARS = 20_000;

interface Entry {
  check: Promise<GoldCheck>;
  /** The settled check, once known: lets a caller skip grading an output against a bad gold. */
  known?: GoldCheck;
}

export class GoldChecker {
  private readonly pool: GradePool;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  /** Insertion order is recency order (a hit moves its key to the end): the first key is evicted first. */
  private readonly cache = new Map<string, Entry>();
  private chars = 0;

  constructor(options: GoldCheckerOptions) {
    const { pool, timeoutMs, maxEntries = DEFAULT_MAX_ENTRIES, maxChars = DEFAULT_MAX_CHARS } = options;
    this.pool = pool;
    this.timeoutMs = timeoutMs;
    this.maxEntries = maxEntries;
    this.maxChars = maxChars;
  }

  /** Cached checks (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }

  /**
   * Checks a math or choice gold: an answer can be read from it, and it grades equal to itself.
   * `known` is the settled check when one is cached, so a caller can skip grading against a bad gold.
   */
  answerCheck(
    gold: string,
    kind: AnswerKind,
    choices?: readonly string[],
  ): { known?: GoldCheck; check: Promise<GoldCheck> } {
    const entry = this.entry(answerKey(gold, kind, choices), () => this.selfGrade(gold, kind, choices));
    return { ...(entry.known ? { known: entry.known } : {}), check: entry.check };
  }

  /** `answerCheck(...).check`. */
  checkAnswer(gold: string, kind: AnswerKind, choices?: readonly string[]): Promise<GoldCheck> {
    return this.answerCheck(gold, kind, choices).check;
  }

  /**
   * Checks that code tests parse, by running them against an empty program: a syntax error in the
   * tests is the dataset's fault, not the candidate's.
   */
  checkTests(tests: CodeTests): Promise<GoldCheck> {
    if (tests.code.trim() === "") {
      return Promise.resolve({
        ok: false,
        problem: "no-tests",
        answer: null,
        reason: "the item has no tests",
      });
    }
    const key = `tests\u0000${tests.language}\u0000${tests.code}`;
    return this.entry(key, async (): Promise<GoldCheck> => {
      const run = await runTests({ ...tests, tests: tests.code, code: "", timeoutMs: this.timeoutMs });
      if (run.reason === "syntax" && run.stage === "tests") {
        return {
          ok: false,
          problem: "tests-unparseable",
          answer: null,
          reason: `the tests do not parse: ${run.error ?? ""}`.trim(),
        };
      }
      return { ok: true, answer: null };
    }).check;
  }

  private async selfGrade(gold: string, kind: AnswerKind, choices?: readonly string[]): Promise<GoldCheck> {
    const options = { kind, ...(choices ? { choices: [...choices] } : {}) };
    // Extraction is linear in the text (grading's guarantee), so a short gold is read here; a long
    // one (milliseconds a megabyte) only in the pool, where "no answer" comes back as an error.
    const answer =
      gold.length <= INLINE_EXTRACT_CHARS
        ? extractAnswer(gold, { ...options, lastNumberFallback: true })
        : gold;
    if (answer === null) {
      return {
        ok: false,
        problem: "no-answer",
        answer: null,
        reason: "no answer can be read from the gold (empty, prose, or an empty or unclosed \\boxed{})",
      };
    }
    const self = await this.pool.grade(gold, gold, { ...options, timeoutMs: this.timeoutMs });
    switch (self.verdict) {
      case "correct":
        return { ok: true, answer: self.gold };
      case "incorrect":
      case "unparseable":
        return {
          ok: false,
          problem: "not-self-equal",
          answer: self.gold,
          reason: `the gold does not grade equal to itself (${self.method}: ${self.reason})`,
        };
      case "timeout":
      case "error":
        return {
          ok: false,
          problem: "unchecked",
          answer: self.gold,
          reason: `the gold could not be graded against itself: ${self.reason}`,
        };
      default:
        return self.verdict satisfies never;
    }
  }

  /** The check under `key`, shared while in flight; an `unchecked` result is dropped once settled. */
  private entry(key: string, run: () => Promise<GoldCheck>): Entry {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const entry: Entry = {
      check: run().catch(
        (error: unknown): GoldCheck => ({
          ok: false,
          problem: "unchecked",
          answer: null,
          reason: `the gold check failed: ${(error as Error).message}`,
        }),
      ),
    };
    this.cache.set(key, entry);
    this.chars += key.length;
    void entry.check.then((check) => {
      entry.known = check;
      if (!check.ok && check.problem === "unchecked") this.forget(key, entry);
    });
    this.evict();
    return entry;
  }

  private forget(key: string, entry: Entry): void {
    if (this.cache.get(key) !== entry) return;
    this.cache.delete(key);
    this.chars -= key.length;
  }

  private evict(): void {
    while (this.cache.size > 1 && (this.cache.size > this.maxEntries || this.chars > this.maxChars)) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      this.chars -= oldest.length;
    }
  }
}

/**
 * The cache key of a math or choice gold: the same text read the same way is checked once. The gold
 * is appended as it is (no JSON escaping), so a long gold costs one pass to hash, not a copy.
 */
function answerKey(gold: string, kind: AnswerKind, choices?: readonly string[]): string {
  return `${kind}\u0000${choices ? JSON.stringify(choices) : ""}\u0000${gold}`;
}
