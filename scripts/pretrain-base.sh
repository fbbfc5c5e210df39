#!/usr/bin/env bash
# Rebuilds the shipped base model (docs/pretraining.md): a four-stage curriculum,
# single-object tasks first (with the vision probe), then the full mix, the full mix
# again on fresh examples, and a last stage weighted toward the unsolved tasks;
# packages the result into models/tiny-vlm-base (checkpoint, safetensors, model card).
# About 35 minutes on 2 quiet cores. Usage: bash scripts/pretrain-base.sh [SHIP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SHIP=${1:-models/tiny-vlm-base}
node scripts/build.mjs
rm -rf runs/pretrain-easy runs/pretrain runs/pretrain-continue runs/pretrain-hard
node dist/cli.js pretrain examples/pretrain-easy.experiment.yaml --out runs/pretrain-easy --ship runs/pretrain-easy/base --quiet
node dist/cli.js pretrain examples/pretrain.experiment.yaml --init-from runs/pretrain-easy/base/checkpoint \
  --out runs/pretrain --ship runs/pretrain/base --quiet
node dist/cli.js pretrain examples/pretrain-continue.experiment.yaml --init-from runs/pretrain/base/checkpoint \
  --out runs/pretrain-continue --ship runs/pretrain-continue/base --quiet
node dist/cli.js pretrain examples/pretrain-hard.experiment.yaml --init-from runs/pretrain-continue/base/checkpoint \
  --out runs/pretrain-hard --ship "$SHIP" --reproduce "bash scripts/pretrain-base.sh" --quiet
