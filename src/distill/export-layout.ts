/**
 * The files of a distilled dataset folder besides `manifest.json` and `README.md`: their paths, the
 * Hugging Face config each belongs to (the card's `configs:` block, so `load_dataset(folder, name)`
 * picks the right files), and what reads them. One list, used by the writer and the card alike.
 */
export type DatasetFile =
  | "traces.jsonl"
  | "sft.jsonl"
  | "dpo.jsonl"
  | "prompts.jsonl"
  | "trl/sft.jsonl"
  | "trl/dpo.jsonl"
  | "trl/grpo.jsonl"
  | "openrlhf/sft.jsonl"
  | "openrlhf/dpo.jsonl"
  | "openrlhf/prompts.jsonl"
  | "verl/train.parquet"
  | "verl/test.parquet";

export interface DatasetFileInfo {
  /** The Hugging Face config the file is a split of. */
  config: string;
  split: "train" | "test";
  /** What reads it, for the card's table. */
  readBy: string;
  /** The row's shape, for the card's table. */
  shape: string;
}

export const datasetFiles: Record<DatasetFile, DatasetFileInfo> = {
  "sft.jsonl": {
    config: "sft",
    split: "train",
    readBy: "deliberate eval (`question`, `answer`), the lab (`question`, `solution`)",
    shape: "`id, question, answer, solution, kind, difficulty, teacher, source, passRate, tokens`",
  },
  "prompts.jsonl": {
    config: "prompts",
    split: "train",
    readBy: "deliberate eval (`question`, `answer`); RL prompt sets",
    shape: "`id, question, answer, kind, difficulty, tests, passRate`",
  },
  "dpo.jsonl": {
    config: "dpo",
    split: "train",
    readBy: "the lab (DPO)",
    shape: "`id, question, answer, chosen, rejected, teacher`",
  },
  "traces.jsonl": {
    config: "traces",
    split: "train",
    readBy: "audits: every graded teacher sample, kept or not",
    shape:
      "`id, problemId, question, gold, kind, teacher, source, sample, text, thinking, predicted, correct, tokens`",
  },
  "trl/sft.jsonl": {
    config: "trl_sft",
    split: "train",
    readBy: "TRL `SFTTrainer`",
    shape: "`messages: [user, assistant]`",
  },
  "trl/dpo.jsonl": {
    config: "trl_dpo",
    split: "train",
    readBy: "TRL `DPOTrainer`",
    shape: "`prompt: [user]`, `chosen: [assistant]`, `rejected: [assistant]`",
  },
  "trl/grpo.jsonl": {
    config: "trl_grpo",
    split: "train",
    readBy: "TRL `GRPOTrainer`",
    shape: "`prompt: [user]`, `ground_truth`, `kind`, `tests`",
  },
  "openrlhf/sft.jsonl": {
    config: "openrlhf_sft",
    split: "train",
    readBy: "OpenRLHF `train_sft`",
    shape: "`input: [user]`, `output: [assistant]`",
  },
  "openrlhf/dpo.jsonl": {
    config: "openrlhf_dpo",
    split: "train",
    readBy: "OpenRLHF `train_dpo`",
    shape: "`prompt: [user]`, `chosen: [assistant]`, `rejected: [assistant]`",
  },
  "openrlhf/prompts.jsonl": {
    config: "openrlhf_prompts",
    split: "train",
    readBy: "OpenRLHF `train_ppo_ray` (GRPO, REINFORCE++) with a remote reward",
    shape: "`input: [user]`, `label`",
  },
  "verl/train.parquet": {
    config: "verl",
    split: "train",
    readBy: "verl `data.train_files`",
    shape: "`data_source, prompt, ability, reward_model{style, ground_truth}, extra_info{…}`",
  },
  "verl/test.parquet": {
    config: "verl",
    split: "test",
    readBy: "verl `data.val_files`",
    shape: "as `verl/train.parquet`",
  },
};
