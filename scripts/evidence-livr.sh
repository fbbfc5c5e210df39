#!/usr/bin/env bash
# README evidence, LIVR §4.4.1 at small scale: LIVR vs its latents-only control
# from the shipped base (counting + localization, 3 seeds each, test split), with
# accuracy normal / latents removed / bottleneck / bottleneck + removed / answer->latent
# attention and the majority-answer chance beside them. The two configurations
# train side by side (two processes). Usage: bash scripts/evidence-livr.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/run-once.sh
OUT=${1:-runs/evidence-livr}; prepare_out "$OUT"
run_once "$OUT" livr-diagnostics & a=$!
run_once "$OUT" livr-diagnostics-latents-only & b=$!
wait $a; wait $b
M=mean_accuracy,chance.counting,chance.localization,diagnostics.drop_latents.mean_accuracy,diagnostics.bottleneck_mask.mean_accuracy,diagnostics.bottleneck_drop_latents.mean_accuracy,diagnostics.answer_latent_attention
echo; echo "## LIVR §4.4.1 diagnostics (test split)"
node dist/cli.js compare "$OUT/livr-diagnostics" "$OUT/livr-diagnostics-latents-only" --metrics "$M"
