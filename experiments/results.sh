#!/bin/sh
# experiments/results.sh SCALE OUT BIN MPI E8BUILD... - `make results` (mk/results.mk):
# every experiment driver at the scale into OUT, in dependency order (E3 and E4 read E1's
# CSV), then OUT/README.md by experiments/make_readme.py. MPI=K (non-empty) runs the sweep
# drivers under mpirun -np K; BSEPY=DIR (a folder holding BSE.py) adds E13's side-by-side run
# and E14's timing of BSE.py on this machine;
# LIQUIBOOK_REPLAY=BIN (set by mk/results.mk from LIQUIBOOK=DIR) adds E14's liquibook columns. At the quick scale it also writes OUT/quick.sha256, the
# SHA-256 of every deterministic CSV (the reference of `make results-check`).
# A failing driver stops the run (its CSV is never half-written; earlier ones stay).
set -eu
SCALE=$1; OUT=$2; BIN=$3; MPI=$4; shift 4
case "$SCALE" in quick|paper) ;; *) echo "make results: SCALE must be quick or paper, got $SCALE" >&2; exit 2;; esac
mkdir -p "$OUT"
T0=$(date +%s)
sweep() { # a sweep driver, under mpirun when asked
  if [ -n "$MPI" ]; then mpirun --allow-run-as-root --oversubscribe -np "$MPI" "$BIN/$@"; else "$BIN/$@"; fi
}
# At the paper scale (hours) each sweep keeps its finished items in OUT/.checkpoints/NAME
# (--checkpoint): a run stopped part-way - killed, out of time on a batch queue - and
# started again resumes where it was, to the same bytes (the drivers already done read
# their items back in seconds). The checkpoints go when the whole run has ended well; one
# left by other code is refused with a one-line error saying to delete it.
# SHARDS=DIR (paper scale): the finished items of earlier runs of other seed ranges, kept as
# DIR/NAME/*.ckpt.gz (results/shards/ holds the committed ones), are reused (--reuse) instead
# of computed again: the CSVs are the same bytes, and only the missing items are computed.
sweep_ck() { # NAME DRIVER ARGS...
  n=$1; shift
  if [ "$SCALE" = paper ]; then
    mkdir -p "$OUT/.checkpoints"
    reuse=""
    if [ -n "${SHARDS:-}" ]; then
      for f in "$SHARDS/$n"/*.ckpt.gz; do
        [ -f "$f" ] || continue
        case "$f" in *,*) echo "make results: SHARDS: a comma in $f (--reuse takes a comma-separated list)" >&2; exit 2;; esac
        reuse="${reuse:+$reuse,}$f"
      done
    fi
    sweep "$@" --checkpoint "$OUT/.checkpoints/$n" ${reuse:+--reuse "$reuse"}
  else
    sweep "$@"
  fi
}
step() { echo "results: $* ($(($(date +%s) - T0)) s)"; }
step "E1 PPS landscape";        sweep_ck e1 e1_landscape --scale "$SCALE" --out "$OUT"
# E4's v1-style rows (version 1's environments, whose costs differ) and per-height rows (the
# market drawn from the height) at the paper scale only: the quick scale's 20 minutes have no
# room for more E1 runs. These two comparison arms run at 20,000 attempts per chain template
# (a fifth of E1's 100,000: about 2 hours of 2 cores each instead of 9); the per-height arm
# over 1,000 heights of 20 attempts (the quick scale's 20 per height, ten times the heights).
# --seeds 0:100000 (and --heights) on the two lines below give the full size.
V1=""; HT=""
if [ "$SCALE" = paper ]; then
  step "E1 v1-style environments"; sweep_ck e1_v1 e1_landscape --environments v1 --scale "$SCALE" --seeds 0:20000 --out "$OUT"
  step "E1 per-height environments"; sweep_ck e1_height e1_landscape --environments per-height --heights 1000 --scale "$SCALE" --seeds 0:20000 --out "$OUT"
  V1="$OUT/pps_distribution_v1.csv"; HT="$OUT/pps_distribution_height.csv"
fi
step "E3 difficulty";           "$BIN/e3_difficulty" --scale "$SCALE" --out "$OUT"
step "E4 grinding";             "$BIN/e4_grinding" --scale "$SCALE" --out "$OUT" ${V1:+--in-v1 "$V1"} ${HT:+--in-height "$HT"}
step "E2 usefulness";           sweep_ck e2 e2_learning --scale "$SCALE" --out "$OUT"
step "E5 binding";              "$BIN/e5_binding" --scale "$SCALE" --out "$OUT"
step "E6 lazy miner";           "$BIN/e6_lazy" --scale "$SCALE" --out "$OUT"
step "E7 verification cost";    "$BIN/e7_verify_cost" --scale "$SCALE" --out "$OUT"
step "E8 determinism matrix";   "$BIN/e8_determinism" matrix --scale "$SCALE" --out "$OUT" "$@"
step "E9 fairness";             sweep_ck e9 e9_fairness --scale "$SCALE" --out "$OUT"
step "E10 retargeting";         sweep_ck e10 e10_retarget --scale "$SCALE" --out "$OUT"
step "E11 withholding";        sweep_ck e11 e11_selfish --scale "$SCALE" --out "$OUT"
step "E12 economy";             sweep_ck e12 e12_economy --scale "$SCALE" --out "$OUT"
step "Economy reference run";   rm -rf "$OUT/.econ-seed000" &&
  "$BIN/econ" sim experiments/configs/economy-seed000.json --out "$OUT/.econ-seed000" --threads 2 --quiet &&
  cp "$OUT/.econ-seed000/run.json" "$OUT/economy_seed000_run.json" &&
  cp "$OUT/.econ-seed000/prices.csv" "$OUT/economy_seed000_prices.csv" && rm -rf "$OUT/.econ-seed000"
step "E13 engine fidelity";     sweep_ck e13 e13_fidelity --scale "$SCALE" --out "$OUT" ${BSEPY:+--bsepy "$BSEPY"}
step "E14 speed";               "$BIN/e14_speed" --scale "$SCALE" --out "$OUT" ${LIQUIBOOK_REPLAY:+--liquibook "$LIQUIBOOK_REPLAY"} ${BSEPY:+--bsepy "$BSEPY"}
if [ "$SCALE" = quick ]; then
  experiments/det_sums.sh "$OUT" > "$OUT/.quick.sha256.tmp" && mv "$OUT/.quick.sha256.tmp" "$OUT/quick.sha256"
fi
step "results/README.md";       /usr/bin/python3 experiments/make_readme.py "$OUT"
# At the paper scale a CSV over 32 MiB (E1's: about 100 MB each at 100,000 attempts per
# chain) is kept gzipped, X.csv.gz beside its sidecar X.json (gzip -n: no name or time
# inside, so the same CSV gives the same .gz). Every reader takes either: the drivers
# (zlib), make_readme.py and the notebooks; a driver writing X.csv removes a stale X.csv.gz.
if [ "$SCALE" = paper ]; then
  for f in "$OUT"/*.csv; do
    [ -f "$f" ] && [ "$(wc -c < "$f")" -gt 33554432 ] && { step "gzip $(basename "$f")"; gzip -9nf "$f"; }
  done
fi
rm -rf "$OUT/.checkpoints"
step "done"
