#!/usr/bin/env bash
# Runs the CrystaL / VaLR ablations of the README (examples/evidence/ablation-*.yaml:
# counting, 1,500 examples, 2 epochs, from the shipped base, 3 seeds each) and prints
# the tables. Two runs at a time, one thread each (2 cores). A finished file is
# skipped on a re-run; an unfinished one starts again.
# Usage: bash scripts/ablations.sh [OUT_DIR]        (about 45 minutes on 2 quiet cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/ablations}
mkdir -p "$OUT"
node scripts/build.mjs

run() {   # run NAME: one ablation file (a sweep) into $OUT/NAME, unless already done
  local name=$1
  [ -f "$OUT/$name.done" ] && return 0
  rm -rf "${OUT:?}/$name"
  node dist/cli.js train "examples/evidence/$name.experiment.yaml" --out "$OUT/$name" --threads 1 --quiet > "$OUT/$name.log" 2>&1
  touch "$OUT/$name.done"
}
( run ablation-crystal-losses; run ablation-valr-repa ) &
A=$!
( run ablation-crystal-corruptions; run ablation-valr; run ablation-livr; run ablation-sft ) &
B=$!
wait $A; wait $B

C=mean_accuracy,diagnostics.drop_latents.mean_accuracy,diagnostics.corrupted_images.mean_accuracy,diagnostics.corrupted_images_drop_latents.mean_accuracy
echo; echo "## CrystaL: losses and corruptions, against SFT and LIVR (counting, test split)"
node dist/cli.js compare "$OUT/ablation-sft" "$OUT/ablation-livr" "$OUT/ablation-crystal-losses" "$OUT/ablation-crystal-corruptions" --metrics "$C"
echo; echo "## VaLR: with and without REPA, own vs fixed encoders, against SFT and LIVR (counting, test split)"
node dist/cli.js compare "$OUT/ablation-sft" "$OUT/ablation-livr" "$OUT/ablation-valr" "$OUT/ablation-valr-repa" --metrics mean_accuracy,diagnostics.drop_latents.mean_accuracy
echo; echo "## VaLR test-time scaling: accuracy against latents per step at inference (mean over seeds)"
node -e '
const fs = require("fs"), path = require("path");
const groups = new Map();
for (const top of process.argv.slice(1)) for (const d of fs.readdirSync(top)) {
  const f = path.join(top, d, "test_time_scaling.json");
  if (!fs.existsSync(f)) continue;
  const key = path.basename(top) + " " + d.replace(/^\d+-/, "").replace(/,?seed=\d+$/, "");
  const t = JSON.parse(fs.readFileSync(f, "utf8"));
  if (!groups.has(key)) groups.set(key, new Map());
  for (const r of t.rows) (groups.get(key).get(r.latents_per_step) ?? groups.get(key).set(r.latents_per_step, []).get(r.latents_per_step)).push(r.mean_accuracy);
}
const ks = [...new Set([...groups.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
console.log("| config | " + ks.map((k) => "K=" + k).join(" | ") + " |");
console.log("|---|" + ks.map(() => "---").join("|") + "|");
for (const [key, m] of groups) console.log("| " + key + " | " + ks.map((k) => { const v = m.get(k) ?? []; return v.length ? (100 * v.reduce((a, b) => a + b, 0) / v.length).toFixed(1) + " (n=" + v.length + ")" : "–"; }).join(" | ") + " |");
' "$OUT/ablation-valr" "$OUT/ablation-valr-repa"
