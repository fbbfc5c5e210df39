# A single-node SLURM on this machine for the tests, sourced by test/slurm/run.sh and
# test/e2e/run.sh (bash; run from the repository root):
#
#   slurm_skip_reason   returns 1 when SLURM can run here. Otherwise it prints why not and
#                       returns 0 (skip): not root (slurmd starts the jobs as root), or root
#                       without the daemons and without apt-get to install them. With
#                       LATENT_LAB_REQUIRE_SLURM=1 (scripts/test-all.sh, CI) that is an error:
#                       the reason goes to stderr and it returns 2.
#   slurm_start         installs Debian's slurm-wlm and munge when missing, starts munged,
#                       slurmctld and slurmd (config from test/slurm/slurm.conf.in, state in a
#                       temp folder, free ports), waits for the node, exports SLURM_CONF.
#   slurm_stop          cancels what is queued or running, stops every daemon slurm_start
#                       started (TERM, then KILL), kills job processes left behind, removes
#                       the /etc/hosts line it added and the state folder. Safe to call twice,
#                       and before or after a failed slurm_start: call it from an EXIT trap.

SLURM_STATE=""
SLURM_PIDS=()
SLURM_ADDED_HOST=""
SLURM_HOST=$(hostname -s)
slurm_say() { echo "[slurm] $*"; }

slurm_skip_reason() {
  local why=""
  if [ "$(id -u)" != 0 ]; then
    why="SLURM tests need root (slurmd starts the jobs as root): sudo bash test/slurm/run.sh, or run the tests as root as CI does"
  elif ! { command -v slurmctld && command -v munged; } >/dev/null && ! command -v apt-get >/dev/null; then
    why="slurm-wlm and munge are not installed and apt-get is not available to install them"
  fi
  [ -n "$why" ] || return 1
  if [ "${LATENT_LAB_REQUIRE_SLURM:-}" = 1 ]; then
    echo "[slurm] LATENT_LAB_REQUIRE_SLURM=1, but: $why" >&2
    return 2
  fi
  echo "$why"
}

# Processes of the jobs our controller started: slurmstepd and the jobs themselves.
# They outlive slurmd, and carry our SLURM_CONF (the jobs also SLURM_JOB_ID).
slurm_job_processes() {
  local f pid
  [ -n "$SLURM_STATE" ] || return 0
  for f in $(grep -lsxzF "SLURM_CONF=$SLURM_STATE/slurm.conf" /proc/[0-9]*/environ); do
    pid=${f#/proc/}; pid=${pid%/environ}
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] || grep -qsxz 'SLURM_JOB_ID=[0-9]*' "$f"; then echo "$pid"; fi
  done
}

slurm_install() {
  local need=()
  command -v slurmctld >/dev/null || need+=(slurm-wlm)
  command -v munged >/dev/null || need+=(munge)
  [ ${#need[@]} -gt 0 ] || return 0
  slurm_say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || return 1
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null   # the daemons and clients, not the dev packages
}

slurm_write_config() {
  local ctld_port d_port
  read -r ctld_port d_port < <(node -e "
const net = require('net'); const ports = [];
const grab = () => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { ports.push(s.address().port);
  if (ports.length < 2) grab(); else { console.log(ports.join(' ')); process.exit(0); } }); };
grab();")
  sed -e "s|@HOST@|$SLURM_HOST|g" -e "s|@DIR@|$SLURM_STATE|g" -e "s|@CPUS@|$(nproc)|g" -e "s|@MEM@|1000|g" \
    -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@D_PORT@|$d_port|g" test/slurm/slurm.conf.in > "$SLURM_STATE/slurm.conf"
  [ -n "$d_port" ] && mkdir -p "$SLURM_STATE/state" "$SLURM_STATE/spool"
}

# Every step checks its own result: a caller may run it as `slurm_start || …`, where bash's -e is off.
slurm_start() {
  slurm_install || { slurm_say "could not install slurm-wlm and munge with apt-get"; return 1; }
  SLURM_STATE=$(mktemp -d /tmp/latent-lab-slurm.XXXXXX) || return 1
  chmod 711 "$SLURM_STATE"               # munged wants its socket's folder searchable by all
  # slurmctld and slurmd find this node by its short host name.
  if ! getent hosts "$SLURM_HOST" >/dev/null; then echo "127.0.0.1 $SLURM_HOST # latent-lab slurm test" >> /etc/hosts; SLURM_ADDED_HOST=1; fi
  slurm_write_config || return 1
  export SLURM_CONF="$SLURM_STATE/slurm.conf"
  if command -v mungekey >/dev/null; then mungekey --create --keyfile "$SLURM_STATE/munge.key" || return 1
  else dd if=/dev/urandom of="$SLURM_STATE/munge.key" bs=1024 count=1 status=none && chmod 600 "$SLURM_STATE/munge.key" || return 1; fi
  # Each daemon in its own session: a Ctrl-C (SIGINT to this process group) must not
  # stop them before slurm_stop has cancelled the jobs.
  setsid munged -F --force --socket="$SLURM_STATE/munge.socket" --key-file="$SLURM_STATE/munge.key" --pid-file="$SLURM_STATE/munged.pid" \
    --log-file="$SLURM_STATE/munged.log" --seed-file="$SLURM_STATE/munged.seed" >"$SLURM_STATE/munged.out" 2>&1 &
  SLURM_PIDS+=($!)
  for _ in $(seq 1 100); do [ -S "$SLURM_STATE/munge.socket" ] && break; sleep 0.1; done
  [ -S "$SLURM_STATE/munge.socket" ] || { slurm_say "munged did not start:"; cat "$SLURM_STATE/munged.out"; return 1; }
  setsid slurmctld -D -c >"$SLURM_STATE/slurmctld.out" 2>&1 &
  SLURM_PIDS+=($!)
  setsid slurmd -D >"$SLURM_STATE/slurmd.out" 2>&1 &
  SLURM_PIDS+=($!)
  slurm_wait_node
}

slurm_wait_node() {
  local state=""
  for _ in $(seq 1 120); do
    state=$(sinfo -h -n "$SLURM_HOST" -o %T 2>/dev/null || true)
    case "$state" in idle*|mixed*|allocated*) slurm_say "up: $(sinfo -h -o '%P %D %c %T')"; return 0;; esac
    sleep 0.5
  done
  slurm_say "the node $SLURM_HOST did not come up (state '${state:-none}')"
  return 1
}

# $1: non-zero to print the daemons' last log lines (a failed run).
slurm_stop() {
  local show_logs=${1:-0} i pid log
  if [ ${#SLURM_PIDS[@]} -ge 2 ]; then    # the controller was started: cancel what it runs
    scancel --user=root >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do [ -z "$(slurm_job_processes)" ] && break; sleep 0.5; done
  fi
  for ((i=${#SLURM_PIDS[@]}-1; i>=0; i--)); do kill "${SLURM_PIDS[$i]}" 2>/dev/null || true; done
  for pid in "${SLURM_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for pid in $(slurm_job_processes); do kill -9 "$pid" 2>/dev/null || true; done
  if [ "$show_logs" != 0 ] && [ -n "$SLURM_STATE" ]; then
    for log in slurmctld.log slurmd.log; do [ -f "$SLURM_STATE/$log" ] && { slurm_say "last lines of $log:"; tail -n 15 "$SLURM_STATE/$log"; }; done
  fi
  [ -n "$SLURM_ADDED_HOST" ] && sed -i "\|^127.0.0.1 $SLURM_HOST # latent-lab slurm test\$|d" /etc/hosts
  [ -n "$SLURM_STATE" ] && rm -rf "$SLURM_STATE"
  SLURM_PIDS=(); SLURM_STATE=""; SLURM_ADDED_HOST=""
  return 0
}
