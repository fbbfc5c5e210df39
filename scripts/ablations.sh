#!/usr/bin/env bash
# Runs the CrystaL / VaLR ablations of the README (examples/evidence/ablation-*.yaml:
# counting, 1,500 examples, 2 epochs, from the shipped base, 3 seeds each) and prints
# the tables. Two runs at a time, one thread each (2 cores). A finished file is
# skipped on a re-run; an unfinished one starts again.
# Usage: bash scripts/ablations.sh [OUT_DIR]        (about 50 minutes on 2 quiet cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/ablations}
mkdir -p "$OUT"
node scripts/build.mjs
source scripts/run-once.sh
run() { run_once "$OUT" "$1" --threads 1; }   # two at a time, one thread each
( run ablation-crystal-losses; run ablation-valr-repa ) &
A=$!
( run ablation-crystal-corruptions; run ablation-valr; run ablation-livr; run ablation-sft ) &
B=$!
wait $A; wait $B

C=mean_accuracy,diagnostics.drop_latents.mean_accuracy,diagnostics.corrupted_images.mean_accuracy,diagnostics.corrupted_images_drop_latents.mean_accuracy
echo; echo "## CrystaL: losses and corruptions, against SFT and LIVR (counting, test split)"
node dist/cli.js compare "$OUT/ablation-sft" "$OUT/ablation-livr" "$OUT/ablation-crystal-losses" "$OUT/ablation-crystal-corruptions" --metrics "$C"
echo; echo "## VaLR: with and without REPA, own vs fixed encoders, against SFT and LIVR (counting, test split;"
echo "## test_time_scaling.K=k: accuracy with k latents per step at inference, from each run's test_time_scaling.json)"
node dist/cli.js compare "$OUT/ablation-sft" "$OUT/ablation-livr" "$OUT/ablation-valr" "$OUT/ablation-valr-repa" \
  --metrics mean_accuracy,diagnostics.drop_latents.mean_accuracy,test_time_scaling.K=0
