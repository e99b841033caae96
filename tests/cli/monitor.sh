#!/bin/bash
# tests/cli/monitor.sh BINDIR - `chain monitor` end to end: its --json snapshot's "chains"
# is exactly `chain status --json`'s, DIR/economy.json is shown (and a malformed one is
# "none" with a reason, never an error), the plain-text snapshot off a terminal, usage
# errors; and the live ncurses view in a detached tmux session: it refreshes while a
# miner adds blocks, shows the economy's trades, and q or Ctrl-C quit it with the
# terminal restored. Prints "N passed, M failed" last; exits 1 when anything failed.
set -u
BIN=$(cd "${1:-bin}" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/monitor-test.XXXXXX")
SOCK="$T/tmux.sock"
cleanup() {
  [ -S "$SOCK" ] && tmux -S "$SOCK" kill-server >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*" >&2
  [ -s "$T/err" ] && sed 's/^/  stderr: /' "$T/err" | head -5 >&2
}
run() {
  "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
}
lines() { wc -l <"$1" | tr -d ' '; }
PY=/usr/bin/python3

# ------------------------------------------------------------------ a data directory
D="$T/d"
mkdir -p "$D/keys"
"$BIN/chain" keygen "$T/m.key" --label miner-one >/dev/null 2>&1 && cp "$T/m.key" "$D/keys/m.key" && ok ||
  bad "chain keygen"
"$BIN/pouw" mine --data "$D" --testnet --chain alpha --blocks 2 --key "$T/m.key" >/dev/null 2>"$T/err" && ok ||
  bad "pouw mine --testnet --chain alpha --blocks 2"
"$BIN/pouw" mine --data "$D" --testnet --chain bravo --blocks 1 --key "$T/m.key" >/dev/null 2>&1 && ok ||
  bad "pouw mine --testnet --chain bravo"

economy() { # economy FILE: a hand-written snapshot of the economy runner (chain/report.h)
  cat >"$1" <<'EOF'
{"version": 1, "run": "sim", "t": 3600, "duration": 86400,
 "pairs": {"BRAVO/ALPHA": {"last": 10012, "bids": [[10010, 2500000], [10005, 1000000]],
                           "asks": [[10015, 3000000]], "closes": [9990, 10000, 10020, 10012, 9980, 10050],
                           "volume": 123400000},
           "CHARLIE/ALPHA": {"last": null, "bids": [], "asks": [[9900, 1000000]], "closes": [], "volume": 0},
           "CHARLIE/BRAVO": {"last": 9950, "bids": [[9940, 1000000]], "asks": [], "closes": [9950], "volume": 1000000}},
 "trades": [[3500, "BRAVO/ALPHA", 10000, 2000000, "greedy-1", "balancer-2"],
            [3590, "BRAVO/ALPHA", 10012, 1500000, "random-3", "greedy-1"]],
 "top": [{"agent": "greedy-1", "value": 1234.5678, "ALPHA": 500000000, "BRAVO": 400000000, "CHARLIE": 330000000},
         {"agent": "random-3", "value": 999.5, "ALPHA": 999500000}],
 "custody_ok": true}
EOF
}
economy "$D/economy.json.tmp" && mv "$D/economy.json.tmp" "$D/economy.json"

# ------------------------------------------------------------------ --json snapshot
run "$BIN/chain" monitor --data "$D" --testnet --json
[ "$rc" = 0 ] && [ ! -s "$T/err" ] && ok || bad "chain monitor --json: exit $rc"
cp "$T/out" "$T/mon.json"
run "$BIN/chain" status --data "$D" --testnet --json
cp "$T/out" "$T/status.json"
$PY - "$T/mon.json" "$T/status.json" "$D/economy.json" <<'PY' && ok || bad "monitor --json: chains differ from chain status --json, or economy not the file's"
import json, sys
m = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2])); e = json.load(open(sys.argv[3]))
assert m["chains"] == s["chains"], "chains"
assert m["economy"] == e, "economy"
r = m["recent"]["test-alpha"]
assert r["height"] == 2 and r["blocks"][0]["height"] == 2 and r["blocks"][0]["post_bits"].startswith("0x")
assert "test-charlie" not in m["recent"]
PY
# the same bytes for the chains (one builder): compare the serialised member too
$PY -c 'import json,sys; a=json.load(open(sys.argv[1]))["chains"]; b=json.load(open(sys.argv[2]))["chains"]; sys.exit(0 if json.dumps(a)==json.dumps(b) else 1)' \
  "$T/mon.json" "$T/status.json" && ok || bad "chains serialise differently"

# ------------------------------------------------------------------ text snapshot (stdout not a terminal)
run "$BIN/chain" monitor --data "$D" --testnet
[ "$rc" = 0 ] && ok || bad "chain monitor (text): exit $rc"
grep -q '^test-alpha (TestAlphaCoin)  height 2 ' "$T/out" && ok || bad "text: no test-alpha height line: $(head -3 "$T/out")"
grep -q 'miner-one' "$T/out" && ok || bad "text: the miner's label is not shown"
grep -q '^  interval 0.[0-9]* s (mean of 1)  post_bits 0x[0-9a-f]\{8\}  threshold [0-9.]* (next [0-9.]*)$' "$T/out" && ok ||
  bad "text: no interval and difficulty line: $(sed -n 3p "$T/out")"
grep -q '^test-alpha (TestAlphaCoin)  height 2  coins [0-9]*\.[0-9]\{6\}  pending 0  largest: miner-one ' "$T/out" && ok ||
  bad "text: no largest balance"
grep -q '^test-charlie (TestCharlieCoin): absent' "$T/out" && ok || bad "text: absent chain"
grep -q '^economy sim  t 3600 s of 86400 s' "$T/out" && ok || bad "text: no economy line"
grep -q 'BRAVO/ALPHA .*bid 1.0010 x 2.50  ask 1.0015 x 3.00  spread 0.0005' "$T/out" && ok || bad "text: BRAVO/ALPHA book"
grep -q 'closes |[^|]\{6\}|' "$T/out" && ok || bad "text: no sparkline of 6 closes"
grep -q 'buyer random-3  seller greedy-1' "$T/out" && ok || bad "text: last trade"
grep -q '1. greedy-1 ' "$T/out" && ok || bad "text: top agent"
run "$BIN/chain" monitor --data "$D" --testnet
cp "$T/out" "$T/text1"
run "$BIN/chain" monitor --data "$D" --testnet
cmp -s "$T/out" "$T/text1" && ok || bad "text snapshot is not deterministic"

# ------------------------------------------------------------------ no, partial and malformed economy.json
rm -f "$D/economy.json"
run "$BIN/chain" monitor --data "$D" --testnet --json
[ "$rc" = 0 ] && [ ! -s "$T/err" ] && $PY -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["economy"] is None else 1)' "$T/out" &&
  ok || bad "no economy.json: exit $rc, economy not null"
run "$BIN/chain" monitor --data "$D" --testnet
grep -q '^economy: none$' "$T/out" && ok || bad "no economy.json: text has no \"economy: none\""
check_bad() { # check_bad NAME PATTERN: monitor exits 0, economy null, one stderr line matching PATTERN
  run "$BIN/chain" monitor --data "$D" --testnet --json
  if [ "$rc" != 0 ]; then bad "$1: exit $rc"; return; fi
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["economy"] is None and d["chains"] else 1)' "$T/out" ||
    { bad "$1: economy not null"; return; }
  [ "$(lines "$T/err")" = 1 ] && grep -q -- "$2" "$T/err" && ok || bad "$1: stderr: $(head -3 "$T/err")"
  run "$BIN/chain" monitor --data "$D" --testnet
  [ "$rc" = 0 ] && grep -q '^economy: none (' "$T/out" && ok || bad "$1: text: exit $rc, no reason"
}
economy "$T/full.json"
head -c 200 "$T/full.json" >"$D/economy.json"
check_bad "partial economy.json" "economy.json: not a whole JSON document"
printf '[1, 2]' >"$D/economy.json"
check_bad "economy.json an array" "expected a JSON object"
sed 's/"version": 1/"version": 2/' "$T/full.json" >"$D/economy.json"
check_bad "economy.json version 2" "version: unsupported"
sed 's/\[10005, 1000000\]/[10005, "lots"]/' "$T/full.json" >"$D/economy.json"
check_bad "economy.json bad level" 'pairs.BRAVO/ALPHA.bids\[1\]'
sed 's/"random-3", "greedy-1"\]/"random-3", 7]/' "$T/full.json" >"$D/economy.json"
check_bad "economy.json bad trade" 'trades\[1\]'
sed 's/"value": 999.5/"value": "much"/' "$T/full.json" >"$D/economy.json"
check_bad "economy.json bad top value" 'top\[1\].value'
sed 's/"pairs": {/"pairs": 3, "x": {/' "$T/full.json" >"$D/economy.json"
check_bad "economy.json pairs not an object" 'pairs: '
: >"$D/economy.json"
check_bad "empty economy.json" "not a whole JSON document"
rm -f "$D/economy.json"
mkdir "$D/economy.json"
check_bad "economy.json a folder" "economy.json"
rmdir "$D/economy.json"

# ------------------------------------------------------------------ usage and bad input
run "$BIN/chain" monitor --data "$T/no-such-dir" --json
[ "$rc" = 2 ] && [ "$(lines "$T/err")" = 1 ] && grep -q "no such data directory" "$T/err" && ok ||
  bad "nonexistent --data: exit $rc, $(lines "$T/err") stderr lines"
run "$BIN/chain" monitor --data "$T/no-such-dir"
[ "$rc" = 2 ] && [ "$(lines "$T/err")" = 1 ] && ok || bad "nonexistent --data (text): exit $rc"
run "$BIN/chain" monitor
[ "$rc" = 2 ] && [ "$(lines "$T/err")" = 1 ] && ok || bad "no --data: exit $rc"
run "$BIN/chain" monitor --data "$D" --interval 0
[ "$rc" = 2 ] && [ "$(lines "$T/err")" = 1 ] && ok || bad "--interval 0: exit $rc"
run "$BIN/chain" monitor --data "$D" --amount 3
[ "$rc" = 2 ] && [ "$(lines "$T/err")" = 1 ] && ok || bad "monitor --amount: exit $rc"
run "$BIN/chain" monitor --help
[ "$rc" = 0 ] && head -n1 "$T/out" | grep -q '^Usage: chain monitor ' && ok || bad "chain monitor --help"
mkdir -p "$T/empty"
run "$BIN/chain" monitor --data "$T/empty" --json
[ "$rc" = 0 ] && $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(c["absent"] for c in d["chains"]) and d["economy"] is None else 1)' "$T/out" &&
  ok || bad "empty data directory: exit $rc"

# ------------------------------------------------------------------ the live view (tmux)
if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIP: tmux not installed"
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
  exit
fi
economy "$D/economy.json"
tm() { tmux -S "$SOCK" "$@"; }
screen() { tm capture-pane -p -t "$1" 2>/dev/null; }
# wait_for SESSION PATTERN [TRIES]: until the pane shows PATTERN (0.1 s steps)
wait_for() {
  local i
  for i in $(seq "${3:-100}"); do
    screen "$1" | grep -q -- "$2" && return 0
    sleep 0.1
  done
  return 1
}
height_of() { screen "$1" | sed -n 's/^test-alpha (TestAlphaCoin)  height \([0-9]*\) .*/\1/p' | head -1; }
start() { # start SESSION: the monitor in a 120x40 terminal; the shell reports its exit code
  tm new-session -d -s "$1" -x 120 -y 40 \
    "'$BIN/chain' monitor --data '$D' --testnet --interval 0.2; echo MONITOR-EXITED rc=\$?; sleep 600"
}
start live
if ! wait_for live '^test-alpha (TestAlphaCoin)  height'; then
  bad "live view: nothing drawn: $(screen live | head -5)"
else
  ok
  h1=$(height_of live)
  [ "$(tm display -p -t live '#{alternate_on}')" = 1 ] && ok || bad "live view: not on the alternate screen"
  screen live | grep -q 'buyer random-3  seller greedy-1' && ok || bad "live view: no trades: $(screen live | tail -15)"
  screen live | grep -q 'BRAVO/ALPHA .*spread 0.0005' && ok || bad "live view: no book"
  screen live | grep -q 'q quits' && ok || bad "live view: no footer"
  "$BIN/pouw" mine --data "$D" --testnet --chain alpha --blocks 2 --key "$T/m.key" >/dev/null 2>&1 && ok || bad "mining meanwhile"
  want=$((h1 + 2))
  wait_for live "^test-alpha (TestAlphaCoin)  height $want " && ok ||
    bad "live view: height did not move from $h1 to $want: $(screen live | head -3)"
  # a malformed snapshot appears meanwhile: the view goes on and says why
  printf '{"version": 1, "t": ' >"$D/economy.json"
  wait_for live '^economy: none (.*economy.json' && ok || bad "live view: malformed economy.json not shown as none"
  economy "$D/economy.json"
  wait_for live 'buyer random-3' && ok || bad "live view: economy not back"
  tm send-keys -t live q
  if wait_for live 'MONITOR-EXITED rc=0' 50; then
    ok
    [ "$(tm display -p -t live '#{alternate_on}')" = 0 ] && ok || bad "q: the terminal is still on the alternate screen"
    screen live | grep -q 'test-alpha (TestAlphaCoin)' && bad "q: the view was left on the screen" || ok
  else
    bad "q did not quit: $(screen live | tail -3)"
  fi
fi
start intr
if wait_for intr '^test-alpha (TestAlphaCoin)  height'; then
  tm send-keys -t intr C-c
  if wait_for intr 'MONITOR-EXITED rc=0' 50; then
    ok
    [ "$(tm display -p -t intr '#{alternate_on}')" = 0 ] && ok || bad "Ctrl-C: the terminal is still on the alternate screen"
  else
    bad "Ctrl-C did not quit cleanly: $(screen intr | tail -3)"
  fi
else
  bad "second live view: nothing drawn"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
