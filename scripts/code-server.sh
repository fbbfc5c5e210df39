#!/usr/bin/env bash
# Opens this repository in a real VS Code in your browser, with Latent Lab installed:
# builds, packages the VSIX, installs it into a local code-server (4.100.3, cached in
# $E2E_DIR/code-server, by default a folder under $TMPDIR so nothing lands in the
# workspace it serves) and serves the repository on http://127.0.0.1:8080 (Ctrl+C stops it).
#
#   bash scripts/code-server.sh                 # build, package, install, start
#   PORT=9000 bash scripts/code-server.sh       # another port
#   bash scripts/code-server.sh --ensure-only   # only install code-server; print its path (used by test/e2e/run.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# Outside the repository: installed extension copies and test workspaces hold
# *.experiment.yaml files that the Runs view would otherwise list beside the user's own.
E2E=${E2E_DIR:-${TMPDIR:-/tmp}/latent-lab-e2e-$(printf %s "$ROOT" | sha1sum | cut -c1-10)}
mkdir -p "$E2E"
CS_VERSION=4.100.3
CS_DIR=$E2E/code-server
CSBIN=$CS_DIR/node_modules/.bin/code-server
log() { echo "[code-server.sh] $*" >&2; }

ensure_code_server() {
  if [ -x "$CSBIN" ] && "$CSBIN" --version 2>/dev/null | grep -q "^$CS_VERSION"; then return; fi
  # code-server builds a kerberos module (libkrb5-dev) and ships VS Code's search (ripgrep).
  local missing=()
  command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then log "need ${missing[*]}: run as root, or: apt-get install -y ${missing[*]}"; exit 1; fi
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
  log "installing code-server@$CS_VERSION into $CS_DIR (about a minute, once)"
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR/tmp" "$CS_DIR/rg"
  echo '{ "name": "latent-lab-code-server", "private": true }' > "$CS_DIR/package.json"
  # @vscode/ripgrep's postinstall downloads rg from GitHub; seed its cache with the system's rg instead.
  mkdir -p "$CS_DIR/tmp/vscode-ripgrep-cache-1.15.11" && cp "$(command -v rg)" "$CS_DIR/rg/rg"
  tar czf "$CS_DIR/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$CS_DIR/rg" rg
  (cd "$CS_DIR" && TMPDIR=$CS_DIR/tmp npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" > "$CS_DIR/install.log" 2>&1) \
    || { tail -40 "$CS_DIR/install.log" >&2; log "install failed (log: $CS_DIR/install.log)"; exit 1; }
}

if [ "${1:-}" = "--ensure-only" ]; then ensure_code_server; echo "$CSBIN"; exit 0; fi

ensure_code_server
[ -d node_modules/esbuild ] || { log "run npm ci first"; exit 1; }
log "building"
node scripts/build.mjs
log "packaging the VSIX"
npm run -s package:vsix -- -o "$E2E/latent-lab.vsix" < /dev/null > "$E2E/vsce.log" 2>&1 \
  || { cat "$E2E/vsce.log" >&2; exit 1; }
COMMON=(--user-data-dir "$E2E/dev-user" --extensions-dir "$E2E/dev-extensions")
"$CSBIN" "${COMMON[@]}" --install-extension "$E2E/latent-lab.vsix" --force > "$E2E/install-extension.log" 2>&1 \
  || { cat "$E2E/install-extension.log" >&2; exit 1; }
PORT=${PORT:-8080}
echo
echo "  Latent Lab in VS Code:  http://127.0.0.1:$PORT/?folder=$ROOT"
echo "  Open examples/crystal.experiment.yaml, make a typo, press Ctrl+Space after 'kind:'.  Ctrl+C stops."
echo
exec "$CSBIN" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check "${COMMON[@]}" "$ROOT"
