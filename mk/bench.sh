#!/bin/sh
# make bench: speed figures, one per line as "name value unit", with the machine and
# the configuration. Python baselines come from shared/reference/bse_python_baseline.csv
# (BSE.py v1.91 under CPython 3.11.7 on this kind of machine); nothing here asserts a time.
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
"$BIN/bsebench" match --orders 1000000 --reps 7 # exchange-mode matching engine, standard flow (bsebench --help)
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
