#!/bin/sh
# mk/bench_chain.sh BIN - figures of the shared block store (chain/store.h), one
# "name value unit" per line (make bench runs this after mk/bench_pouw.sh):
#   store_blocks                      blocks in the measured chain (1000 + genesis)
#   store_status_ms                   what `chain status` reads on it: open DIR/chains.db
#                                     read-only, the tip, counts by verdict, the tip
#                                     block (readers trust stored verdicts: nothing is
#                                     verified; milliseconds whatever the length)
#   store_verify_all_ms_per_block     `chain verify`: every block re-judged from scratch
#   store_add_ms_per_block            offering a block to a fresh store: precheck,
#                                     verify, one write transaction (insert, ledger
#                                     differences, fork choice, best chain, mempool)
#   store_write_ms_per_block          the same with a verifier that trusts: the write
#                                     transaction alone (WAL commit)
# The chain is TestAlphaCoin (60-second sessions), mined on a simulated clock; for
# the built-in chains a load verifies at 1/verify_s_<chain> blocks/s (bench_pouw).
# Figures are measured, never asserted. Usage: mk/bench_chain.sh bin
set -eu
BIN=${1:-bin}
CB="$BIN/chainbench"
[ -x "$CB" ] || { echo "bench_chain: $CB not built (make all)" >&2; exit 2; }
echo "# store bench folder: ${TMPDIR:-/tmp} on $(stat -f -c %T "${TMPDIR:-/tmp}") (commit costs depend on it)"
"$CB" store --blocks 1000 --threads 1
