#!/bin/sh
# Determinism is consensus: builds with different compilers and optimisation levels
# must write the same bytes. Usage: mk/determinism.sh BINDIR... (at least two).
# Runs every golden case with each build, compares every output file across the
# builds and with the manifest's SHA-256, and (when the builds have bin/pouw) the
# PoUW digests of mk/determinism_pouw.sh and (with bin/econ) the CSVs of the small
# economy run. Prints "N passed, M failed".
set -u
[ $# -ge 2 ] || { echo "usage: $0 BINDIR BINDIR..." >&2; exit 2; }
G=tests/golden/manifest.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
i=0
for b in "$@"; do
  i=$((i + 1))
  mkdir -p "$work/$i"
  if ! "$b/bse" run "$G" --all --out "$work/$i" >/dev/null; then
    echo "determinism: $b/bse failed to run the golden cases" >&2; fail=$((fail + 1)); continue
  fi
  (cd "$work/$i" && sha256sum *.csv | sort -k2) > "$work/sums.$i"
  if [ -x mk/determinism_pouw.sh ] && [ -x "$b/pouw" ]; then
    mk/determinism_pouw.sh "$b" >> "$work/sums.$i" 2>/dev/null || { echo "determinism: pouw digests failed for $b" >&2; fail=$((fail + 1)); }
  fi
  # the agent economy: the small run's CSVs (floating-point valuations, the race, real mining)
  if [ -x "$b/econ" ]; then
    if "$b/econ" sim experiments/configs/economy-small.json --out "$work/econ.$i" --quiet >/dev/null 2>&1; then
      (cd "$work/econ.$i" && sha256sum *.csv | sed 's|  |  econ/|' | sort -k2) >> "$work/sums.$i"
    else
      echo "determinism: $b/econ sim failed" >&2; fail=$((fail + 1))
    fi
  fi
done
# each build against the first
for k in $(seq 2 $i); do
  if cmp -s "$work/sums.1" "$work/sums.$k"; then pass=$((pass + 1)); else
    echo "determinism: outputs of $1 and build $k differ:" >&2; diff "$work/sums.1" "$work/sums.$k" >&2 | head -20; fail=$((fail + 1)); fi
done
# the first against the manifest
python3 - "$G" "$work/sums.1" <<'PY' && pass=$((pass + 1)) || fail=$((fail + 1))
import json, sys
m = json.load(open(sys.argv[1]))
want = {f: v["sha256"] for c in m["cases"] for f, v in c["files"].items()}
got = {}
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) == 2 and parts[1].endswith(".csv"):
        got[parts[1]] = parts[0]
bad = [f for f in want if got.get(f) != want[f]]
if bad:
    print("determinism: differs from BSE.py:", " ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
echo "determinism: $# builds ($*), $(grep -c csv "$work/sums.1") files each"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
