#!/usr/bin/env bash
# Re-lays-out the shipped base (examples/pretrain-relayout.experiment.yaml): takes
# the base of commit 74d6f48 (three-stage curriculum, old layout without <sep>)
# from git, trains it 400 steps on the current layout and ships the result into
# models/tiny-vlm-base. Usage: bash scripts/relayout-base.sh [SHIP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SHIP=${1:-models/tiny-vlm-base}
PREVIOUS=runs/base-previous
node scripts/build.mjs
rm -rf "$PREVIOUS" runs/pretrain-relayout
mkdir -p "$PREVIOUS"
git archive 74d6f48 models/tiny-vlm-base | tar -x -C "$PREVIOUS" --strip-components=2
node dist/cli.js pretrain examples/pretrain-relayout.experiment.yaml --init-from "$PREVIOUS/checkpoint" \
  --out runs/pretrain-relayout --ship "$SHIP" --reproduce "bash scripts/relayout-base.sh" --quiet
