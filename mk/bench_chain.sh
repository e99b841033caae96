#!/bin/sh
# mk/bench_chain.sh BIN - figures of the shared block store (chain/store.h), one
# "name value unit" per line (make bench runs this after mk/bench_pouw.sh):
#   store_load_blocks_per_s           opening a stored chain: every block read and
#                                     verified (one attempt's sessions each)
#   store_verify_ms_per_block         the verification part of that, per block
#   store_reload_cached_blocks_per_s  reading every block file again with the
#                                     verdicts cached (what a refresh costs per block)
#   store_add_ms_per_block            storing a verified block under the writers'
#                                     protocol: flock, re-check (readdir), block file
#                                     (temp, fsync, rename, fsync of the folder), fork
#                                     choice, tip file (the same), unlock
#   store_plain_write_ms_per_block    the block file alone (temp, fsync, rename)
#   store_lock_write_extra_ms         what the protocol adds per block
# The chain is TestAlphaCoin (60-second sessions), mined on a simulated clock; for
# the built-in chains a load verifies at 1/verify_s_<chain> blocks/s (bench_pouw).
# Figures are measured, never asserted. Usage: mk/bench_chain.sh bin
set -eu
BIN=${1:-bin}
CB="$BIN/chainbench"
[ -x "$CB" ] || { echo "bench_chain: $CB not built (make all)" >&2; exit 2; }
echo "# store bench folder: ${TMPDIR:-/tmp} on $(stat -f -c %T "${TMPDIR:-/tmp}") (fsync costs depend on it)"
"$CB" store --blocks 300 --threads 1
