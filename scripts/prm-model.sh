#!/usr/bin/env bash
# builtin:tiny-reasoner-prm, the lab's process reward model on `sums` (issue 18), from the committed
# reference models, on this machine's CPUs, offline: Math-Shepherd step labels from
# builtin:tiny-reasoner's own solutions (the policy the search strategies run), a PRM initialised from
# its SFT model builtin:tiny-reasoner-sft, and the outcome verifier builtin:tiny-reasoner-verifier
# scored on the same held-out solutions.
#
# Usage: scripts/prm-model.sh [sample|train|report|install|check]   (default: all five in order)
#   sample   three sampling runs side by side (sampling is one thread; each run writes its
#            prm-samples.jsonl and trains one step): $OUT/labels-1 — 200 training problems × 4 solutions,
#            8 rollouts per step prefix, and the 50 held-out (validation-split) problems every AUC is
#            measured on; $OUT/labels-2 and labels-3 — 600 and 400 more training problems × 2 solutions,
#            4 rollouts (more distinct problems for the rollouts spent: a PRM trained on 200 problems
#            learns those problems; held out it scored 0.62). ~35 min on 2 cores.
#   train    the PRM on all three runs' samples joined (--prm-samples-from), in $OUT/prm, towards
#            Math-Shepherd's hard labels at lr 3e-4, 700 steps (~9 min), every step's verdict in one
#            sequence (prmPrompt's dense layout): held-out step AUC 0.761. Before it (one verdict per
#            sequence, 1,108 steps): 0.748; a first run on labels-1 alone: 0.72 with hard labels at 200
#            steps against 0.46–0.56 with soft ones; lr 3e-3 (sparse) and 2e-3 (dense) plateaued at
#            ~0.72–0.74 on 64 held-out solutions, as did lr 3e-4 plus a next-token loss on right solutions.
#   report   train report $OUT/prm.
#   install  copies it into models/ as tiny-reasoner-prm (scripts/write-models-manifest.ts).
#   check    the installed PRM on fresh held-out labels: the policy's solutions to the first 100
#            validation problems with seed CHECK_SEED (9), 4 × 8 rollouts (~12 min), in
#            $OUT/check-$CHECK_SEED, then scripts/prm-check.ts: step AUC against value > 0 beside
#            position's. Seed 9: 0.797 vs 0.760 (400 solutions, 2,801 prefixes); the training run's
#            own held-out set: 0.761 vs 0.756.
# Settings (environment): OUT (runs/prm-sums), STEPS (700), MINUTES (60 of training), CHECK_SEED (9), SEED (1: the
# training run's batches; the sampling runs use SEED, SEED+1, SEED+2 for their problems and samples).
# A killed stage is started again with the same command: sampling runs resume once sampled, training
# resumes from its checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
deliberate() { node bin/deliberate.js "$@"; }

OUT=${OUT:-runs/prm-sums}
STEPS=${STEPS:-700}
MINUTES=${MINUTES:-60}
SEED=${SEED:-1}
CHECK_SEED=${CHECK_SEED:-9}
models=(--init builtin:tiny-reasoner-sft --policy builtin:tiny-reasoner --threads 1)

labels() { # name seed problems held-out solutions rollouts
  deliberate train --stage prm "${models[@]}" --seed "$2" --problems "$3" --held-out-problems "$4" \
    --prm-samples "$5" --rollouts "$6" --max-steps 1 --out "$OUT/$1" --progress lines
}

sample() {
  labels labels-1 "$SEED" 200 50 4 8 &
  labels labels-2 "$((SEED + 1))" 600 1 2 4 &
  labels labels-3 "$((SEED + 2))" 400 1 2 4 &
  wait
}

train() {
  deliberate train --stage prm "${models[@]}" --verifier builtin:tiny-reasoner-verifier \
    --prm-samples-from "$OUT/labels-1" --prm-samples-from "$OUT/labels-2" --prm-samples-from "$OUT/labels-3" \
    --prm-labels hard --lr 3e-4 --minutes "$MINUTES" --max-steps "$STEPS" --eval-every 250 --prm-eval-samples 64 \
    --seed "$SEED" --out "$OUT/prm" --progress lines
}

report() {
  deliberate train report "$OUT/prm"
}

install() {
  npx tsx scripts/write-models-manifest.ts \
    tiny-reasoner-prm=prm:"$OUT/labels-1,$OUT/labels-2,$OUT/labels-3,$OUT/prm"
}

check() {
  deliberate train --stage prm "${models[@]}" --seed "$CHECK_SEED" --problems 1 --held-out-problems 100 \
    --prm-samples 4 --rollouts 8 --max-steps 1 --out "$OUT/check-$CHECK_SEED" --progress lines
  npx tsx scripts/prm-check.ts builtin:tiny-reasoner-prm "$OUT/check-$CHECK_SEED"
}

case "${1:-all}" in
sample) sample ;;
train) train ;;
report) report ;;
install) install ;;
check) check ;;
all)
  sample
  train
  report
  install
  check
  ;;
*)
  echo "usage: scripts/prm-model.sh [sample|train|report|install|check]" >&2
  exit 2
  ;;
esac
