#!/bin/sh
# tests/experiments/run.sh BIN - the experiment drivers' contract, run by `make check`
# (mk/experiments.mk): tiny runs of every driver, bad input (unknown scale, inverted seed
# range, unusable --out: one line, exit 2, no CSV left), two runs give the same
# deterministic CSVs, and `mpirun -np 2` gives the same bytes as one process (skipped
# under sanitizers, SAN set).
set -u
BIN=$1
T=$(mktemp -d /tmp/exp_test_XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "check-experiments: FAIL: $*" >&2; exit 1; }
ok() { echo "check-experiments: ok: $*"; }

# --- bad input: one stderr line, exit 2, nothing written
for prog in e1_landscape e2_learning e3_difficulty e4_grinding e5_binding e6_lazy e7_verify_cost e8_determinism e13_fidelity e14_speed; do
  [ -x "$BIN/$prog" ] || continue
  sub=""; [ "$prog" = e8_determinism ] && sub=digests
  for args in "--scale huge" "--seeds 9:3" "--seeds 4:4" "--seeds x:3"; do
    mkdir -p "$T/bad"
    # shellcheck disable=SC2086
    "$BIN/$prog" $sub $args --out "$T/bad" >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 2 ] || fail "$prog $args: exit $rc, expected 2"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "$prog $args: expected one stderr line, got: $(cat "$T/err")"
    [ -z "$(ls "$T/bad")" ] || fail "$prog $args: left files: $(ls "$T/bad")"
  done
  : >"$T/file"
  "$BIN/$prog" $sub --out "$T/file/sub" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 2 ] || fail "$prog --out under a file: exit $rc, expected 2"
  [ "$(wc -l <"$T/err")" = 1 ] || fail "$prog unusable --out: expected one line, got: $(cat "$T/err")"
  ok "$prog refuses bad input with one line and exit 2"
done

# --- tiny runs: twice the same bytes; mpirun -np 2 the same bytes
run_e1() { "$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads "$2" --out "$1" >/dev/null; }
run_e1 "$T/a" 1 || fail "e1 run a"
run_e1 "$T/b" 2 || fail "e1 run b"
for f in pps_distribution.csv pps_regression.csv; do
  [ -s "$T/a/$f" ] && [ -s "$T/a/${f%.csv}.json" ] || fail "e1: $f or its sidecar missing"
  cmp -s "$T/a/$f" "$T/b/$f" || fail "e1: $f differs between 1 and 2 threads"
done
ok "e1 tiny run: same bytes with 1 and 2 threads, sidecars written"
if [ -z "${SAN:-}" ] && command -v mpirun >/dev/null 2>&1; then
  mpirun --allow-run-as-root --oversubscribe -np 2 "$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads 1 \
    --out "$T/m" >/dev/null 2>"$T/mpierr" || fail "e1 under mpirun: $(cat "$T/mpierr")"
  for f in pps_distribution.csv pps_regression.csv; do
    cmp -s "$T/a/$f" "$T/m/$f" || fail "e1: $f differs under mpirun -np 2"
  done
  ok "e1 under mpirun -np 2: the same bytes as one process"
else
  ok "mpirun check skipped (sanitizer build or no mpirun)"
fi
if [ -x tests/experiments/more.sh ]; then tests/experiments/more.sh "$BIN" "$T" || exit 1; fi
exit 0
