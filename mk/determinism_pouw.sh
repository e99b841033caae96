#!/bin/sh
# PoUW part of the determinism check: with a fixed key and a fixed clock, mining two
# AlphaCoin blocks must give the same block files on every honest build. Prints
# "sha256  file" lines (the caller compares them across builds).
set -eu
B=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/keys"
printf 'ed25519-private %s\nlabel determinism\n' \
  9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60 > "$d/keys/det.key"
chmod 600 "$d/keys/det.key"
"$B/pouw" mine --data "$d/data" --chain alpha --blocks 2 --key "$d/keys/det.key" \
  --time-ms 1767225600000 --threads 2 >/dev/null
# the blocks live in DIR/chains.db: chain export writes each as its document file
"$B/chain" export --data "$d/data" --chain alpha --out "$d/out" >/dev/null
(cd "$d/out/alpha" && sha256sum * | sed 's/$/ (pouw)/')
