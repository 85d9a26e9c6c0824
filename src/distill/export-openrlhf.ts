/**
 * OpenRLHF's dataset keys, as its dataset classes read them (openrlhf/datasets/sft_dataset.py,
 * reward_dataset.py, prompts_dataset.py). Every prompt and answer is a list of chat messages, for
 * `--apply_chat_template`: OpenRLHF then renders them with the model's own chat template, and its
 * SFT and DPO classes concatenate `input + output` / `prompt + chosen` as lists, which only works
 * with lists. (Without the flag they take the keys as plain strings and render nothing.)
 * - `openrlhf/sft.jsonl`, `train_sft --input_key input --output_key output --apply_chat_template`:
 *   `{"input": [user], "output": [assistant]}`.
 * - `openrlhf/dpo.jsonl`, `train_dpo --prompt_key prompt --chosen_key chosen --rejected_key rejected
 *   --apply_chat_template`: `{"prompt": [user], "chosen": [assistant], "rejected": [assistant]}`.
 * - `openrlhf/prompts.jsonl`, `train_ppo_ray --input_key input --label_key label --apply_chat_template
 *   --remote_rm_url http://HOST:8088/openrlhf`: `{"input": [user], "label": string}`. OpenRLHF posts
 *   the label column as `labels` to the remote reward model; `deliberate rewards serve` reads a label
 *   as the gold answer, or as a JSON object of item fields for choice and code problems.
 */
import { assistantMessages, type ExportMessage, promptMessages, rewardFieldsOf } from "./export-chat.ts";
import type { DpoRow, PromptRow, SftRow } from "./types.ts";

export interface OpenRlhfSftRow {
  input: ExportMessage[];
  output: ExportMessage[];
}

export interface OpenRlhfDpoRow {
  prompt: ExportMessage[];
  chosen: ExportMessage[];
  rejected: ExportMessage[];
}

export interface OpenRlhfPromptRow {
  input: ExportMessage[];
  /** What the reward service grades against (see `openRlhfLabel`). */
  label: string;
}

export function openRlhfSftRow(row: SftRow, systemPrompt?: string): OpenRlhfSftRow {
  return {
    input: promptMessages(row.question, systemPrompt),
    output: assistantMessages(row.solution ?? row.answer),
  };
}

export function openRlhfDpoRow(row: DpoRow, systemPrompt?: string): OpenRlhfDpoRow {
  return {
    prompt: promptMessages(row.question, systemPrompt),
    chosen: assistantMessages(row.chosen),
    rejected: assistantMessages(row.rejected),
  };
}

export function openRlhfPromptRow(row: PromptRow, systemPrompt?: string): OpenRlhfPromptRow {
  return { input: promptMessages(row.question, systemPrompt), label: openRlhfLabel(row) };
}

/**
 * The label `deliberate rewards serve` (`POST /openrlhf`) grades against: a math or text problem's
 * gold answer as it is (`"12"`), a choice problem as `{"kind":"choice","gold":"B"}`, a code problem as
 * `{"kind":"code","tests":{…}}`. A math gold that itself starts with `{` (a LaTeX set `{1, 2}`) is
 * wrapped as `{"gold": …}` too, so the service never mistakes it for item fields.
 */
export function openRlhfLabel(row: PromptRow): string {
  const { kind, tests } = rewardFieldsOf(row);
  if (kind === "code") return JSON.stringify({ kind, ...(tests === undefined ? {} : { tests }) });
  if (kind === "choice") return JSON.stringify({ kind, gold: row.answer });
  return row.answer.trimStart().startsWith("{") ? JSON.stringify({ gold: row.answer }) : row.answer;
}
