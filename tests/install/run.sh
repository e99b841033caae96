#!/bin/sh
# tests/install/run.sh - `make install` as a researcher meets it: a staged install
# (DESTDIR), a program of their own (session_demo.c) built only from the installed tree
# with the installed pkg-config file, one golden BSE session through it, the man pages,
# every installed header compiled alone, then `make uninstall` leaving nothing behind.
# Run by `make check` (check-install, builds without SAN) or by hand from the top folder:
#   tests/install/run.sh        (MAKE, BUILD, BIN, CC as for make; defaults make/build/bin/cc)
# Prints one line per check and "N passed, M failed"; exits 1 when any check failed.
set -u
MAKE=${MAKE:-make} BUILD=${BUILD:-build} BIN=${BIN:-bin} CC=${CC:-cc}
top=$(pwd)
manifest=$top/tests/golden/manifest.json
case_id=std-s0
prefix=/usr/local
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bsepouw-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage work=$tmp/work
mkdir -p "$stage" "$work"
root=$stage$prefix
pcdir=$root/lib/pkgconfig
pass=0 fail=0
check() { # check NAME COMMAND...: one check; its output is shown when it fails
  name=$1; shift
  if "$@" >"$tmp/log" 2>&1; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name"; tail -n 20 "$tmp/log" | sed 's/^/     /'; fi
}
# pkg-config on the staged tree: the sysroot moves the .pc file's /usr/local paths into it.
pc() { PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage pkg-config "$@" bsepouw; }
STRICT="-std=c11 -Wall -Wextra -Werror -Wstrict-prototypes"

# --- the install ------------------------------------------------------------------------
check "make install DESTDIR=\$tmp PREFIX=$prefix" \
  "$MAKE" --no-print-directory -f mk/build.mk install DESTDIR="$stage" PREFIX="$prefix"

progs=$(cd "$BIN" && ls)
installed_all() {
  r=0
  for p in $progs; do
    [ -x "$root/bin/$p" ] || { echo "missing bin/$p"; r=1; }
    [ -f "$root/share/man/man1/$p.1" ] || { echo "missing share/man/man1/$p.1"; r=1; }
  done
  for a in "$BUILD"/lib*.a; do [ -f "$root/lib/${a##*/}" ] || { echo "missing lib/${a##*/}"; r=1; }; done
  for a in "$BUILD"/lib*.a; do
    m=${a##*/lib}; m=${m%.a}
    for h in "$m"/*.h "$m"/*/*.h; do [ -f "$h" ] || continue
      [ -f "$root/include/bsepouw/$h" ] || { echo "missing include/bsepouw/$h"; r=1; }; done
  done
  [ -f "$pcdir/bsepouw.pc" ] || { echo "missing lib/pkgconfig/bsepouw.pc"; r=1; }
  return $r
}
check "programs, libraries, headers, man pages and bsepouw.pc are installed" installed_all

pc_says_prefix() {
  grep -qx "prefix=$prefix" "$pcdir/bsepouw.pc" || { echo "no prefix=$prefix line"; return 1; }
  ! grep -n "$stage" "$pcdir/bsepouw.pc"
}
check "bsepouw.pc names PREFIX, not DESTDIR" pc_says_prefix
check "pkg-config --modversion bsepouw" pc --modversion

# --- a researcher's own program, built from the installed tree only -------------------------
# In its own folder (no -I. reaching the sources), with every warning an error.
cp "$top/tests/install/session_demo.c" "$work/"
build_demo() { # build_demo OUT PKG-CONFIG-ARGS...
  out=$1; shift
  flags=$("$@") || return 1
  echo "$CC $STRICT session_demo.c $flags"
  case " $flags " in *" -I$root/include/bsepouw "*) ;; *) echo "cflags miss the staged include folder"; return 1;; esac
  (cd "$work" && $CC $STRICT -o "$out" session_demo.c $flags)
}
check "session_demo builds with \$(pkg-config --cflags --libs bsepouw)" build_demo demo pc --cflags --libs
defvar() { PKG_CONFIG_PATH=$pcdir pkg-config --define-variable=prefix="$root" "$@" bsepouw; }
check "session_demo builds with --static --define-variable=prefix=\$DESTDIR\$PREFIX" \
  build_demo demo-static defvar --static --cflags --libs

golden_sha() {
  python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
c = [c for c in m["cases"] if c["case_id"] == sys.argv[2]][0]
print(c["files"][sys.argv[2] + "_tape.csv"]["sha256"])' "$manifest" "$case_id"
}
want=$(golden_sha)
run_demo() { # run_demo BINARY: one golden session; its tape digest and file match the manifest
  rm -rf "$work/out.$1" && mkdir -p "$work/out.$1"
  line=$("$work/$1" "$manifest" "$case_id" "$work/out.$1") || return 1
  echo "$line"
  got=${line##* }
  [ "$got" = "$want" ] || { echo "tape sha256 $got, manifest $want"; return 1; }
  file=$(sha256sum "$work/out.$1/${case_id}_tape.csv" | cut -d' ' -f1)
  [ "$file" = "$want" ] || { echo "tape file sha256 $file, manifest $want"; return 1; }
}
check "session_demo runs $case_id: tape sha256 equals the manifest's" run_demo demo
check "the --static build gives the same tape" run_demo demo-static

# --- man pages --------------------------------------------------------------------------
man_page() { # man_page PROG: man -l shows NAME (with PROG) and SYNOPSIS (with PROG)
  text=$(MANWIDTH=80 LC_ALL=C man -P cat -l "$root/share/man/man1/$1.1" 2>&1) || { echo "$text"; return 1; }
  echo "$text" | head -n 12
  echo "$text" | grep -q '^NAME' || return 1
  echo "$text" | sed -n '/^NAME/{n;p;}' | grep -q "^ *$1 \+- " || { echo "NAME lacks '$1 - '"; return 1; }
  echo "$text" | grep -q '^SYNOPSIS' || return 1
  echo "$text" | sed -n '/^SYNOPSIS/{n;p;}' | grep -q "^ *$1 " || { echo "SYNOPSIS lacks '$1 ...'"; return 1; }
}
for p in $progs; do check "man -l share/man/man1/$p.1: NAME and SYNOPSIS" man_page "$p"; done

# --- every installed header alone (twice: its guard works), from the installed tree ----------
header_alone() {
  printf '#include "%s"\n#include "%s"\nint bsepouw_header_test(void);\nint bsepouw_header_test(void) { return 0; }\n' \
    "$1" "$1" >"$work/h.c"
  (cd "$work" && $CC $STRICT -fsyntax-only h.c $(pc --cflags))
}
for h in $(cd "$root/include/bsepouw" && ls */*.h */*/*.h 2>/dev/null); do check "header $h compiles alone" header_alone "$h"; done

# --- uninstall ----------------------------------------------------------------------------
nothing_left() {
  "$MAKE" --no-print-directory -f mk/build.mk uninstall DESTDIR="$stage" PREFIX="$prefix" || return 1
  left=$(find "$stage" -mindepth 1 ! -type d; find "$stage" -mindepth 1 -type d -name bsepouw)
  [ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
}
check "make uninstall removes every installed file" nothing_left

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
