#!/usr/bin/env bash
# Rebuilds the shipped base model (docs/pretraining.md): a five-stage curriculum,
# single-object tasks first (with the vision probe), then the full mix, the full mix
# again on fresh examples, a stage weighted toward the unsolved tasks, and a last one
# with filler latents so that latent methods start where the base is;
# packages the result into models/tiny-vlm-base (checkpoint, safetensors, model card).
# About 25 minutes on 2 quiet cores. Usage: bash scripts/pretrain-base.sh [SHIP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SHIP=${1:-models/tiny-vlm-base}
node scripts/build.mjs
rm -rf runs/pretrain-easy runs/pretrain runs/pretrain-continue runs/pretrain-hard runs/pretrain-latents
node dist/cli.js pretrain examples/pretrain-easy.experiment.yaml --out runs/pretrain-easy --ship runs/pretrain-easy/base --quiet
node dist/cli.js pretrain examples/pretrain.experiment.yaml --init-from runs/pretrain-easy/base/checkpoint \
  --out runs/pretrain --ship runs/pretrain/base --quiet
node dist/cli.js pretrain examples/pretrain-continue.experiment.yaml --init-from runs/pretrain/base/checkpoint \
  --out runs/pretrain-continue --ship runs/pretrain-continue/base --quiet
node dist/cli.js pretrain examples/pretrain-hard.experiment.yaml --init-from runs/pretrain-continue/base/checkpoint \
  --out runs/pretrain-hard --ship runs/pretrain-hard/base --quiet
node dist/cli.js pretrain examples/pretrain-latents.experiment.yaml --init-from runs/pretrain-hard/base/checkpoint \
  --out runs/pretrain-latents --ship "$SHIP" --reproduce "bash scripts/pretrain-base.sh" --quiet
