#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages this toolkit builds with.
# Called by `make deps`, and by `make`, `make test` and `make demo` when something is missing.
# Usage: mk/deps.sh [--check]   --check: exit 1 if anything is missing, install nothing.
set -u
PKGS="build-essential pkg-config clang bc openssl libssl-dev libgsl-dev libcjson-dev libcsv-dev libcriterion-dev"
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
