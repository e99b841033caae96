#!/bin/sh
# make demo: the first thing a newcomer runs. Runs the standard BSE market session
# (case std-s0) and prints its summary; then, with bin/pouw, mines a few verified
# blocks on each of the three chains in a fresh data directory and shows them.
set -eu
BIN=${1:-bin}
G=tests/golden/manifest.json
out=$(mktemp -d "${TMPDIR:-/tmp}/bse-demo.XXXXXX")
echo "== BSE market session std-s0 (40+40 traders: ZIC, ZIP, SHVR, GVWY; 600 s) -> $out/session"
"$BIN/bse" run "$G" --case std-s0 --out "$out/session" --summary
ls -l "$out/session" | tail -n +2 | awk '{print "   " $NF " (" $5 " bytes)"}'
if [ -x "$BIN/pouw" ]; then
  data="$out/chains"
  n=${DEMO_BLOCKS:-3}
  for c in alpha bravo charlie; do
    echo "== mining $n blocks on $c -> $data"
    "$BIN/pouw" mine --data "$data" --chain "$c" --blocks "$n"
  done
  for c in alpha bravo charlie; do
    echo "== verifying $c from genesis"
    "$BIN/pouw" verify-chain --data "$data" --chain "$c"
  done
  [ -x "$BIN/chain" ] && "$BIN/chain" status --data "$data" || true
fi
echo "== demo outputs are in $out"
