/**
 * The card's "Training with it" section: for each trainer, the file it reads and the exact options
 * that read it, from the trainers' own argument parsers and docs (TRL's dataset formats and trainer
 * signatures; OpenRLHF's `openrlhf/cli/train_sft.py`, `train_dpo.py`, `train_ppo_ray.py`; verl's
 * `data.*` and `custom_reward_function.*` config keys). Paths are relative to `$DATASET`, the folder.
 */
export interface CardUsageOptions {
  /** verl's `data_source` value in every row. */
  dataSource: string;
  /** The system message the trainer exports put before each question, if any. */
  systemPrompt?: string;
  /** Whether `verl/test.parquet` was written. */
  verlTest: boolean;
}

const fence = (language: string, body: string) => `\`\`\`${language}\n${body}\n\`\`\``;

function trl(): string {
  return [
    "### TRL",
    "Conversational formats: TRL applies the model's chat template itself. Load each file with `datasets`:",
    fence(
      "python",
      [
        "from datasets import load_dataset",
        "from trl import DPOConfig, DPOTrainer, GRPOConfig, GRPOTrainer, SFTConfig, SFTTrainer",
        "",
        'DATASET = "."  # this folder',
        'sft = load_dataset("json", data_files=f"{DATASET}/trl/sft.jsonl", split="train")',
        'SFTTrainer(model=MODEL, train_dataset=sft, args=SFTConfig(output_dir="sft")).train()',
        "",
        'pairs = load_dataset("json", data_files=f"{DATASET}/trl/dpo.jsonl", split="train")',
        'DPOTrainer(model=MODEL, args=DPOConfig(output_dir="dpo"), train_dataset=pairs, processing_class=tokenizer).train()',
        "",
        'prompts = load_dataset("json", data_files=f"{DATASET}/trl/grpo.jsonl", split="train")',
        "",
        "# TRL passes every column besides `prompt` to each reward function as a keyword argument,",
        "# one entry per completion: the gold answer arrives as `ground_truth`.",
        "def reward_func(prompts, completions, ground_truth, **kwargs):",
        "    ...  # one float (or None) per completion",
        "",
        'GRPOTrainer(model=MODEL, reward_funcs=[reward_func], args=GRPOConfig(output_dir="grpo"), train_dataset=prompts).train()',
      ].join("\n"),
    ),
    '`docs/rewards/trl_reward_func.py` is such a function backed by `deliberate rewards serve`: it reads `ground_truth`, and `kind` and `tests` where a row has them. The same files load as this card\'s configs: `load_dataset(DATASET, "trl_sft")`.',
  ].join("\n\n");
}

function openrlhf(): string {
  return [
    "### OpenRLHF",
    "Every prompt and answer is a list of chat messages, so each command takes `--apply_chat_template` (OpenRLHF renders the lists with the model's chat template; without the flag it would read them as plain strings).",
    fence(
      "bash",
      [
        "DATASET=.  # this folder",
        "deepspeed --module openrlhf.cli.train_sft --pretrain $MODEL \\",
        "  --dataset $DATASET/openrlhf/sft.jsonl --input_key input --output_key output --apply_chat_template",
        "",
        "deepspeed --module openrlhf.cli.train_dpo --pretrain $MODEL \\",
        "  --dataset $DATASET/openrlhf/dpo.jsonl --prompt_key prompt --chosen_key chosen --rejected_key rejected \\",
        "  --apply_chat_template",
        "",
        "deliberate rewards serve --port 8088 &",
        "python3 -m openrlhf.cli.train_ppo_ray --pretrain $MODEL --advantage_estimator group_norm --n_samples_per_prompt 8 \\",
        "  --prompt_data $DATASET/openrlhf/prompts.jsonl --input_key input --label_key label --apply_chat_template \\",
        "  --remote_rm_url http://127.0.0.1:8088/openrlhf",
      ].join("\n"),
    ),
    'Add your usual model, batch and cluster options. OpenRLHF posts the `label` column as `labels` to the remote reward model: a gold answer, or for choice and code problems a JSON object (`{"kind": "code", "tests": {…}}`) that `deliberate rewards serve` reads as the item\'s fields.',
  ].join("\n\n");
}

function verl(options: CardUsageOptions): string {
  const { dataSource, verlTest } = options;
  const extra = ["split", "index", "problem_id", "pass_rate", "difficulty", "kind", "tests"];
  return [
    "### verl",
    `\`verl/train.parquet\`${verlTest ? " and `verl/test.parquet`" : ""}: \`data_source\` (\`${dataSource}\`), \`prompt\` (chat messages), \`ability\`, \`reward_model\` (\`style: rule\`, \`ground_truth\`), \`extra_info\` (${extra.map((name) => `\`${name}\``).join(", ")}).`,
    fence(
      "bash",
      [
        "DATASET=.  # this folder",
        "deliberate rewards serve --port 8088 &",
        "python3 -m verl.trainer.main_ppo algorithm.adv_estimator=grpo \\",
        `  data.train_files=$DATASET/verl/train.parquet data.val_files=$DATASET/verl/${verlTest ? "test" : "train"}.parquet \\`,
        "  data.prompt_key=prompt \\",
        "  custom_reward_function.path=docs/rewards/verl_compute_score.py custom_reward_function.name=compute_score",
      ].join("\n"),
    ),
    `The reward function posts \`ground_truth\` and \`extra_info\` to \`deliberate rewards serve\`: \`extra_info.kind\` is the problem's kind where the service has one (null for \`text\`, graded as math) and \`extra_info.tests\` a code problem's tests (null for the others).${verlTest ? "" : " No test split was asked for, so validation reuses the train file."}`,
  ].join("\n\n");
}

function plain(): string {
  return [
    "### deliberate",
    fence(
      "bash",
      [
        "deliberate eval -m $MODEL -d $DATASET/prompts.jsonl   # every problem once",
        "deliberate eval -m $MODEL -d $DATASET/sft.jsonl       # every kept trace's question",
      ].join("\n"),
    ),
    "Both read as the eval harness's `plain` layout (`id`, `question`, `answer`, `difficulty`); the lab trains on `sft.jsonl` (`question`, `solution`) and `dpo.jsonl`.",
  ].join("\n\n");
}

export function cardUsage(options: CardUsageOptions): string {
  const system =
    options.systemPrompt === undefined
      ? "The trainer files hold the question alone as the user's turn."
      : `Every prompt in the trainer files starts with this system message:\n\n${options.systemPrompt
          .split(/\r?\n/)
          .map((line) => `> ${line}`)
          .join("\n")}`;
  return ["## Training with it", system, trl(), openrlhf(), verl(options), plain()].join("\n\n");
}
