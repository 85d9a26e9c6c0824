/**
 * TRL's conversational dataset formats (TRL docs, "Dataset formats and types"):
 * - `trl/sft.jsonl`, conversational language modeling, for `SFTTrainer`: `{"messages": [user, assistant]}`.
 *   The assistant's content is the verified trace verbatim, so a thinking-style trace keeps its
 *   `<think>…</think>` and a plain one has none.
 * - `trl/dpo.jsonl`, conversational preference with an explicit prompt, for `DPOTrainer`:
 *   `{"prompt": [user], "chosen": [assistant], "rejected": [assistant]}`.
 * - `trl/grpo.jsonl`, conversational prompt-only, for `GRPOTrainer`: `{"prompt": [user]}` plus the
 *   columns TRL hands every reward function as keyword arguments: `ground_truth` (the gold answer),
 *   and, where a row has them, `kind` and `tests`, which `docs/rewards/trl_reward_func.py` passes to
 *   `deliberate rewards serve`. A row without them leaves the key out; `datasets` reads it as None,
 *   and that reward function skips None.
 */
import {
  assistantMessages,
  type ExportMessage,
  promptMessages,
  type RewardFields,
  rewardFieldsOf,
} from "./export-chat.ts";
import type { DpoRow, PromptRow, SftRow } from "./types.ts";

export interface TrlSftRow {
  messages: ExportMessage[];
}

export interface TrlDpoRow {
  prompt: ExportMessage[];
  chosen: ExportMessage[];
  rejected: ExportMessage[];
}

export interface TrlGrpoRow extends RewardFields {
  prompt: ExportMessage[];
  /** The gold answer: the `ground_truth` keyword argument of a TRL reward function. */
  ground_truth: string;
}

/** The SFT target: the verified trace, or the gold answer itself in answer-only data. */
export function trlSftRow(row: SftRow, systemPrompt?: string): TrlSftRow {
  return {
    messages: [
      ...promptMessages(row.question, systemPrompt),
      ...assistantMessages(row.solution ?? row.answer),
    ],
  };
}

export function trlDpoRow(row: DpoRow, systemPrompt?: string): TrlDpoRow {
  return {
    prompt: promptMessages(row.question, systemPrompt),
    chosen: assistantMessages(row.chosen),
    rejected: assistantMessages(row.rejected),
  };
}

export function trlGrpoRow(row: PromptRow, systemPrompt?: string): TrlGrpoRow {
  return {
    prompt: promptMessages(row.question, systemPrompt),
    ground_truth: row.answer,
    ...rewardFieldsOf(row),
  };
}
