#!/bin/sh
# tests/net/bench_sync.sh BIN - make bench's sync figure: a node over a data
# directory of N testnet blocks (mined first, 3 chains), and an empty node given it
# as its one seed peer, on 127.0.0.1; the time until the new node names the same
# tips on every chain. Prints "net_sync_blocks_per_s VALUE blocks/s" (blocks =
# the sum of the chains' best heights, each verified by the new node: sessions
# re-run, signatures, ledger).
set -eu
BIN=${1:-bin}
N=${NET_BENCH_BLOCKS:-120}
W=$(mktemp -d /tmp/bse-netbench.XXXXXX)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/net/lib.sh"
trap 'kill_all; rm -rf "$W"' EXIT INT TERM
P=$(( 20000 + ($$ * 11) % 30000 ))
"$BIN/pouw" mine --data "$W/src" --testnet --policy random --seed 1 --blocks "$N" --threads 1 >/dev/null 2>&1
start_node src "$P"
sleep 0.5
t0=$(now_s)
start_node dst $((P + 1)) --peer "127.0.0.1:$P"
wait_converged 120 src dst || { echo "net_sync_blocks_per_s 0 blocks/s (did not sync)"; exit 0; }
t1=$(now_s)
echo "net_sync_blocks_per_s $(echo "$(heights dst) / ($t1 - $t0)" | bc -l | awk '{printf "%.1f", $1}') blocks/s"
