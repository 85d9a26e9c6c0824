/**
 * Scoring a JSONL stream offline, as the reward service scores a batch: each line
 * `{output|completion|solution_str, gold|ground_truth|label, kind?, choices?, tests?, id?}` (the
 * field names of our API, TRL and verl) comes back as one line `{line, id?, ...RewardResult}`, in
 * input order. Lines are scored while later ones are still read; a malformed line becomes
 * `{"line": N, "error": "line N: ..."}` naming the field, and the rest go on.
 */
import { z } from "zod";
import { describeIssue } from "../util/parse-or-bad-request.ts";
import type { RewardItem, RewardResult, RewardScorer } from "./types.ts";

export interface ScoreJsonlOptions {
  scorer: RewardScorer;
  /** Lines scored ahead of the one being written (bounds memory on huge inputs). Default 1024. */
  window?: number;
}

export interface ScoreJsonlSummary {
  /** Non-empty lines read, malformed ones included. */
  lines: number;
  /** Items the scorer could check (`scored: true`). */
  scored: number;
  /** Items whose verdict is `correct`. */
  correct: number;
  /** Items whose gold answer (or tests) could not be checked. */
  badGold: number;
  /** Items not scored for another reason: the grader timed out or failed. */
  unscored: number;
  malformed: number;
  /** Mean reward over the scored items; null when none was scored. */
  meanReward: number | null;
}

const answer = z
  .union([z.string(), z.number()], { error: "expected a string or a number" })
  .transform(String);
/** A missing model output (null) is scored, as `unparseable`, rather than rejected. */
const output = z.union([z.string(), z.null().transform(() => "")], { error: "expected a string" });

const LineSchema = z.looseObject({
  output: output.optional(),
  completion: output.optional(),
  solution_str: output.optional(),
  gold: answer.optional(),
  ground_truth: answer.optional(),
  label: answer.optional(),
  kind: z.enum(["math", "choice", "code"]).optional(),
  choices: z.array(z.string()).optional(),
  tests: z.object({ language: z.enum(["javascript", "python"]), code: z.string() }).optional(),
  prompt: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
});

type Line = { text: string; result?: RewardResult };

/** The item a parsed line describes, or what is missing from it. */
function toItem(record: z.infer<typeof LineSchema>): RewardItem | string {
  const text = record.output ?? record.completion ?? record.solution_str;
  if (text === undefined) return "missing field `output` (or `completion`, `solution_str`)";
  const kind = record.kind ?? "math";
  const gold = record.gold ?? record.ground_truth ?? record.label;
  if (kind === "code") {
    if (!record.tests) return "field `tests` is required for a code item";
  } else if (gold === undefined) {
    return "missing field `gold` (or `ground_truth`, `label`)";
  }
  return {
    output: text,
    kind,
    ...(gold === undefined ? {} : { gold }),
    ...(record.choices ? { choices: record.choices } : {}),
    ...(record.tests ? { tests: record.tests } : {}),
    ...(record.prompt === undefined ? {} : { prompt: record.prompt }),
  };
}

async function scoreLine(text: string, line: number, scorer: RewardScorer): Promise<Line> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return malformed(line, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = LineSchema.safeParse(value);
  if (!parsed.success) return malformed(line, describeIssue(parsed.error, { noun: "field" }).message);
  const item = toItem(parsed.data);
  if (typeof item === "string") return malformed(line, item);
  const [result] = await scorer.score([item]);
  const id = parsed.data.id === undefined ? {} : { id: parsed.data.id };
  return { text: JSON.stringify({ line, ...id, ...result }), result };
}

function malformed(line: number, message: string): Line {
  return { text: JSON.stringify({ line, error: `line ${line}: ${message}` }) };
}

/** Scores every line of `lines`, calling `write` with each output line (no newline) in input order. */
export async function scoreJsonl(
  lines: AsyncIterable<string>,
  write: (line: string) => void | Promise<void>,
  options: ScoreJsonlOptions,
): Promise<ScoreJsonlSummary> {
  const { scorer, window = 1024 } = options;
  const summary: ScoreJsonlSummary = {
    lines: 0,
    scored: 0,
    correct: 0,
    badGold: 0,
    unscored: 0,
    malformed: 0,
    meanReward: null,
  };
  let rewardSum = 0;
  const pending: Array<Promise<Line>> = [];
  const flush = async () => {
    const { text, result } = await pending.shift()!;
    summary.lines++;
    if (!result) summary.malformed++;
    else if (result.scored) {
      summary.scored++;
      rewardSum += result.reward;
      if (result.verdict === "correct") summary.correct++;
    } else if (result.verdict === "bad-gold") summary.badGold++;
    else summary.unscored++;
    await write(text);
  };
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    pending.push(scoreLine(line, lineNumber, scorer));
    if (pending.length >= window) await flush();
  }
  while (pending.length > 0) await flush();
  summary.meanReward = summary.scored > 0 ? rewardSum / summary.scored : null;
  return summary;
}

/** One line for stderr: `12 lines: 9 scored (6 correct, mean reward 0.667), 1 bad gold, 0 unscored, 2 malformed`. */
export function describeSummary(summary: ScoreJsonlSummary): string {
  const mean = summary.meanReward === null ? "" : `, mean reward ${summary.meanReward.toFixed(3)}`;
  return `${summary.lines} lines: ${summary.scored} scored (${summary.correct} correct${mean}), ${summary.badGold} bad gold, ${summary.unscored} unscored, ${summary.malformed} malformed`;
}
