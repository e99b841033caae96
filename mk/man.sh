#!/bin/sh
# mk/man.sh - one program's man page (section 1) from its --help and --version output,
# with Debian's help2man. Called by mk/install.mk: mk/man.sh PROG NAME-LINE VERSION OUT.
#   PROG       the built program (bin/bse)
#   NAME-LINE  the one-line description for the NAME section; empty: the program's own
#              summary (the first sentence of the paragraph after its usage lines)
#   VERSION    the version to print when PROG has no working --version yet
#   OUT        the page to write (build/man/bse.1); written whole or not at all
#
# The programs print "usage: prog ..." (or "Usage:") with continuation lines aligned under it; help2man
# only takes "Usage:" / "  or: " lines into SYNOPSIS, so help2man runs a wrapper named
# like the program that rewrites the usage block (the real output is otherwise unchanged).
set -eu
[ $# -eq 4 ] || { echo "usage: mk/man.sh PROG NAME-LINE VERSION OUT" >&2; exit 2; }
prog=$1 name=$2 fallback=$3 out=$4
command -v help2man >/dev/null 2>&1 || {
  echo "man.sh: help2man is missing: run make deps (mk/deps.d/install.txt)" >&2; exit 1; }
base=$(basename "$prog")
real=$(cd "$(dirname "$prog")" && pwd)/$base
tmp=$(mktemp -d "${TMPDIR:-/tmp}/man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The wrapper: --help output with its usage block rewritten for help2man; anything else
# passed through. A usage block is the first line when it starts with "usage:", and the
# indented lines after it: the first becomes "Usage: ...", each further line starting
# with the program name an "  or: ..." line, and any other line is joined to the one before.
cat >"$tmp/usage.awk" <<'EOF'
NR == 1 && /^[Uu]sage: / { sub(/^[Uu]sage: +/, ""); u[0] = $0; k = 1; inb = 1; next }
inb && (/^[ \t]*$/ || /^[^ \t]/) { flush(); inb = 0; print; next }
inb { s = $0; sub(/^[ \t]+/, "", s)
      if (index(s, p " ") == 1 || s == p) u[k++] = s; else u[k - 1] = u[k - 1] " " s
      next }
{ print }
END { if (inb) flush() }
function flush(i) { print "Usage: " u[0]; for (i = 1; i < k; i++) print "  or:  " u[i] }
EOF
cat >"$tmp/$base" <<EOF
#!/bin/sh
if [ "\$1" = --help ]; then "$real" --help | awk -v p="$base" -f "$tmp/usage.awk"; exit 0; fi
exec "$real" "\$@"
EOF
chmod +x "$tmp/$base"

# NAME: the summary line of the program's help (common/cli.h: usage, blank, summary),
# first letter lower-cased ("bse - runs ..."), without its final period.
if [ -z "$name" ]; then
  name=$("$real" --help 2>/dev/null | awk '
    !seen && /^[ \t]*$/ { seen = 1; next }
    seen && NF { s = s (s == "" ? "" : " ") $0; sub(/^[ \t]+/, "", s); next }
    seen && s != "" { exit }
    END { i = index(s, ". "); if (i) s = substr(s, 1, i - 1); sub(/\.$/, "", s)
          if (substr(s, 2, 1) ~ /[a-z]/) s = tolower(substr(s, 1, 1)) substr(s, 2)
          print s }')
  [ -n "$name" ] || name="a program of the BSE-PoUW toolkit"
fi

# --version: the program's own when it has one (exit 0, something on stdout), else the
# fallback, so a program without --version still gets its page.
set -- --no-info --section=1 --name="$name" --source="BSE-PoUW toolkit" --manual="BSE-PoUW toolkit"
if v=$("$real" --version 2>/dev/null) && [ -n "$v" ]; then :; else
  set -- "$@" --version-string="$fallback"
fi
# A reproducible date: the last commit's, when there is one.
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && t=$(git log -1 --format=%ct 2>/dev/null) && [ -n "$t" ]; then
  SOURCE_DATE_EPOCH=$t; export SOURCE_DATE_EPOCH
fi
mkdir -p "$(dirname "$out")"
help2man "$@" --output="$tmp/page.1" "$tmp/$base"
mv "$tmp/page.1" "$out"
