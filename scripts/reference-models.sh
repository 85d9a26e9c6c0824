#!/usr/bin/env bash
# How models/ was made: the lab's reference models trained on this project's 2-core CPU box (one
# thread per run, runs side by side), then checked with real llama.cpp on fresh problems.
# Stages: sft | after-sft | eval | install | chain | chain-search. Training stages resume where they
# stopped.
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
  # From the SFT checkpoint: the outcome verifier; then GRPO and its control (the same SFT run
  # continued) for the same 12 minutes, side by side so they share the machine alike.
  deliberate train "${task[@]}" --stage verifier --init runs/small/checkpoint.bin --out runs/verifier --minutes 6
  spent=$(node -e 'const l=require("fs").readFileSync("runs/small/log.jsonl","utf8").trim().split("\n").map(JSON.parse).filter(e=>e.elapsedMs);console.log(l.at(-1).elapsedMs/60000)')
  rm -rf runs/sft-more-12 && cp -r runs/small runs/sft-more-12
  deliberate train "${task[@]}" --stage grpo --init runs/small/checkpoint.bin --out runs/grpo --minutes 12 \
    --lr 1e-4 --from-difficulty 4 --eval-every 50 &
  deliberate train "${task[@]}" --from-difficulty 1 --preset reference --seed 7 --eval-every 100 \
    --target-accuracy 1.01 --minutes "$(node -e "console.log($spent + 12)")" --out runs/sft-more-12 &
  wait
  ;;
eval)
  # Fresh level-6 problems (seed 20261126); the YAML files say what runs on which model.
  deliberate eval scripts/eval/generators.yaml -o runs/eval-generators --store runs/eval-store.sqlite &
  deliberate eval scripts/eval/cascade.yaml -o runs/eval-cascade --store runs/eval-cascade-store.sqlite &
  wait
  deliberate eval scripts/eval/verifier.yaml -o runs/eval-verifier --store runs/eval-store.sqlite
  ;;
install)
  npx tsx scripts/write-models-manifest.ts tiny-reasoner=generator:runs/small,runs/grpo \
    tiny-reasoner-sft=generator:runs/small tiny-reasoner-verifier=verifier:runs/small,runs/verifier \
    tiny-reasoner-large=generator:runs/large
  npx tsx scripts/lab-figures.ts runs
  ;;
chain)
  # builtin:tiny-chain-large, the distillation experiment's teacher on `chain` (issue 15): the large
  # preset on gold traces of levels 1–6. The first run was stopped by hand (Ctrl-C) at step 1,016
  # (33.5 min beside other work) with 75% held-out greedy at level 6; --max-steps makes that the
  # recipe, the same steps on any machine.
  deliberate train --task chain --difficulty 6 --from-difficulty 1 --threads 1 --preset reference-large \
    --max-steps 1016 --minutes 600 --eval-every 250 --lr 2e-3 --target-accuracy 0.97 --seed 11 --out runs/chain/large
  npx tsx scripts/write-models-manifest.ts tiny-chain-large=generator:runs/chain/large
  ;;
chain-search)
  # builtin:tiny-chain, -verifier and -prm: the harder task of the search measurement (issue 18), where
  # the generator answers 20–60% of level-6 chains greedily. The reference preset on gold traces of
  # levels 1–6, evaluated every 50 steps, stops at the first evaluation at or above 45% (it went from
  # 34% at step 650 to 57% at step 700; 58.5% on 200 fresh problems). Then the outcome verifier from
  # its own samples, and the PRM: one sampling run (400 problems × 2 solutions, 4 rollouts per
  # prefix, 50 held-out problems), then a PRM on those samples towards Math-Shepherd's hard labels
  # (1,000 steps, ~14 min).
  chain=(--task chain --difficulty 6 --threads 1)
  deliberate train "${chain[@]}" --from-difficulty 1 --preset reference --minutes 30 --eval-every 50 \
    --target-accuracy 0.45 --seed 7 --out runs/chain/small
  deliberate train "${chain[@]}" --stage verifier --init runs/chain/small/checkpoint.bin --minutes 60 \
    --max-steps 400 --out runs/chain/verifier
  deliberate train --stage prm --init runs/chain/small --policy runs/chain/small --problems 400 \
    --held-out-problems 50 --prm-samples 2 --rollouts 4 --max-steps 1 --threads 1 --seed 1 --out runs/chain/prm
  deliberate train --stage prm --init runs/chain/small --policy runs/chain/small --verifier runs/chain/verifier \
    --prm-samples-from runs/chain/prm --prm-labels hard --lr 3e-4 --max-steps 1000 --minutes 60 --eval-every 250 \
    --prm-eval-samples 40 --threads 1 --seed 1 --out runs/chain/prm-hard
  npx tsx scripts/write-models-manifest.ts tiny-chain=generator:runs/chain/small \
    tiny-chain-verifier=verifier:runs/chain/small,runs/chain/verifier \
    tiny-chain-prm=prm:runs/chain/small,runs/chain/prm,runs/chain/prm-hard
  ;;
*)
  echo "usage: scripts/reference-models.sh sft|after-sft|eval|install|chain|chain-search" >&2
  exit 2
  ;;
esac
