#!/bin/sh
# experiments/results_check.sh OUT BIN MPI E8BUILD... - `make results-check`: re-runs the
# quick scale into a temporary folder and compares the SHA-256 of every deterministic CSV
# with OUT/quick.sha256 (written by `make results` at the quick scale and committed). The
# reference is always quick-scale, so the check is sound whether the committed CSVs are
# quick or paper scale; when they are quick scale they are also compared byte for byte.
set -u
OUT=$1; BIN=$2; MPI=$3; shift 3
REF="$OUT/quick.sha256"
[ -f "$REF" ] || { echo "results-check: $REF missing (run make results)" >&2; exit 1; }
T=$(mktemp -d /tmp/results_check_XXXXXX)
trap 'rm -rf "$T"' EXIT
experiments/results.sh quick "$T" "$BIN" "$MPI" "$@" >/dev/null || { echo "results-check: the quick run failed" >&2; exit 1; }
experiments/det_sums.sh "$T" > "$T/sums"
fail=0
if ! cmp -s "$REF" "$T/sums"; then
  echo "results-check: deterministic CSVs differ from $REF:" >&2
  diff "$REF" "$T/sums" >&2
  fail=1
fi
# committed CSVs of the quick scale: byte for byte too, when made from the same seeds (a
# committed file may hold more, e.g. E4's rows of v1-style and per-height E1 files that
# only the paper run makes: its sidecar's seeds say so, and it is left to the sums above)
seeds_of() { grep -E '^[[:space:]]*"seeds"[[:space:]]*:' "$1"; }
for j in "$T"/*.json; do
  n=$(basename "$j" .json)
  [ -f "$OUT/$n.json" ] && grep -Eq '"scale"[[:space:]]*:[[:space:]]*"quick"' "$OUT/$n.json" || continue
  grep -Eq '"deterministic"[[:space:]]*:[[:space:]]*true' "$j" || continue
  if [ "$(seeds_of "$j")" != "$(seeds_of "$OUT/$n.json")" ]; then
    echo "results-check: $OUT/$n.csv not compared byte for byte: its sidecar's seeds are not the quick run's (more inputs)"
    continue
  fi
  cmp -s "$T/$n.csv" "$OUT/$n.csv" || { echo "results-check: $OUT/$n.csv differs from a fresh quick run" >&2; fail=1; }
done
n=$(wc -l < "$T/sums")
[ $fail = 0 ] && echo "results-check: $n deterministic CSVs equal the quick-scale reference"
exit $fail
