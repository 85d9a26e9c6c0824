#!/usr/bin/env bash
# The lab's process reward model (issue 18) from the committed reference models, on this machine's
# CPUs, offline: Math-Shepherd step labels from builtin:tiny-reasoner's own solutions (the policy the
# search strategies run), a PRM initialised from its SFT model builtin:tiny-reasoner-sft, and the
# outcome verifier builtin:tiny-reasoner-verifier scored on the same held-out solutions.
#
# Usage: scripts/prm-model.sh [train|report]   (default: train, then report)
# Settings (environment): OUT (runs/prm), PROBLEMS (200 training problems, levels 5–6), HELD_OUT (50
# validation-split problems at level 6), SAMPLES (4 solutions per problem), ROLLOUTS (8 completions
# per step prefix), MINUTES (15 of training, sampling not counted), STEPS (800), SEED (1).
# Sampling is one thread and the slow part (~7 s a problem with the defaults on this 2-core box:
# ~30 min); it is written to OUT/prm-samples.jsonl and checkpointed before the first step, so a
# killed run is started again with the same command and resumes without sampling again.
set -euo pipefail
cd "$(dirname "$0")/.."
deliberate() { node bin/deliberate.js "$@"; }

OUT=${OUT:-runs/prm}
PROBLEMS=${PROBLEMS:-200}
HELD_OUT=${HELD_OUT:-50}
SAMPLES=${SAMPLES:-4}
ROLLOUTS=${ROLLOUTS:-8}
MINUTES=${MINUTES:-15}
STEPS=${STEPS:-800}
SEED=${SEED:-1}

train() {
  deliberate train --stage prm --init builtin:tiny-reasoner-sft --policy builtin:tiny-reasoner \
    --verifier builtin:tiny-reasoner-verifier --problems "$PROBLEMS" --held-out-problems "$HELD_OUT" \
    --prm-samples "$SAMPLES" --rollouts "$ROLLOUTS" --minutes "$MINUTES" --max-steps "$STEPS" \
    --eval-every 100 --threads 1 --seed "$SEED" --out "$OUT" --progress lines
}

report() {
  deliberate train report "$OUT"
}

case "${1:-all}" in
train) train ;;
report) report ;;
all)
  train
  report
  ;;
*)
  echo "usage: scripts/prm-model.sh [train|report]" >&2
  exit 2
  ;;
esac
