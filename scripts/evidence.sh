#!/usr/bin/env bash
# Re-runs the README's evidence: LIVR vs direct SFT vs the latents-only control
# (counting + localization, from the shipped base, 3 seeds each), and the
# held-out tasks (spatial_relation, small_object, caption) from the base vs from
# scratch (3 seeds each). Prints the tables.
# About 35 minutes on 2 quiet cores. Usage: bash scripts/evidence.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/run-once.sh
OUT=${1:-runs/evidence}; prepare_out "$OUT"
for name in sft livr heldout-base heldout-scratch heldout-small-object-base heldout-small-object-scratch heldout-caption-base heldout-caption-scratch; do
  run_once "$OUT" "$name"
done
M=mean_accuracy,accuracy.counting,accuracy.localization,chance.counting,chance.localization,diagnostics.drop_latents.mean_accuracy,diagnostics.bottleneck_mask.mean_accuracy,diagnostics.bottleneck_drop_latents.mean_accuracy,diagnostics.answer_latent_attention
echo; echo "## LIVR vs SFT (test split)"; node dist/cli.js compare "$OUT/sft" "$OUT/livr" --metrics "$M"
echo; echo "## Held-out task: from the base vs from scratch (test split)"; node dist/cli.js compare "$OUT/heldout-base" "$OUT/heldout-scratch" "$OUT/heldout-small-object-base" "$OUT/heldout-small-object-scratch" \
  "$OUT/heldout-caption-base" "$OUT/heldout-caption-scratch" --metrics mean_accuracy,chance.spatial_relation,chance.small_object,chance.caption
