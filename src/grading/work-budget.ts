/**
 * A deterministic bound on the work one grading may do: the synchronous grader (answerKey on the event
 * loop, gradeSync in-process) charges it for expanded nodes, evaluated nodes and big-integer arithmetic,
 * and gives up with WorkLimitError when it is spent. Counting work instead of reading a clock keeps the
 * verdict the same on any machine and under any load (STYLE 17); the worker pool's wall-clock limit
 * stays the hard backstop for callers that can await.
 */

/**
 * Units one grading may spend. A unit is about one exact operation on small numbers (~0.1 µs on an
 * idle core), so the slowest budget-bound answer stops after a few tens of ms; the case tables'
 * heaviest legitimate answer spends about 1% of it (test/grading/work-budget.test.ts).
 */
export const DEFAULT_WORK_UNITS = 150_000;

/** log2(3): the exponent of Karatsuba multiplication. */
const KARATSUBA_EXPONENT = 1.6;
/** Word operations in one work unit. */
const WORD_OPS_PER_UNIT = 16;

/** The grading ran out of its work budget: a "timeout" verdict, never an equality. */
export class WorkLimitError extends Error {
  constructor() {
    super("grading exceeded its work limit");
  }
}

export class WorkBudget {
  private left: number;

  constructor(readonly units: number = DEFAULT_WORK_UNITS) {
    this.left = units;
  }

  /** Charges `units`; throws WorkLimitError once the budget is spent. */
  spend(units: number): void {
    this.left -= units;
    if (this.left < 0) throw new WorkLimitError();
  }

  /**
   * Charges `times` big-integer products of `bits`-bit operands: V8 multiplies large BigInts by
   * Karatsuba, about words^1.6 word operations, ~4 ns each on an idle core.
   */
  spendProduct(bits: number, times = 1): void {
    const words = bits / 64 + 1;
    this.spend((words ** KARATSUBA_EXPONENT / WORD_OPS_PER_UNIT + 1) * times);
  }
}
