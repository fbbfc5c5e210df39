#!/usr/bin/env bash
# The SLURM tests against a real SLURM: test/slurm/daemons.sh installs Debian's slurm-wlm
# and munge when missing and starts munged, slurmctld and slurmd (single node on this
# machine, config from test/slurm/slurm.conf.in, state in a temp folder, free ports);
# this runs out/test/slurm/*.test.js with mocha, and stops every daemon it started on
# exit (trap), whether the tests pass or fail. Needs root (slurmd launches the jobs):
# not root, or no SLURM and no apt-get to install it, it says why and skips (exit 0),
# unless LATENT_LAB_REQUIRE_SLURM=1 (scripts/test-all.sh, CI), where that fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=test/slurm/daemons.sh
source test/slurm/daemons.sh

rc=0; reason=$(slurm_skip_reason) || rc=$?
case $rc in
  0) echo "[slurm-test] SKIPPED: $reason"; exit 0;;
  2) exit 1;;
esac

cleanup() {
  local rc=$?
  trap - EXIT
  slurm_stop "$rc"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -f out/test/slurm/slurm.test.js ] && [ -f dist/cli.js ] || node scripts/build.mjs --tests
slurm_start

npx mocha --no-config --exit --timeout 600000 'out/test/slurm/**/*.test.js'
