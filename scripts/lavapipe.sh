#!/usr/bin/env bash
# Runs a command with a private software Vulkan driver (Mesa 25 lavapipe from
# Debian bookworm-backports) that Dawn accepts, so the WebGPU route can be
# checked on a machine without a GPU. Nothing is installed system-wide: the
# .debs are downloaded with apt-get download and unpacked into a cache folder;
# the command sees them through LD_LIBRARY_PATH and VK_DRIVER_FILES.
# (Bookworm's own Mesa 22.3 lavapipe lacks shaderUniform*ArrayDynamicIndexing and
# Dawn refuses it.) Usage: bash scripts/lavapipe.sh COMMAND [ARGS...]
set -euo pipefail
MESA=25.0.7-2~bpo12+1
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/latent-lab/lavapipe-$MESA"
LIB="$CACHE/usr/lib/x86_64-linux-gnu"
if [ ! -f "$CACHE/lvp_icd.json" ]; then
  [ "$(uname -m)" = x86_64 ] || { echo "lavapipe.sh: only x86_64 is set up" >&2; exit 2; }
  LIST=/etc/apt/sources.list.d/latent-lab-bookworm-backports.list
  [ -f "$LIST" ] || echo "deb http://deb.debian.org/debian bookworm-backports main" > "$LIST"
  apt-get update -q >/dev/null   # once, on the first run: a fresh machine's package lists may be empty
  # lavapipe's own run-time libraries from bookworm (most come with chromium's Mesa already).
  deps=(libllvm15 libsensors5 libelf1 libexpat1 libzstd1 libz3-4 libxcb-dri3-0 libxcb-present0 libxcb-sync1
        libxcb-xfixes0 libxcb-randr0 libxcb-shm0 libxshmfence1 libx11-xcb1 libwayland-client0)
  missing=(); for d in "${deps[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
  if [ ${#missing[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; fi
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -q "mesa-vulkan-drivers=$MESA" "mesa-libgallium=$MESA" \
      "libdrm2=2.4.123-1~bpo12+1" "libdrm-amdgpu1=2.4.123-1~bpo12+1" libvulkan1 > "$tmp/download.log" 2>&1); then
    cat "$tmp/download.log" >&2; rm -rf "$tmp"
    echo "lavapipe.sh: could not download Mesa $MESA from bookworm-backports (see above)" >&2; exit 1
  fi
  rm -rf "$CACHE.part"; mkdir -p "$CACHE.part"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$CACHE.part"; done
  rm -rf "$tmp"   # before exec below: an EXIT trap would not run
  printf '{"file_format_version":"1.0.0","ICD":{"api_version":"1.3.0","library_path":"%s/libvulkan_lvp.so"}}\n' \
    "$CACHE/usr/lib/x86_64-linux-gnu" > "$CACHE.part/lvp_icd.json"
  rm -rf "$CACHE"; mv "$CACHE.part" "$CACHE"
fi
export LD_LIBRARY_PATH="$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export VK_DRIVER_FILES="$CACHE/lvp_icd.json"
exec "$@"
