#!/usr/bin/env bash
# README evidence: LIVR vs direct SFT vs the latents-only control on spatial_relation,
# a task held out of pretraining (examples/evidence/spatial-*.yaml: LoRA from the shipped
# base, 2,000 examples, 3 epochs, 3 seeds each, test split), with LIVR §4.4.1's
# diagnostics and where the answer looks (answer_object_attention). SFT and the LIVR
# sweep train side by side (two processes, one thread each); about 3 min on 2 cores.
# Usage: bash scripts/evidence-spatial.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/run-once.sh
OUT=${1:-runs/evidence-spatial}; prepare_out "$OUT"
run_once "$OUT" spatial-sft --threads 1 & a=$!
run_once "$OUT" spatial-livr --threads 1 & b=$!
wait $a; wait $b
echo; echo "## The base before fine-tuning (test split)"
node dist/cli.js eval examples/evidence/spatial-sft.experiment.yaml
M=mean_accuracy,chance.spatial_relation,diagnostics.drop_latents.mean_accuracy,diagnostics.bottleneck_mask.mean_accuracy,diagnostics.bottleneck_drop_latents.mean_accuracy,diagnostics.answer_latent_attention,diagnostics.answer_object_attention.object,diagnostics.answer_object_attention.image,diagnostics.answer_object_attention.uniform
echo; echo "## spatial_relation, held out of pretraining: SFT vs LIVR vs the latents-only control (test split)"
node dist/cli.js compare "$OUT/spatial-sft" "$OUT/spatial-livr" --metrics "$M"
