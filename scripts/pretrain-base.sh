#!/usr/bin/env bash
# Rebuilds the shipped base model (docs/pretraining.md): a three-stage curriculum,
# easy single-object tasks first, then the full mix, then the full mix again on
# fresh examples; packages the result into models/tiny-vlm-base (checkpoint,
# safetensors, model card). About 30 minutes on 2 quiet cores. Usage: bash scripts/pretrain-base.sh [SHIP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SHIP=${1:-models/tiny-vlm-base}
node scripts/build.mjs
rm -rf runs/pretrain-easy runs/pretrain runs/pretrain-continue
node dist/cli.js pretrain examples/pretrain-easy.experiment.yaml --out runs/pretrain-easy --ship runs/pretrain-easy/base --quiet
node dist/cli.js pretrain examples/pretrain.experiment.yaml --init-from runs/pretrain-easy/base/checkpoint \
  --out runs/pretrain --ship runs/pretrain/base --quiet
node dist/cli.js pretrain examples/pretrain-continue.experiment.yaml --init-from runs/pretrain/base/checkpoint \
  --out runs/pretrain-continue --ship "$SHIP" --reproduce "bash scripts/pretrain-base.sh" --quiet
