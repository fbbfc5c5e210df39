# Sourced by the evidence scripts (evidence*.sh, ablations.sh).
# prepare_out OUT: creates OUT and builds dist/ (the CLI every run uses).
prepare_out() { mkdir -p "$1"; node scripts/build.mjs; }

# run_once OUT NAME [train flags...]: trains examples/evidence/NAME.experiment.yaml into OUT/NAME
# (its output in OUT/NAME.log) unless OUT/NAME.done says it finished; an unfinished one starts again.
run_once() {
  local out=$1 name=$2; shift 2
  [ -f "$out/$name.done" ] && return 0
  rm -rf "${out:?}/$name"
  node dist/cli.js train "examples/evidence/$name.experiment.yaml" --out "$out/$name" --quiet "$@" > "$out/$name.log" 2>&1 \
    || { tail -20 "$out/$name.log" >&2; echo "$name failed (log: $out/$name.log)" >&2; return 1; }
  touch "$out/$name.done"
}
