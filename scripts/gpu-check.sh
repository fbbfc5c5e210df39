#!/usr/bin/env bash
# The prepared GPU check (issue 18). Two halves:
#
#   bash scripts/gpu-check.sh pack        # here: stage .gpu-check/ (< 64 MiB): a Node binary, the
#                                         # built CLI, Dawn, the addon and the Vulkan loader
#   bash scripts/gpu-check.sh run [OUT]   # on the device machine (no Node, no registry there),
#                                         # from the repository root, after pack travelled with it
#
# `run` asserts the adapter is a GPU (not llvmpipe), checks that a seeded run gives
# the same losses on webgpu and wasm, times a train step on both over growing
# widths, and trains examples/sft.experiment.yaml on webgpu to completion; it
# writes OUT/gpu-check.json and OUT/*.log (OUT defaults to $OUT, else .gpu-check/out).
# With the device tool:  run(command="bash scripts/gpu-check.sh run", carry=[".gpu-check"], timeout_s=540)
# `GPU_CHECK_ALLOW_SOFTWARE=1 bash scripts/lavapipe.sh bash scripts/gpu-check.sh run` rehearses
# it here on a software adapter.
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

  say "1/4 adapter"
  $cli backend --backend webgpu --json > "$out/adapter.json" 2> "$out/adapter.log" || { cat "$out/adapter.log"; exit 1; }
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log("adapter:", JSON.stringify(r.adapter));
    if (r.softwareAdapter && process.env.GPU_CHECK_ALLOW_SOFTWARE !== "1") { console.error("FAIL: the adapter is a software one, not the GPU"); process.exit(1); }
  ' "$out/adapter.json"

  say "2/4 exactness: bench/gpu/exact.experiment.yaml on webgpu and on wasm"
  for b in webgpu wasm; do
    rm -rf "$out/exact-$b"
    $cli train bench/gpu/exact.experiment.yaml --backend "$b" --out "$out/exact-$b" --quiet > "$out/exact-$b.log" 2>&1 || { tail -20 "$out/exact-$b.log"; exit 1; }
  done
  node scripts/gpu-compare.js exact "$out/exact-webgpu" "$out/exact-wasm" | tee "$out/exact.txt"

  say "3/4 train step vs width: bench/gpu/size.experiment.yaml on webgpu and on wasm"
  for b in webgpu wasm; do
    rm -rf "$out/size-$b"
    $cli train bench/gpu/size.experiment.yaml --backend "$b" --threads "$(nproc)" --out "$out/size-$b" --quiet > "$out/size-$b.log" 2>&1 || { tail -20 "$out/size-$b.log"; exit 1; }
  done
  node scripts/gpu-compare.js size "$out/size-webgpu" "$out/size-wasm" | tee "$out/size.txt"

  say "4/4 latent-lab train examples/sft.experiment.yaml --backend webgpu, to completion"
  rm -rf "$out/sft-webgpu"
  $cli train examples/sft.experiment.yaml --backend webgpu --out "$out/sft-webgpu" > "$out/sft-webgpu.log" 2>&1 || { tail -20 "$out/sft-webgpu.log"; exit 1; }
  grep -E "^eval|accuracy|chance" "$out/sft-webgpu.log" | tail -4
  node scripts/gpu-compare.js summary "$out" > "$out/gpu-check.json"
  say "done: $out/gpu-check.json"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
