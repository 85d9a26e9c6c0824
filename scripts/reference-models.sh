#!/usr/bin/env bash
# How models/ was made: the lab's reference models trained on this project's 2-core CPU box (one
# thread per run, two runs side by side), then checked with real llama.cpp on fresh problems.
# Stages: sft | after-sft | eval. Each resumes where it stopped (checkpoints, the eval store).
set -euo pipefail
cd "$(dirname "$0")/.."
deliberate() { node bin/deliberate.js "$@"; }
task=(--task sums --difficulty 6 --threads 1)

case "${1:-}" in
sft)
  # The generator stops at 55% greedy on 100 held-out level-6 problems (or 27 minutes); the large
  # model (~4x the parameters) trains up to 58 minutes. Both see levels 1–6 in equal shares.
  deliberate train "${task[@]}" --from-difficulty 1 --preset reference --minutes 27 --eval-every 200 \
    --target-accuracy 0.55 --seed 7 --out runs/small &
  deliberate train "${task[@]}" --from-difficulty 1 --preset reference-large --minutes 58 --eval-every 500 \
    --lr 2e-3 --target-accuracy 0.97 --seed 11 --out runs/large &
  wait
  ;;
after-sft)
  # From the SFT checkpoint: the outcome verifier, GRPO, and the control for GRPO (the same SFT run
  # continued for the same minutes).
  minutes=${GRPO_MINUTES:-8}
  deliberate train "${task[@]}" --stage verifier --init runs/small/checkpoint.bin --out runs/verifier --minutes 6
  deliberate train "${task[@]}" --stage grpo --init runs/small/checkpoint.bin --out runs/grpo --minutes "$minutes"
  rm -rf runs/sft-more && cp -r runs/small runs/sft-more
  spent=$(node -e 'const l=require("fs").readFileSync("runs/small/log.jsonl","utf8").trim().split("\n").map(JSON.parse).filter(e=>e.elapsedMs);console.log(l.at(-1).elapsedMs/60000)')
  deliberate train "${task[@]}" --from-difficulty 1 --preset reference --seed 7 --eval-every 100 \
    --target-accuracy 1.01 --minutes "$(node -e "console.log($spent + $minutes)")" --out runs/sft-more
  ;;
eval)
  # Fresh problems (seed 20261126: neither the training seeds nor their validation seeds), one store
  # for every run so cells asking for the same samples share them.
  final=${FINAL:-runs/grpo}
  common=(--raw-prompt --threads 2 --progress lines --store runs/eval-store.sqlite
    -d "synthetic:sums?difficulty=6&n=${N:-300}&seed=20261126")
  sample="temperature=1&maxTokens=120"
  deliberate eval "${common[@]}" -o runs/eval-generators \
    -m runs/small/model.gguf -m runs/grpo/model.gguf -m runs/sft-more/model.gguf -m runs/large/model.gguf \
    -s "cot?maxTokens=120" -s "self-consistency?samples=16&$sample"
  deliberate eval "${common[@]}" -o runs/eval-verifier -m runs/small/model.gguf --verifier runs/verifier/model.gguf \
    -s "self-consistency?samples=16&$sample" -s "weighted-best-of-n?samples=16&$sample&verifier=reward" \
    -s "best-of-n?samples=16&$sample&verifier=reward"
  cascades=()
  for t in 0.5 0.75 0.9; do
    cascades+=(-s "cascade?samples=8&$sample&threshold=$t")
    cascades+=(-s "cascade?samples=8&$sample&threshold=$t&largeSamples=16&largeTemperature=1")
  done
  deliberate eval "${common[@]}" -o runs/eval-cascade -m "$final/model.gguf" -m runs/large/model.gguf \
    --large runs/large/model.gguf -s "cot?maxTokens=120" -s "self-consistency?samples=16&$sample" "${cascades[@]}"
  ;;
*)
  echo "usage: scripts/reference-models.sh sft|after-sft|eval" >&2
  exit 2
  ;;
esac
