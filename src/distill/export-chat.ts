/**
 * What the trainer exports share: chat messages as every trainer reads them (`{role, content}`, the
 * Hugging Face chat-template shape), the prompt built the same way for each, and which of a problem's
 * fields `deliberate rewards serve` can take (its kinds are math, choice and code; a `text` problem
 * is graded there as math, which compares free text after normalising it).
 */
import type { RewardKind } from "../rewards/types.ts";
import type { TaskKind } from "../run/types.ts";
import type { CodeTests } from "../sandbox/types.ts";

/** One chat message, exactly the two keys chat templates read. */
export interface ExportMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The prompt every trainer export uses: the optional system message, then the question as the user's turn. */
export function promptMessages(question: string, systemPrompt: string | undefined): ExportMessage[] {
  return [
    ...(systemPrompt === undefined ? [] : [{ role: "system" as const, content: systemPrompt }]),
    { role: "user", content: question },
  ];
}

/** A completion as the assistant's turn, verbatim: a thinking-style trace keeps its `<think>…</think>`. */
export function assistantMessages(text: string): ExportMessage[] {
  return [{ role: "assistant", content: text }];
}

/** The reward service's kind for a task kind; `text` has none (the service's default, math, grades it). */
export function rewardKindOf(kind: TaskKind): RewardKind | undefined {
  switch (kind) {
    case "math":
    case "choice":
    case "code":
      return kind;
    case "text":
      return undefined;
    default:
      return kind satisfies never;
  }
}

/** What a rule-based reward needs beyond the gold answer, for rows that have it. */
export interface RewardFields {
  kind?: RewardKind;
  tests?: CodeTests;
}

/** The reward-service fields of a problem: its kind when the service knows it, and its tests for code. */
export function rewardFieldsOf(row: { kind: TaskKind; tests?: CodeTests }): RewardFields {
  const kind = rewardKindOf(row.kind);
  return {
    ...(kind === undefined ? {} : { kind }),
    ...(row.tests === undefined ? {} : { tests: { language: row.tests.language, code: row.tests.code } }),
  };
}
