/**
 * A deterministic bound on the work one grading may do: the synchronous grader (answerKey on the event
 * loop, gradeSync in-process) charges it for expanded nodes, evaluated nodes and big-integer arithmetic,
 * and gives up with WorkLimitError when it is spent. Counting work instead of reading a clock keeps the
 * verdict the same on any machine and under any load (STYLE 17); the worker pool's wall-clock limit
 * stays the hard backstop for callers that can await.
 */

/** Units one grading may spend: a few milliseconds of the slowest shapes on a 2-core machine. */
export const DEFAULT_WORK_UNITS = 2_000_000;

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
   * Charges `times` big-integer operations on operands of `bits` bits: quadratic in machine words, as
   * schoolbook ×, ÷ and Euclid's gcd are.
   */
  spendBits(bits: number, times = 1): void {
    const words = bits / 64 + 1;
    this.spend(words * words * times);
  }
}
