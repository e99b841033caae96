#!/bin/sh
# experiments/det_sums.sh DIR - "sha256  name" of every CSV in DIR whose JSON sidecar says
# "deterministic": true, sorted by name (the reference list of make results-check).
set -eu
cd "$1"
for j in *.json; do
  [ -f "$j" ] || continue
  c=${j%.json}.csv
  [ -f "$c" ] || continue
  grep -Eq '"deterministic"[[:space:]]*:[[:space:]]*true' "$j" && sha256sum "$c"
done | sort -k2
