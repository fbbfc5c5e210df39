#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine (as root) and runs
# every test: type check, unit, language server, engine, a real single-node SLURM
# (test/slurm/run.sh: submit, status, requeue), native kernels (with and
# without the addon), webview rendering in headless Chromium, and the real VS Code
# (code-server) suite. Exits non-zero on any failure or if a suite ran no test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
step() { echo "[test-all $(printf '%4d' "$SECONDS")s] $*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
# The native addon (native/, built by npm ci through node-gyp) needs a compiler, make and python3.
for tool in g++ make python3; do command -v $tool >/dev/null || need_apt+=($tool); done
# OpenBLAS: the addon's fast matmul loads it at run time; without it the BLAS tests would be skipped.
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need_apt+=(libopenblas0-pthread)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need_apt[@]}" >/dev/null
fi

step "npm ci"
npm ci --no-audit --no-fund 2>&1 | grep -v 'Unknown user config' | tail -3

step "npm test"
# A machine where SLURM cannot run fails here instead of skipping the SLURM tests (test/slurm/daemons.sh).
LATENT_LAB_REQUIRE_SLURM=1 npm test
step "all tests passed"
