#!/bin/sh
# make fuzz: links each tests/fuzz/fuzz_<name>.c against the libraries built with
# -fsanitize=fuzzer-no-link,address,undefined in BUILD, as a libFuzzer binary, and runs
# it for FUZZ_SECONDS (default 60) on a copy of its corpus. Crashes are left as
# crash-* files in BUILD/fuzz-run/<name>/; add each, renamed after what it found, to
# tests/fuzz/corpus_<name>/ so `make test` replays it as a regression.
set -eu
BUILD=${1:-build/fuzz}
secs=${FUZZ_SECONDS:-60}
libs=""
for m in experiments chain pouw bse common; do [ -f "$BUILD/lib$m.a" ] && libs="$libs $BUILD/lib$m.a"; done
pk=$(pkg-config --cflags --libs libcrypto gsl libcjson zlib)
# the chain library also needs the store (SQLite), the node (libuv) and the monitor (ncurses)
for extra in sqlite3 libuv ncurses; do pkg-config --exists $extra && pk="$pk $(pkg-config --libs $extra)"; done
status=0
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  out="$BUILD/fuzz-run/$name"; mkdir -p "$out/corpus"
  cp tests/fuzz/corpus_"$name"/* "$out/corpus/" 2>/dev/null || true
  clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined \
    -o "$out/fuzz_$name" "$src" $libs $pk -lcsv -lm -pthread
  echo "== fuzzing $name for ${secs}s"
  (cd "$out" && ./"fuzz_$name" -max_total_time="$secs" -max_len=65536 corpus) || status=1
done
exit $status
