#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages this toolkit builds and tests
# with: every package named in mk/deps.d/*.txt (one per line, '#' comments), one file per
# part of the toolkit so each says why its packages are there.
# Called by `make deps`, and by every other make goal before the build is parsed.
# Usage: mk/deps.sh [--check]   --check: exit 1 if anything is missing, install nothing.
set -u
here=$(dirname "$0")
PKGS=$(cat "$here"/deps.d/*.txt | sed 's/#.*//' | tr -s ' \t' '\n\n' | grep -v '^$' | sort -u)
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
[ "${1:-}" = "--check" ] && exit 1
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >&2 || {
    echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
else
  echo "deps: missing Debian packages:$missing" >&2
  echo "deps: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
