#!/usr/bin/env bash
# The prepared GPU check (issue 18). Two halves:
#
#   bash scripts/gpu-check.sh pack        # here: stage .gpu-check/ (< 64 MiB): a Node binary, the
#                                         # built CLI, Dawn, the addon and the Vulkan loader
#   bash scripts/gpu-check.sh run [OUT]   # on the device machine (no Node, no registry there),
#                                         # from the repository root, after pack travelled with it
#
# `run` asserts the adapter is a GPU (not llvmpipe) and that `auto` picks webgpu on it,
# runs the exactness check (a seeded 12-step run on webgpu and on wasm: losses, final
# evaluation, greedy generation, the webgpu checkpoint evaluated on wasm), times a train
# step on both over growing widths, and trains examples/sft.experiment.yaml on webgpu to
# completion; it writes OUT/gpu-check.json and OUT/*.log (OUT defaults to $OUT, else
# .gpu-check/out). Sized for a few minutes of device time; each phase has a time cap.
# With the device tool:  run(command="bash scripts/gpu-check.sh run", carry=[".gpu-check"], timeout_s=540)
# `GPU_CHECK_ALLOW_SOFTWARE=1 bash scripts/lavapipe.sh bash scripts/gpu-check.sh run` rehearses
# it here on a software adapter, with the size sweep and the sft run cut short (it says so).
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=.gpu-check
SECONDS=0
say() { echo "[gpu-check $(printf '%4d' "$SECONDS")s] $*"; }

pack() {
  [ -d node_modules/webgpu ] || { echo "gpu-check pack: run npm ci first (node_modules/webgpu is missing)" >&2; exit 2; }
  node scripts/build.mjs
  rm -rf "$STAGE"; mkdir -p "$STAGE/bin" "$STAGE/dist" "$STAGE/node_modules/webgpu/dist/linux-x64" "$STAGE/node_modules/latent-lab-native" "$STAGE/vulkan"
  say "node $(node --version) -> $STAGE/bin/node.xz"
  xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$STAGE/bin/node.xz"
  cp dist/cli.js dist/*.wasm "$STAGE/dist/"
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$STAGE/node_modules/webgpu/"
  xz -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$STAGE/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
  cp -r native/package.json native/index.js "$STAGE/node_modules/latent-lab-native/"
  if [ -d native/build/Release ]; then mkdir -p "$STAGE/node_modules/latent-lab-native/build"; cp -r native/build/Release "$STAGE/node_modules/latent-lab-native/build/"; fi
  # The Vulkan loader (the device may have the NVIDIA driver's ICD but no loader).
  tmp=$(mktemp -d); (cd "$tmp" && apt-get download -q libvulkan1 >/dev/null 2>&1) || { apt-get update -q >/dev/null; (cd "$tmp" && apt-get download -q libvulkan1 >/dev/null); }
  dpkg-deb -x "$tmp"/libvulkan1_*.deb "$tmp/x"; cp -a "$tmp"/x/usr/lib/x86_64-linux-gnu/libvulkan.so.1* "$STAGE/vulkan/"; rm -rf "$tmp"
  say "staged $(du -sh "$STAGE" | cut -f1) in $STAGE (the device tool carries at most 64 MiB)"
}

# Writes an ICD manifest for the NVIDIA driver when the container has the driver's
# libGLX_nvidia but no nvidia_icd.json (NVIDIA_DRIVER_CAPABILITIES without 'graphics').
nvidia_icd() {
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d; do
    [ -f "$d/nvidia_icd.json" ] && { echo "$d/nvidia_icd.json"; return; }
  done
  local lib; lib=$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2>/dev/null | head -1 || true)
  [ -n "$lib" ] || return 0
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" > "$STAGE/nvidia_icd.json"
  echo "$PWD/$STAGE/nvidia_icd.json"
}

run() {
  local out="${1:-${OUT:-$STAGE/out}}"; mkdir -p "$out"
  [ -f "$STAGE/bin/node.xz" ] || { echo "gpu-check run: $STAGE is missing; run 'bash scripts/gpu-check.sh pack' first and carry $STAGE" >&2; exit 2; }
  [ -x "$STAGE/bin/node" ] || { xz -dc "$STAGE/bin/node.xz" > "$STAGE/bin/node"; chmod +x "$STAGE/bin/node"; }
  local dawn="$STAGE/node_modules/webgpu/dist/linux-x64/dawn.node"
  [ -f "$dawn" ] || xz -dc "$dawn.xz" > "$dawn"
  export PATH="$PWD/$STAGE/bin:$PATH"
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$PWD/$STAGE/vulkan"
  if [ -z "${VK_DRIVER_FILES:-}" ]; then
    local icd; icd=$(nvidia_icd)
    if [ -n "$icd" ]; then export VK_DRIVER_FILES="$icd"; say "Vulkan driver manifest: $icd"; fi
  fi
  (command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "no nvidia-smi") > "$out/gpu.txt" 2>&1
  say "GPU: $(cat "$out/gpu.txt")"
  local cli="node $STAGE/dist/cli.js"
  [ -e node_modules ] || ln -s "$STAGE/node_modules" node_modules   # dist/cli.js resolves webgpu from here too

  # Time caps per phase (s), so that the whole check stays under 8 minutes of device time even
  # when a phase is slower than expected: exactness 120, size sweep 150 in all, sft 180.
  # A software adapter (the rehearsal here) is 20-50x slower than wasm: one width, fewer steps.
  local software=0 size_args=(--max-steps 12) sizes=(0 1 2 3) sft_args=()

  say "1/4 adapter, and what auto picks"
  $cli backend --backend webgpu --json > "$out/adapter.json" 2> "$out/adapter.log" || { cat "$out/adapter.log"; exit 1; }
  $cli backend --json > "$out/auto.json" 2>> "$out/adapter.log" || { cat "$out/adapter.log"; exit 1; }
  node -e '
    const fs = require("fs");
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const auto = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    console.log("adapter:", JSON.stringify(r.adapter));
    console.log("auto:", auto.name, JSON.stringify(auto.tried.find((t) => t.name === "webgpu")));
    if (r.softwareAdapter) {
      if (process.env.GPU_CHECK_ALLOW_SOFTWARE !== "1") { console.error("FAIL: the adapter is a software one, not the GPU"); process.exit(1); }
      process.exit(3);
    }
    if (auto.name !== "webgpu") { console.error("FAIL: auto did not pick webgpu on a GPU adapter"); process.exit(1); }
  ' "$out/adapter.json" "$out/auto.json" || { rc=$?; [ "$rc" = 3 ] || exit "$rc"; software=1; }
  if [ "$software" = 1 ]; then
    size_args=(--max-steps 3); sizes=(0); sft_args=(--max-steps 4)
    say "software adapter (rehearsal): size sweep d_model 64 only, 3 steps; sft cut to 4 steps"
  fi

  say "2/4 exactness: bench/gpu/exact.experiment.yaml on webgpu and on wasm"
  rm -rf "$out/exact"
  timeout -k 15 120 $cli backend --exact bench/gpu/exact.experiment.yaml --out "$out/exact" --json > "$out/exact.json" 2> "$out/exact.log" \
    || { tail -20 "$out/exact.log"; exit 1; }
  node scripts/gpu-compare.js exact-report "$out/exact.json" | tee "$out/exact.txt"

  say "3/4 train step vs width: bench/gpu/size.experiment.yaml on webgpu and on wasm"
  local size_end=$((SECONDS + 150)) left=$(( ${#sizes[@]} * 2 ))
  rm -rf "$out/size-webgpu" "$out/size-wasm"
  for i in "${sizes[@]}"; do
    for b in webgpu wasm; do
      # An even share of what is left of the phase's 150 s; a run stopped by the cap still reports its steps.
      local cap=$(( (size_end - SECONDS) / left )); left=$((left - 1))
      [ "$cap" -gt 5 ] || { say "size $b index $i skipped: the size phase's 150 s are spent"; continue; }
      timeout -k 15 "$cap" $cli train bench/gpu/size.experiment.yaml --sweep-index "$i" --backend "$b" --threads "$(nproc)" "${size_args[@]}" --out "$out/size-$b" --quiet \
        >> "$out/size-$b.log" 2>&1 || { tail -3 "$out/size-$b.log"; say "size $b index $i did not finish in ${cap} s (see $out/size-$b.log); going on"; }
    done
  done
  node scripts/gpu-compare.js size "$out/size-webgpu" "$out/size-wasm" | tee "$out/size.txt"

  say "4/4 latent-lab train examples/sft.experiment.yaml --backend webgpu, to completion${sft_args[*]:+ (${sft_args[*]})}"
  rm -rf "$out/sft-webgpu"
  timeout -k 15 180 $cli train examples/sft.experiment.yaml --backend webgpu ${sft_args[@]+"${sft_args[@]}"} --out "$out/sft-webgpu" > "$out/sft-webgpu.log" 2>&1 || { tail -20 "$out/sft-webgpu.log"; exit 1; }
  grep -E "^eval|accuracy|chance|completed after" "$out/sft-webgpu.log" | tail -5
  node scripts/gpu-compare.js summary "$out" > "$out/gpu-check.json"
  say "done: $out/gpu-check.json"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) sed -n '2,19p' "$0"; exit 2 ;;
esac
