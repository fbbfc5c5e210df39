#!/usr/bin/env bash
# Runs the CrystaL / VaLR ablations of the README (examples/evidence/ablation-*.yaml:
# counting, 1,500 examples, 2 epochs, from the shipped base, 3 seeds each) and prints
# the tables. Two runs at a time, one thread each (2 cores). A finished file is
# skipped on a re-run; an unfinished one starts again. PREFIX picks another set of the
# same files: `spatial-` runs examples/evidence/spatial-ablation-*.yaml (spatial_relation).
# Usage: bash scripts/ablations.sh [OUT_DIR [PREFIX]]        (about 50 minutes on 2 quiet cores)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/run-once.sh
OUT=${1:-runs/ablations}
P=${2:-}
prepare_out "$OUT"
run() { run_once "$OUT" "$P$1" --threads 1; }   # two at a time, one thread each
( run ablation-crystal-losses; run ablation-valr-repa ) &
A=$!
( run ablation-crystal-corruptions; run ablation-valr; run ablation-livr; run ablation-sft ) &
B=$!
wait $A; wait $B

C=mean_accuracy,chance.*,diagnostics.drop_latents.mean_accuracy,diagnostics.corrupted_images.mean_accuracy,diagnostics.corrupted_images_drop_latents.mean_accuracy
echo; echo "## CrystaL: losses and corruptions, against SFT and LIVR (${P}ablation files, test split)"
node dist/cli.js compare "$OUT/${P}ablation-sft" "$OUT/${P}ablation-livr" "$OUT/${P}ablation-crystal-losses" "$OUT/${P}ablation-crystal-corruptions" --metrics "$C"
echo; echo "## VaLR: with and without REPA, own vs fixed encoders, against SFT and LIVR (${P}ablation files, test split;"
echo "## test_time_scaling.K=k: accuracy with k latents per step at inference, from each run's test_time_scaling.json)"
node dist/cli.js compare "$OUT/${P}ablation-sft" "$OUT/${P}ablation-livr" "$OUT/${P}ablation-valr" "$OUT/${P}ablation-valr-repa" \
  --metrics 'mean_accuracy,chance.*,diagnostics.drop_latents.mean_accuracy,test_time_scaling.K=0'
