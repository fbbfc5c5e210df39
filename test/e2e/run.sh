#!/usr/bin/env bash
# End-to-end tests of the extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3,
# headless Debian Chromium), offline after the first install:
#   (a) test/e2e/suite inside the extension host (the @vscode/test-electron run() contract)
#   (b) test/e2e/ui.ts: the user's path through the workbench UI, with screenshots
# For (a)'s Submit Sweep test it starts a single-node SLURM (test/slurm/daemons.sh, as
# test/slurm/run.sh does) before code-server and stops it on exit.
# Installs what it needs: apt chromium libkrb5-dev ripgrep (as root), code-server into $E2E_DIR
# (default: a folder under $TMPDIR named after this checkout, outside the workspace)
# (through scripts/code-server.sh --ensure-only).
# Prints `N passed, M failed` and exits non-zero on any failure or when no test ran.
# usage: bash test/e2e/run.sh        (env: E2E_DIR cache folder, E2E_PORT, CHROMIUM)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
E2E=${E2E_DIR:-${TMPDIR:-/tmp}/latent-lab-e2e-$(printf %s "$ROOT" | sha1sum | cut -c1-10)}
ART=$ROOT/test/e2e/artifacts
SECONDS=0
step() { echo "[e2e $(printf '%4d' "$SECONDS")s] $*"; }
LOGS=$ART/logs
mkdir -p "$E2E" "$ART"
# shellcheck source=test/slurm/daemons.sh
source test/slurm/daemons.sh
# One run at a time per checkout: a second run waits instead of wiping the first one's folders.
exec 9> "$E2E/run.lock"
flock 9 || true
# Other suites also leave pictures in artifacts/: remove only what this script writes.
rm -rf "$LOGS" && mkdir -p "$LOGS"
rm -f "$ART"/typo-squiggle-hover.png "$ART"/quick-fix-menu.png "$ART"/suggest-method-kind.png \
  "$ART"/runs-view-vscode.png "$ART"/dashboard-vscode.png "$ART"/attention-vscode.png "$ART"/restored-after-reload-vscode.png "$ART"/ui-failure-*.png "$ART"/host-tests-timeout.png

# --- system packages (Chromium for the tests; code-server's own are installed below) -------------
if ! command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1; then
  step "apt-get install chromium"
  if [ "$(id -u)" != 0 ]; then echo "e2e: need chromium: run as root, or apt-get install -y chromium"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi

# --- code-server 4.100.3 (+ apt libkrb5-dev ripgrep), cached in .e2e/code-server -----------
step "code-server (installs once into $E2E/code-server)"
CSBIN=$(E2E_DIR=$E2E bash scripts/code-server.sh --ensure-only 2> >(tee "$LOGS/code-server-install.log" >&2) | tail -1)
[ -d node_modules/playwright-core ] && [ -d node_modules/mocha ] || { echo "e2e: run npm ci first (playwright-core, mocha, esbuild, @vscode/vsce are devDependencies)"; exit 1; }

# --- build, package, install the VSIX ----------------------------------------------------------
step "build extension, server, e2e bundles"
node scripts/build.mjs
node test/e2e/build.mjs
step "package VSIX"
npm run -s package:vsix -- -o "$E2E/latent-lab.vsix" < /dev/null > "$LOGS/vsce.log" 2>&1 \
  || { cat "$LOGS/vsce.log"; exit 1; }
rm -rf "$E2E/user" "$E2E/extensions" "$E2E/ws-host" "$E2E/ws-ui"
COMMON=(--user-data-dir "$E2E/user" --extensions-dir "$E2E/extensions")
step "install VSIX into code-server"
"$CSBIN" "${COMMON[@]}" --install-extension "$E2E/latent-lab.vsix" > "$LOGS/install-extension.log" 2>&1 || { cat "$LOGS/install-extension.log"; exit 1; }
EXT_DIR=$(ls -d "$E2E"/extensions/latent-lab.latent-lab-* | head -1)
# No welcome page to steal focus from the editor; fast hovers.
mkdir -p "$E2E/user/User"
# latentLab.allowedPaths: the workspaces' examples fine-tune ../models (a link to this checkout's
# models/), outside the workspace folder: the user's setting allows it (docs/security.md).
cat > "$E2E/user/User/settings.json" <<JSON
{ "workbench.startupEditor": "none", "workbench.tips.enabled": false, "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false, "editor.hover.delay": 300, "files.autoSave": "off",
  "git.openRepositoryInParentFolders": "never", "latentLab.allowedPaths": ["$ROOT/models"] }
JSON
# Two workspaces, so the UI run cannot meet editor state left by the in-host run.
for ws in ws-host ws-ui; do mkdir -p "$E2E/$ws" && cp examples/*.experiment.yaml "$E2E/$ws/"; done
# The examples fine-tune ../models/tiny-vlm-base/checkpoint: the same layout beside the workspaces.
ln -sfn "$ROOT/models" "$E2E/models"

# --- on exit: code-server's process group, then the SLURM daemons (whatever happened) -------
CS_PID=""
cleanup() {
  local rc=$?
  trap - EXIT
  [ -n "$CS_PID" ] && { kill -- -"$CS_PID" 2>/dev/null || true; }
  slurm_stop "$rc" >> "$LOGS/slurm.log" 2>&1
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- a single-node SLURM for the Submit Sweep test (test/slurm/daemons.sh) ------------------
# Started before code-server, so its extension host and the `latent-lab submit` it runs see
# SLURM_CONF; never a SLURM_CONF from outside (a real cluster). Where SLURM cannot run
# (not root, or no SLURM and no apt-get) the test is skipped and says why.
unset SLURM_CONF LATENT_LAB_E2E_SLURM_SKIP LATENT_LAB_E2E_SLURM_ERROR
rc_slurm=0; why_no_slurm=$(slurm_skip_reason 2> "$LOGS/slurm.log") || rc_slurm=$?
case $rc_slurm in
  0) step "no SLURM: the Submit Sweep test is skipped: $why_no_slurm"; export LATENT_LAB_E2E_SLURM_SKIP=$why_no_slurm;;
  2) export LATENT_LAB_E2E_SLURM_ERROR="SLURM cannot run here, and LATENT_LAB_REQUIRE_SLURM=1: $(cat "$LOGS/slurm.log")";;
  *) step "start a single-node SLURM (test/slurm/daemons.sh)"
     if ! slurm_start >> "$LOGS/slurm.log" 2>&1; then
       cat "$LOGS/slurm.log"; unset SLURM_CONF
       export LATENT_LAB_E2E_SLURM_ERROR="SLURM did not start: see test/e2e/artifacts/logs/slurm.log"
     fi;;
esac

# --- start code-server in its own process group ---------------------------------------------
PORT=${E2E_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
URL=http://127.0.0.1:$PORT
step "start code-server on $URL"
setsid "$CSBIN" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust "${COMMON[@]}" "$E2E/ws-ui" > "$LOGS/code-server.log" 2>&1 &
CS_PID=$!
for _ in $(seq 1 150); do
  node -e "fetch('$URL/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
  kill -0 "$CS_PID" 2>/dev/null || { cat "$LOGS/code-server.log"; exit 1; }
  sleep 0.2
done

# --- (a) the suite inside the extension host, (b) the UI -------------------------------------
export E2E_ARTIFACTS=$ART
step "(a) in-editor suite (extension host, packaged extension from the VSIX)"
rc_host=0
node dist/test/hostTests.js "$URL" "$E2E/ws-host" "$EXT_DIR" "$ROOT/dist/test/suite/index.js" > "$LOGS/host-tests.log" 2>&1 || rc_host=$?
grep -E '✔|✘|SKIPPED|^\[ext [a-z]+\] +[0-9]+\) |passing|failing|pending|AssertionError|Error:|finished|passed, ' "$LOGS/host-tests.log" || tail -30 "$LOGS/host-tests.log"
step "(b) UI in Chromium (screenshots in test/e2e/artifacts/)"
rc_ui=0
node dist/test/ui.js "$URL" "$E2E/ws-ui" "$ART" > "$LOGS/ui.log" 2>&1 || rc_ui=$?
grep -vE '^\[' "$LOGS/ui.log" || true

# --- one summary ------------------------------------------------------------------------
count() { grep -E '^(\[ext [a-z]+\] )?[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1 | sed -E 's/^\[ext [a-z]+\] //'; }
read -r p1 _ f1 _ <<< "$(count "$LOGS/host-tests.log" || echo '0 passed, 1 failed')"
read -r p2 _ f2 _ <<< "$(count "$LOGS/ui.log" || echo '0 passed, 1 failed')"
passed=$(( ${p1:-0} + ${p2:-0} )); failed=$(( ${f1:-1} + ${f2:-1} ))
[ "$rc_host" = 0 ] || [ "$failed" -gt 0 ] || failed=1
[ "$rc_ui" = 0 ] || [ "$failed" -gt 0 ] || failed=1
step "done"
echo "e2e total (in-editor suite + UI):"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
