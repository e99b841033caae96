#!/bin/sh
# make bench: speed figures, one per line as "name value unit", with the machine and
# the configuration. Python baselines come from shared/reference/bse_python_baseline.csv
# (BSE.py v1.91 under CPython 3.11.7 on this kind of machine); nothing here asserts a time.
# LIQUIBOOK_REPLAY=BIN (exported by mk/results.mk for make bench LIQUIBOOK=DIR) adds
# liquibook's figures on bsebench match's flow.
set -eu
BIN=${1:-bin}
G=tests/golden/manifest.json
BASE=../shared/reference/bse_python_baseline.csv
py() { # py ROW_TYPE CONFIG -> mean wall_s_session over the matching rows
  [ -f "$BASE" ] || { echo 0; return; }
  awk -F, -v r="$1" -v c="$2" '$1==r && $2==c {s+=$7; n++} END {if (n) printf "%.4f", s/n; else print 0}' "$BASE"
}
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "# compiler: $(${CC:-cc} --version | head -n1), OPT=${OPT:--O2}"
echo "# config: std-s0 = 40 buyers + 40 sellers (ZIC, ZIP, SHVR, GVWY x10 each side), 600 s, periodic 30 s, (50,150) fixed; median of repeated in-memory sessions"
"$BIN/bsebench" "$G" --case std-s0 --name bse_std600 --reps 41 --baseline "$(py mean standard)"
"$BIN/bsebench" "$G" --case std-s0 --name bse_std3600 --end-time 3600 --reps 9 --baseline "$(py mean large)"
"$BIN/bsebench" "$G" --case std-s0 --name bse_std600_lobs --lobs 1 --reps 21 --baseline "$(py timing_lobs standard)"
"$BIN/bsebench" "$G" --case adaptive-s5 --name bse_adaptive20000 --reps 3 --baseline 41.807
# exchange-mode matching engine, standard flow (bsebench --help); with LIQUIBOOK_REPLAY
# (make bench LIQUIBOOK=DIR, mk/results.mk) liquibook replays the same flow beside it
if [ -n "${LIQUIBOOK_REPLAY:-}" ] && [ -x "$LIQUIBOOK_REPLAY" ]; then
  fd=$(mktemp -d)
  "$BIN/bsebench" match --orders 1000000 --reps 7 --flow "$fd/flow.txt" >"$fd/match.txt"
  cat "$fd/match.txt"
  # "orders N trades T wall_s W cpu_s C ..." -> figures; ratio = engine / liquibook orders per wall second
  "$LIQUIBOOK_REPLAY" "$fd/flow.txt" --reps 7 | awk -v mw="$(awk '$1 == "match_wall_s" {print $2}' "$fd/match.txt")" '
    $1 == "orders" && $6 > 0 {
      printf "liquibook_orders_per_s %.0f orders/s (book::OrderBook, the same flow; median of %d replays)\n", $2 / $6, $10
      printf "liquibook_orders_per_cpu_s %.0f orders/s (thread CPU time)\n", $2 / $8
      printf "liquibook_fills_per_order %.3f fills/order (no self-trade prevention, no quote cap)\n", $4 / $2
      if (mw > 0) printf "match_vs_liquibook_x %.2f x (orders/s, wall)\n", $6 / mw
    }'
  rm -rf "$fd"
else
  "$BIN/bsebench" match --orders 1000000 --reps 7
fi
# whole program, one session, files written (process start, JSON parse, fsync'd outputs)
d=$(mktemp -d)
t0=$(date +%s.%N); "$BIN/bse" run "$G" --case std-s0 --out "$d" >/dev/null; t1=$(date +%s.%N)
echo "bse_run_std600_process_s $(echo "$t1 - $t0" | bc -l | awk '{printf "%.4f", $1}') s"
rm -rf "$d"
for extra in mk/bench_pouw.sh mk/bench_chain.sh; do
  [ -x "$extra" ] && "$extra" "$BIN"
done
[ -x tests/net/bench_sync.sh ] && tests/net/bench_sync.sh "$BIN" # networked nodes: a new node's sync, blocks/s
exit 0
