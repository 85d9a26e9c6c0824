/**
 * The eval pass's records as distilled traces: each record holds one teacher's k samples of one
 * problem, each already graded by the eval harness (`solveItem` grades every sample against the gold
 * answer). The grader's verdict is taken as it is; nothing is graded a second time here.
 */
import { DeliberateError } from "../errors.ts";
import type { EvalItem, EvalRecord } from "../eval/types.ts";
import { THINK_CLOSE } from "../run/thinking.ts";
import { quotesHint, unhintedId } from "./star.ts";
import type { DistilledTrace, TraceSource } from "./types.ts";

export interface CollectOptions {
  /** The teacher's name (its model spec). */
  teacher: string;
  source: TraceSource;
  /** The plain (un-hinted) problems by id: a trace always carries the original question. */
  items: ReadonlyMap<string, EvalItem>;
}

/**
 * One trace per sample of an `ok` record, in sample order. A STaR rationale counts as correct only
 * when the grader accepted it and it does not quote the hint (see star.ts).
 */
export function tracesOfRecord(
  record: EvalRecord,
  { teacher, source, items }: CollectOptions,
): DistilledTrace[] {
  const problemId = source === "star" ? unhintedId(record.itemId) : record.itemId;
  const item = items.get(problemId);
  if (!item) {
    throw new DeliberateError("INTERNAL", `record of \`${record.itemId}\` names no problem of the dataset`);
  }
  return record.samples.map((sample, index) => {
    if (sample.text === undefined) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `the stored record of \`${record.itemId}\` (${record.cell}) has no sample texts: it was written by a run that did not keep them; distill into a fresh --store`,
        { param: "store" },
      );
    }
    const correct = sample.correct && (source === "sample" || !quotesHint(sample.text, item.gold));
    return {
      id: `${problemId}/${teacher}/${source}/${index}`,
      problemId,
      question: item.question,
      gold: item.gold,
      kind: item.kind,
      ...(item.difficulty === undefined ? {} : { difficulty: item.difficulty }),
      teacher,
      source,
      sample: index,
      text: sample.text,
      thinking: sample.text.includes(THINK_CLOSE),
      predicted: sample.answer ?? null,
      correct,
      tokens: sample.tokens,
    };
  });
}
