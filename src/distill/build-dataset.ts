/**
 * From graded traces to the dataset folder's records: rejection sampling (a trace is kept only if
 * the grader accepted it), per-problem pass rates, duplicate removal, the optional short/long mix,
 * DPO pairs, the prompt set and the manifest. Pure: the same traces and options give the same
 * records, which is what makes a resumed distill run write the same files as an uninterrupted one.
 */
import type { EvalItem } from "../eval/types.ts";
import { type DedupeOptions, dedupeTraces } from "./dedupe.ts";
import { dpoPairs } from "./dpo-pairs.ts";
import { type MixResult, mixByLength } from "./mix.ts";
import { histogram, lengthSummary, passRateEdges } from "./statistics.ts";
import type { DistilledProblem, DistilledTrace, PromptRow, SftRow } from "./types.ts";
import type { DistilledDataset } from "./write-dataset.ts";

export interface BuildDatasetInput {
  /** The dataset spec as given, and its problems in dataset order. */
  spec: string;
  items: readonly EvalItem[];
  /** Teacher names, in the order given. */
  teachers: readonly string[];
  /** Every graded teacher sample and STaR rationale, any order (they are put in dataset order). */
  traces: readonly DistilledTrace[];
  /** The run's settings, echoed into the manifest (the mix outcome is added when mixing). */
  settings: Record<string, unknown>;
  createdAt: string;
}

export interface BuildDatasetOptions {
  dedupe?: DedupeOptions;
  /** Mix long and short traces so long ones are this share of `sft` (see mix.ts); absent: no mixing. */
  mix?: { longShare: number; longTokens: number; seed?: number };
  /** DPO pairs per problem, >= 0. Default 2. */
  dpoPairsPerProblem?: number;
}

export interface BuiltDataset extends DistilledDataset {
  /** Set when mixing: what it kept and dropped. */
  mix?: MixResult;
}

export function buildDataset(input: BuildDatasetInput, options: BuildDatasetOptions = {}): BuiltDataset {
  const { items, teachers } = input;
  const { dpoPairsPerProblem = 2 } = options;
  const traces = inDatasetOrder(input.traces, items, teachers);
  const samplesBy = groupBy(traces.filter((t) => t.source === "sample"));

  const problems: DistilledProblem[] = items.map((item) => {
    const own = samplesBy.get(item.id) ?? [];
    const correct = own.filter((t) => t.correct).length;
    return {
      problemId: item.id,
      question: item.question,
      gold: item.gold,
      kind: item.kind,
      ...(item.difficulty === undefined ? {} : { difficulty: item.difficulty }),
      ...(item.category === undefined ? {} : { category: item.category }),
      ...(item.tests === undefined ? {} : { tests: item.tests }),
      attempts: own.length,
      correct,
      passRate: own.length === 0 ? 0 : correct / own.length,
    };
  });
  const passRate = new Map(problems.map((p) => [p.problemId, p.passRate]));

  // Rejection sampling: the grader's verdict alone decides.
  const verified = traces.filter((t) => t.correct);
  const deduped = dedupeTraces(verified, options.dedupe);
  const mix = options.mix ? mixByLength(deduped.kept, options.mix) : undefined;
  const kept = mix ? mix.kept : deduped.kept;

  const sft: SftRow[] = kept.map((t) => ({
    id: t.id,
    question: t.question,
    answer: t.gold,
    solution: t.text,
    kind: t.kind,
    ...(t.difficulty === undefined ? {} : { difficulty: t.difficulty }),
    teacher: t.teacher,
    source: t.source,
    passRate: passRate.get(t.problemId) ?? 0,
    tokens: t.tokens,
  }));

  // Chosen: the deduplicated verified traces before mixing (mixing shapes the SFT set's lengths,
  // not which answers are right); rejected: the plain samples the grader refused.
  const chosenBy = groupBy(deduped.kept);
  const incorrectBy = groupBy(traces.filter((t) => t.source === "sample" && !t.correct));
  const dpo = items.flatMap((item) =>
    dpoPairs(chosenBy.get(item.id) ?? [], incorrectBy.get(item.id) ?? [], dpoPairsPerProblem),
  );

  const prompts: PromptRow[] = problems.map((p) => ({
    id: p.problemId,
    question: p.question,
    answer: p.gold,
    kind: p.kind,
    ...(p.difficulty === undefined ? {} : { difficulty: p.difficulty }),
    ...(p.tests === undefined ? {} : { tests: p.tests }),
    passRate: p.passRate,
  }));

  const solved = new Set(kept.map((t) => t.problemId));
  return {
    traces,
    problems,
    sft,
    dpo,
    prompts,
    ...(mix ? { mix } : {}),
    manifest: {
      schema: "deliberate/distill@1",
      createdAt: input.createdAt,
      dataset: { spec: input.spec, problems: items.length },
      teachers: [...teachers],
      settings: mix
        ? {
            ...input.settings,
            mixed: {
              long: mix.long,
              short: mix.short,
              keptLong: mix.keptLong,
              keptShort: mix.keptShort,
              reached: mix.reached,
            },
          }
        : input.settings,
      counts: {
        traces: traces.length,
        correct: verified.length,
        exactDuplicates: deduped.exact.length,
        nearDuplicates: deduped.near.length,
        rationalized: kept.filter((t) => t.source === "star").length,
        kept: kept.length,
        dpoPairs: dpo.length,
        unsolved: items.filter((item) => !solved.has(item.id)).length,
      },
      passRates: histogram(
        problems.filter((p) => p.attempts > 0).map((p) => p.passRate),
        passRateEdges,
      ),
      lengths: lengthSummary(kept.map((t) => t.tokens)),
    },
  };
}

/**
 * Problems in dataset order; within one, plain samples before STaR rationales, then teachers in the
 * order given, then sample index: dedupe keeps the first of a group, so this order decides which.
 */
function inDatasetOrder(
  traces: readonly DistilledTrace[],
  items: readonly EvalItem[],
  teachers: readonly string[],
): DistilledTrace[] {
  const problemRank = new Map(items.map((item, i) => [item.id, i]));
  const teacherRank = new Map(teachers.map((teacher, i) => [teacher, i]));
  const ranked = traces.map((t) => ({
    t,
    rank: [
      problemRank.get(t.problemId) ?? items.length,
      t.source === "sample" ? 0 : 1,
      teacherRank.get(t.teacher) ?? teachers.length,
      t.sample,
    ],
  }));
  ranked.sort((a, b) => {
    for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i] - b.rank[i];
    return 0;
  });
  return ranked.map((r) => r.t);
}

function groupBy(traces: readonly DistilledTrace[]): Map<string, DistilledTrace[]> {
  const out = new Map<string, DistilledTrace[]>();
  for (const t of traces) {
    const list = out.get(t.problemId);
    if (list) list.push(t);
    else out.set(t.problemId, [t]);
  }
  return out;
}
