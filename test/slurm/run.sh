#!/usr/bin/env bash
# The SLURM tests against a real SLURM: installs Debian's slurm-wlm and munge when
# missing, starts munged, slurmctld and slurmd (single node on this machine, config
# from test/slurm/slurm.conf.in, state in a temp folder, free ports), runs
# out/test/slurm/*.test.js with mocha, and stops every daemon it started on exit
# (trap), whether the tests pass or fail. Run as root (slurmd launches the jobs).
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { echo "[slurm-test] $*"; }

if [ "$(id -u)" != 0 ]; then echo "[slurm-test] must run as root (slurmd starts the jobs): sudo bash test/slurm/run.sh" >&2; exit 1; fi
need=()
command -v slurmctld >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null   # the daemons and clients, not the dev packages
fi
[ -f out/test/slurm/slurm.test.js ] && [ -f dist/cli.js ] || node scripts/build.mjs --tests

STATE=$(mktemp -d /tmp/latent-lab-slurm.XXXXXX)
chmod 711 "$STATE"               # munged wants its socket's folder searchable by all
HOST=$(hostname -s)
ADDED_HOST=""
pids=()
# Processes of the jobs our controller started: slurmstepd and the jobs themselves.
# They outlive slurmd, and carry our SLURM_CONF (the jobs also SLURM_JOB_ID).
job_processes() {
  local f pid
  for f in $(grep -lsxzF "SLURM_CONF=$STATE/slurm.conf" /proc/[0-9]*/environ); do
    pid=${f#/proc/}; pid=${pid%/environ}
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] || grep -qsxz 'SLURM_JOB_ID=[0-9]*' "$f"; then echo "$pid"; fi
  done
}
cleanup() {
  local rc=$?
  trap - EXIT
  # Cancel what is still queued or running, so no job outlives the daemons.
  if [ -n "${SLURM_CONF:-}" ] && [ ${#pids[@]} -ge 2 ]; then
    scancel --user=root >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do [ -z "$(job_processes)" ] && break; sleep 0.5; done
  fi
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for pid in $(job_processes); do kill -9 "$pid" 2>/dev/null || true; done
  if [ $rc -ne 0 ]; then
    for log in slurmctld.log slurmd.log; do [ -f "$STATE/$log" ] && { say "last lines of $log:"; tail -n 15 "$STATE/$log"; }; done
  fi
  [ -n "$ADDED_HOST" ] && sed -i "\|^127.0.0.1 $HOST # latent-lab slurm test\$|d" /etc/hosts
  rm -rf "$STATE"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# slurmctld and slurmd find this node by its short host name.
if ! getent hosts "$HOST" >/dev/null; then echo "127.0.0.1 $HOST # latent-lab slurm test" >> /etc/hosts; ADDED_HOST=1; fi

read -r CTLD_PORT D_PORT < <(node -e "
const net = require('net'); const ports = [];
const grab = () => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { ports.push(s.address().port);
  if (ports.length < 2) grab(); else { console.log(ports.join(' ')); process.exit(0); } }); };
grab();")
sed -e "s|@HOST@|$HOST|g" -e "s|@DIR@|$STATE|g" -e "s|@CPUS@|$(nproc)|g" -e "s|@MEM@|1000|g" \
  -e "s|@CTLD_PORT@|$CTLD_PORT|g" -e "s|@D_PORT@|$D_PORT|g" test/slurm/slurm.conf.in > "$STATE/slurm.conf"
mkdir -p "$STATE/state" "$STATE/spool"
export SLURM_CONF="$STATE/slurm.conf"

if command -v mungekey >/dev/null; then mungekey --create --keyfile "$STATE/munge.key"
else dd if=/dev/urandom of="$STATE/munge.key" bs=1024 count=1 status=none; chmod 600 "$STATE/munge.key"; fi
# Each daemon in its own session: a Ctrl-C (SIGINT to this process group) must not
# stop them before cleanup has cancelled the jobs.
setsid munged -F --force --socket="$STATE/munge.socket" --key-file="$STATE/munge.key" --pid-file="$STATE/munged.pid" \
  --log-file="$STATE/munged.log" --seed-file="$STATE/munged.seed" >"$STATE/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$STATE/munge.socket" ] && break; sleep 0.1; done
[ -S "$STATE/munge.socket" ] || { say "munged did not start:"; cat "$STATE/munged.out"; exit 1; }

setsid slurmctld -D -c >"$STATE/slurmctld.out" 2>&1 &
pids+=($!)
setsid slurmd -D >"$STATE/slurmd.out" 2>&1 &
pids+=($!)
say "waiting for node $HOST (controller port $CTLD_PORT)"
ready=""
for _ in $(seq 1 120); do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
  case "$state" in idle*|mixed*|allocated*) ready=1; break;; esac
  sleep 0.5
done
[ -n "$ready" ] || { say "SLURM node did not come up (state '${state:-none}')"; exit 1; }
say "SLURM up: $(sinfo -h -o '%P %D %c %T')"

npx mocha --no-config --exit --timeout 600000 'out/test/slurm/**/*.test.js'
