#!/bin/sh
# experiments/det_sums.sh DIR - "sha256  name" of every CSV in DIR whose JSON sidecar says
# "deterministic": true, sorted by name (the reference list of make results-check); files of
# optional reference runs (sidecar "reference_run": E13's BSE.py side by side, made only
# when BSE.py's folder is given) are left out.
set -eu
cd "$1"
for j in *.json; do
  [ -f "$j" ] || continue
  c=${j%.json}.csv
  [ -f "$c" ] || continue
  grep -q '"reference_run"' "$j" && continue
  grep -Eq '"deterministic"[[:space:]]*:[[:space:]]*true' "$j" && sha256sum "$c"
done | sort -k2
