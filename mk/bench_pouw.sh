#!/bin/sh
# mk/bench_pouw.sh BIN - BSE-PoUW speed figures, one "name value unit" per line:
#   prehash_per_s                 pre-hashes per second on one core (midstate nonce search)
#   openssl_speed_sha256_184B     `openssl speed -evp sha256 -bytes 184` in hashes/s
#   prehash_vs_openssl            their ratio (goal >= 0.9)
#   attempts_per_s_<chain>        attempts per second (one core) for the chain's template
#   verify_s_<chain>              seconds to verify a block (its genesis): one attempt
#   expected_mine_s_<chain>       expected seconds to mine a block on one core:
#                                 (attempt time + pre-hash gate time) x design attempts
#                                 per block (chain/params.h CHAIN_DESIGN_ATTEMPTS)
#   mine_vs_verify_<chain>        expected mining time / verification time
#   junk_reject_s_<chain>         seconds to reject a copy with a wrong pre-hash and 100,000
#                                 junk transfers (spec s11.7: the size before parsing), and
#   junk_vs_verify_<chain>        that time as a fraction of verify_s (goal < 0.01)
# Needs BIN/pouwbench and, for the comparison, the openssl command. Figures are
# measured, never asserted. Usage: mk/bench_pouw.sh bin
set -eu
BIN=${1:-bin}
PB="$BIN/pouwbench"
[ -x "$PB" ] || { echo "bench_pouw: $PB not built (make all)" >&2; exit 2; }

pre=$("$PB" prehash --seconds 1 | awk '$1 == "prehash_per_s" {print $2}')
echo "prehash_per_s $pre hashes/s"
if command -v openssl >/dev/null 2>&1; then
    # last line: "sha256  493067.59k" (1000s of bytes per second for 184-byte inputs)
    kb=$(openssl speed -evp sha256 -bytes 184 -seconds 1 2>/dev/null | tail -n 1 | awk '{v=$NF; sub(/k$/, "", v); print v}')
    ossl=$(awk -v kb="$kb" 'BEGIN {printf "%.0f", kb * 1000 / 184}')
    echo "openssl_speed_sha256_184B $ossl hashes/s"
    awk -v a="$pre" -v b="$ossl" 'BEGIN {if (b > 0) printf "prehash_vs_openssl %.3f x\n", a / b}'
else
    echo "bench_pouw: openssl not found; skipping the comparison" >&2
fi

for chain in alpha bravo charlie; do
    out=$("$PB" attempts --chain "$chain" --attempts 12 --threads 1)
    aps=$(echo "$out" | awk '$1 ~ /^attempts_per_s_/ {print $2}')
    ats=$(echo "$out" | awk '$1 ~ /^attempt_s_/ {print $2}')
    gate=$(echo "$out" | awk '$1 ~ /^prehash_gate_tries_/ {print $2}')
    per=$(echo "$out" | awk '$1 ~ /^design_attempts_per_block_/ {print $2}')
    vout=$("$PB" verify --chain "$chain" --threads 1)
    ver=$(echo "$vout" | awk '$1 ~ /^verify_s_/ {print $2}')
    echo "attempts_per_s_$chain $aps attempts/s"
    echo "verify_s_$chain $ver s"
    echo "$vout" | awk '$1 ~ /^junk_/'
    awk -v at="$ats" -v g="$gate" -v pre="$pre" -v n="$per" -v v="$ver" -v c="$chain" 'BEGIN {
        mine = (at + g / pre) * n
        printf "expected_mine_s_%s %.3f s\n", c, mine
        if (v > 0) printf "mine_vs_verify_%s %.1f x\n", c, mine / v
    }'
done
