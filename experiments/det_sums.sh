#!/bin/sh
# experiments/det_sums.sh DIR - "sha256  name" of every CSV in DIR whose JSON sidecar says
# "deterministic": true, sorted by name (the reference list of make results-check); a CSV
# kept gzipped (X.csv.gz, make results SCALE=paper) is summed uncompressed, and a damaged
# one stops the list (exit 1). Files of optional reference runs (sidecar "reference_run":
# E13's BSE.py side by side, made only when BSE.py's folder is given) are left out.
set -eu
cd "$1"
list=$(for j in *.json; do
  [ -f "$j" ] || continue
  c=${j%.json}.csv
  [ -f "$c" ] || [ -f "$c.gz" ] || continue
  grep -q '"reference_run"' "$j" && continue
  grep -Eq '"deterministic"[[:space:]]*:[[:space:]]*true' "$j" || continue
  if [ -f "$c" ]; then
    sha256sum "$c"
  else
    gzip -t "$c.gz" 2>/dev/null || { echo "det_sums: $1/$c.gz is damaged" >&2; exit 1; }
    echo "$(gzip -dc "$c.gz" | sha256sum | cut -d' ' -f1)  $c"
  fi
done) || exit 1
[ -z "$list" ] || printf '%s\n' "$list" | sort -k2
