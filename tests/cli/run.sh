#!/bin/bash
# tests/cli/run.sh BINDIR - the command-line contract, end to end, program by program
# (README "Exit status", common/cli.h): exit codes 0 / 1 / 2 / 3, exactly one stderr line
# for an error, never a value taken from the next option, --help and --version
# everywhere, nothing half-written, read-only use by an unprivileged user, keys and
# competing miners. Prints "N passed, M failed" last; exits 1 when anything failed.
# CLI_QUICK=1 skips the slower parts (the sanitizer build runs it that way).
set -u
BIN=$(cd "${1:-bin}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
G="$TOP/tests/golden/manifest.json"
T=$(mktemp -d "${TMPDIR:-/tmp}/cli-test.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*" >&2
  [ -s "$T/err" ] && sed 's/^/  stderr: /' "$T/err" | head -5 >&2
}

# run CMD...: runs it in $T/cwd, stdout to $T/out, stderr to $T/err, exit code in $rc
mkdir -p "$T/cwd"
run() {
  (cd "$T/cwd" && "$@") >"$T/out" 2>"$T/err" </dev/null
  rc=$?
}
lines() { wc -l <"$1" | tr -d ' '; }
# expect NAME CODE [PATTERN]: the exit code; for a non-zero code exactly one stderr line
# (matching PATTERN when given) with no empty field (": :") in it
expect() {
  local name=$1 code=$2 pat=${3:-}
  if [ "$rc" != "$code" ]; then bad "$name: exit $rc, expected $code"; return; fi
  if [ "$code" != 0 ] && [ "$code" != 3 ]; then
    if [ "$(lines "$T/err")" != 1 ]; then bad "$name: $(lines "$T/err") stderr lines, expected one"; return; fi
    if grep -q ': :' "$T/err"; then bad "$name: an empty field in the message"; return; fi
  fi
  if [ -n "$pat" ] && ! grep -q -- "$pat" "$T/err" "$T/out"; then bad "$name: no \"$pat\" in the output"; return; fi
  ok
}
nothing_in() { # nothing_in NAME DIR: DIR holds no file
  if [ -n "$(ls -A "$2" 2>/dev/null)" ]; then bad "$1: files left in $2: $(ls -A "$2" | head -3 | tr '\n' ' ')"; else ok; fi
}

# ------------------------------------------------------------------ every program
for p in "$BIN"/*; do
  [ -x "$p" ] && [ -f "$p" ] || continue
  n=$(basename "$p")
  run "$p" --version
  expect "$n --version" 0
  head -n1 "$T/out" | grep -q "^$n (BSE-PoUW toolkit) [0-9]" && grep -q '^git commit [0-9a-f]\{12\}' "$T/out" && ok ||
    bad "$n --version: $(head -n2 "$T/out" | tr '\n' '|')"
  run "$p" --help
  expect "$n --help" 0
  head -n1 "$T/out" | grep -q "^Usage: $n" && ok || bad "$n --help: first line $(head -n1 "$T/out")"
  [ -s "$T/err" ] && bad "$n --help wrote to stderr" || ok
  run "$p" --frobnicate-no-such-option
  expect "$n --frobnicate-no-such-option" 2 "frobnicate-no-such-option"
done
for p in bse pouw chain; do
  run "$BIN/$p" frobnicate
  expect "$p frobnicate" 2 "unknown command frobnicate"
  run "$BIN/$p"
  expect "$p (no command)" 2 "missing command"
done
for c in run list; do run "$BIN/bse" $c --help; head -n1 "$T/out" | grep -q "^Usage: bse $c " && ok || bad "bse $c --help"; done
for c in mine submit verify verify-chain explain; do
  run "$BIN/pouw" $c --help; head -n1 "$T/out" | grep -q "^Usage: pouw $c " && ok || bad "pouw $c --help"
done
for c in status send accounts verify show keygen; do
  run "$BIN/chain" $c --help; head -n1 "$T/out" | grep -q "^Usage: chain $c " && ok || bad "chain $c --help"
done

# ------------------------------------------------------------------ option values
run "$BIN/bse" run "$G" --case std-s0 --out --summary
expect "bse --out --summary" 2 "got the option --summary"
[ -e "$T/cwd/--summary" ] && bad "bse made a folder named --summary" || ok
run "$BIN/pouw" mine --data --testnet --chain alpha
expect "pouw mine --data --testnet" 2 "got the option --testnet"
[ -e "$T/cwd/--testnet" ] && bad "pouw made a folder named --testnet" || ok
run "$BIN/chain" status --data --json
expect "chain status --data --json" 2 "got the option --json"
run "$BIN/bse" run "$G" --case
expect "bse --case (no value)" 2 "--case needs ID"
run "$BIN/pouw" mine --data "$T/x" --chain alpha --blocks -1
expect "pouw --blocks -1" 2 "--blocks needs N"
run "$BIN/pouw" mine --data "$T/x" --chain alpha --blocks 2 --blocks 3
expect "pouw --blocks twice" 2 "given twice"
run "$BIN/chain" status --data "$T" --amount 5
expect "chain status --amount" 2 "does not apply to status"
# coins with up to six decimals, read exactly; the option named in one line
for bad_amount in 1.0000001 -1 1e3 .5 9007199254.740992 12,5 0; do
  run "$BIN/chain" send --data "$T" --chain alpha --to x --amount "$bad_amount"
  expect "chain send --amount $bad_amount" 2 "--amount"
done
run "$BIN/chain" send --data "$T" --chain alpha --to x --amount 1 --fee 0.0000001
expect "chain send --fee with 7 decimals" 2 "--fee"
[ -e "$T/x" ] && bad "a usage error created $T/x" || ok

# ------------------------------------------------------------------ data and output folders
: >"$T/afile"
for args in "status" "accounts" "verify" "show --chain alpha --height 0"; do
  run "$BIN/chain" $args --data "$T/nope"
  expect "chain $args --data missing" 2 "no such data directory"
  run "$BIN/chain" $args --data "$T/afile"
  expect "chain $args --data a file" 2 "not a folder"
done
run "$BIN/pouw" verify-chain --data "$T/nope" --chain alpha
expect "pouw verify-chain --data missing" 2 "no such data directory"
run "$BIN/pouw" mine --data "$T/afile" --chain alpha
expect "pouw mine --data a file" 2 "not a folder"
run "$BIN/bse" run "$G" --case std-s0 --out "$T/afile/sub"
expect "bse --out under a file" 2 "cannot use as output folder"
run "$BIN/chain" status --data "$T"
expect "chain status: no chain" 2 "no chain in this data directory"
run "$BIN/chain" accounts --data "$T"
expect "chain accounts: no chain" 2 "no chain in this data directory"

# ------------------------------------------------------------------ bse: all or nothing
/usr/bin/python3 - "$G" "$T/bad-manifest.json" "$T/dup-manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
good = [c for c in m["cases"] if c["case_id"] == "std-s0"][0]
bad = json.loads(json.dumps(good)); bad["case_id"] = "broken"; bad["trader_spec"]["buyers"][0][1] = -1
json.dump({"cases": [good, bad]}, open(sys.argv[2], "w"))
dup = json.loads(json.dumps(good))
json.dump({"cases": [good, dup]}, open(sys.argv[3], "w"))
PY
run "$BIN/bse" run "$T/bad-manifest.json" --all --out "$T/all-bad"
expect "bse --all with a bad case" 2 "cases\[1\]"
nothing_in "bse --all with a bad case" "$T/all-bad"
run "$BIN/bse" run "$T/dup-manifest.json" --all --out "$T/all-dup"
expect "bse --all, duplicate case_id" 2 "duplicate case_id"
nothing_in "bse --all, duplicate case_id" "$T/all-dup"
run "$BIN/bse" run "$T/dup-manifest.json" --case std-s0 --out "$T/all-dup"
expect "bse --case of a duplicated id" 2 "duplicate case_id"
run "$BIN/bse" list "$T/dup-manifest.json"
expect "bse list, duplicate case_id" 2 "duplicate case_id"

# ------------------------------------------------------------------ keys and two competing miners
D="$T/data"
run "$BIN/chain" keygen "$T/k1.key" --label one
expect "chain keygen" 0
a1=$(cat "$T/out")
echo "$a1" | grep -q '^[0-9a-f]\{64\}$' && ok || bad "chain keygen prints the account: $a1"
[ "$(stat -c %a "$T/k1.key")" = 600 ] && ok || bad "key mode $(stat -c %a "$T/k1.key")"
cp "$T/k1.key" "$T/k1.copy"
run "$BIN/chain" keygen "$T/k1.key"
expect "chain keygen refuses to overwrite" 2 "exists"
cmp -s "$T/k1.key" "$T/k1.copy" && ok || bad "keygen changed an existing key file"
run "$BIN/chain" keygen "$T/k2.key" --label two
a2=$(cat "$T/out")
# they race on one data directory (a block of one may be orphaned by the other's), then
# each mines one more block on the settled best chain
("$BIN/pouw" mine --data "$D" --testnet --chain alpha --blocks 3 --key "$T/k1.key" >"$T/m1.out" 2>"$T/m1.err"; echo $? >"$T/m1.rc") &
("$BIN/pouw" mine --data "$D" --testnet --chain alpha --blocks 3 --key "$T/k2.key" >"$T/m2.out" 2>"$T/m2.err"; echo $? >"$T/m2.rc") &
wait
[ "$(cat "$T/m1.rc")$(cat "$T/m2.rc")" = 00 ] && ok || bad "two miners: exit $(cat "$T/m1.rc") $(cat "$T/m2.rc"): $(cat "$T/m1.err" "$T/m2.err" | head -3)"
[ "$(cat "$T/m1.out" "$T/m2.out" | grep -c '^test-alpha height ')" = 6 ] && ok || bad "two miners: not 6 blocks reported"
"$BIN/pouw" mine --data "$D" --testnet --chain alpha --key "$T/k1.key" >/dev/null 2>&1 &&
  "$BIN/pouw" mine --data "$D" --testnet --chain alpha --key "$T/k2.key" >/dev/null 2>&1 && ok || bad "one more block each"
run "$BIN/chain" accounts --data "$D" --testnet --json
expect "chain accounts --json" 0
/usr/bin/python3 - "$T/out" "$a1" "$a2" <<'PY' && ok || bad "two funded accounts: $(cat "$T/out" | head -20)"
import json, sys
d = json.load(open(sys.argv[1]))
bal = {a["account"]: a["balances_units"]["test-alpha"] for a in d["accounts"]}
sys.exit(0 if bal.get(sys.argv[2], 0) > 0 and bal.get(sys.argv[3], 0) > 0 else 1)
PY

# ------------------------------------------------------------------ status, show
run "$BIN/chain" status --data "$D" --testnet
expect "chain status" 0
cp "$T/out" "$T/status.txt"
run "$BIN/chain" status --data "$D" --testnet --json
expect "chain status --json" 0
/usr/bin/python3 - "$T/status.txt" "$T/out" <<'PY' && ok || bad "status text and --json disagree"
import json, sys
text = open(sys.argv[1]).read().split("\nchain ")
js = json.load(open(sys.argv[2]))["chains"]
assert len(js) == 3 and len(text) == 3, (len(js), len(text))
for t, c in zip(text, js):
    kv = {}
    for line in t.splitlines()[1:]:
        k, _, v = line.strip().partition(" ")
        kv.setdefault(k, v)
    if c["absent"]:
        assert kv == {"absent": "true"}, kv
        continue
    for k in ("height", "tip", "prehash_bits", "pps_threshold_micro", "next_prehash_bits",
              "next_pps_threshold_micro", "post_bits", "next_post_bits"):
        assert str(c[k]) == kv[k], (k, c[k], kv[k])
    # amounts: coins with six decimals in the text, integers of units (10^6 a coin) in JSON
    coins = lambda u: "%d.%06d" % divmod(u, 1000000)
    assert isinstance(c["coins_units"], int) and coins(c["coins_units"]) == kv["coins"], (c["coins_units"], kv["coins"])
    assert kv["mempool"] == "pending %d ignored %d" % (c["mempool"]["pending"], c["mempool"]["ignored"])
    blocks = [l.split() for l in t.splitlines() if l.startswith("  block ")]
    assert [int(b[2]) for b in blocks] == [b["height"] for b in c["blocks"]]
    assert [b[4] for b in blocks] == [b["id"] for b in c["blocks"]]
    bals = [l.split() for l in t.splitlines() if l.startswith("  balance ")]
    assert [(b[2], b[4]) for b in bals] == [(b["account"], coins(b["balance_units"])) for b in c["balances"]]
PY
run "$BIN/chain" show --data "$D" --testnet --chain alpha --height 1 --json
expect "chain show --height --json" 0
id1=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["post_hash"])' "$T/out" 2>/dev/null)
cp "$T/out" "$T/b1.json"
run "$BIN/chain" show --data "$D" --testnet --chain alpha --id "$id1"
expect "chain show --id" 0
grep -q "^block $id1" "$T/out" && grep -q "^  height 1$" "$T/out" && ok || bad "chain show --id text"
run "$BIN/chain" show --data "$D" --testnet --chain alpha --height 99
expect "chain show beyond the tip" 2 "no block at height 99"
run "$BIN/chain" show --data "$D" --testnet --chain alpha --id 00
expect "chain show --id 00" 2 "64 hex digits"
run "$BIN/chain" show --data "$D" --testnet --chain alpha
expect "chain show without --height/--id" 2 "exactly one of"

# ------------------------------------------------------------------ verify, submit, explain
B1="$T/b1.json"
run "$BIN/pouw" verify --data "$D" --testnet "$B1"
expect "pouw verify" 0
[ -s "$T/err" ] && bad "pouw verify of a good block printed: $(head -2 "$T/err")" || ok
run "$BIN/pouw" submit --data "$D" --testnet "$B1"
expect "pouw submit of a stored block" 0 "already known"
/usr/bin/python3 - "$B1" "$T/future.json" "$T/badpps.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["header"]["time_ms"] = 9000000000000
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
d["proof"]["sessions"][0]["pps"] = d["proof"]["sessions"][0]["pps"] + 1.0
json.dump(d, open(sys.argv[3], "w"))
PY
run "$BIN/pouw" submit --data "$D" --testnet "$T/future.json"
expect "pouw submit of a tampered time: one line" 1 "rejected"
# a bad block under a new id is stored INVALID: verify of the good block stays quiet,
# and the store stays valid (a rejection on record is not a disagreement)
/usr/bin/python3 - "$B1" "$T/junk.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["post_hash"] = "ab" * 32
# a session digest that is not the re-run's: committed data, INVALID for good (a
# wrong pps would be a derived field: copy-only, nothing recorded, spec s11.7)
x = d["proof"]["sessions"][0]["d"]
d["proof"]["sessions"][0]["d"] = ("0" if x[0] != "0" else "1") + x[1:]
json.dump(d, open(sys.argv[2], "w"))
PY
run "$BIN/pouw" submit --data "$D" --testnet "$T/junk.json"
expect "pouw submit of a bad block" 1 "rejected"
run "$BIN/pouw" verify --data "$D" --testnet "$B1"
expect "pouw verify beside a stored invalid block" 0
[ -s "$T/err" ] && bad "pouw verify printed noise about another block: $(head -2 "$T/err")" || ok
run "$BIN/pouw" verify-chain --data "$D" --testnet --chain alpha
expect "pouw verify-chain with a rejection on record" 0 "1 rejected"
# pouw mine --time-ms far in the future: refused by its own verifier, nothing stored
run "$BIN/chain" status --data "$D" --testnet --json
h0=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chains"][0]["height"])' "$T/out")
run "$BIN/pouw" mine --data "$D" --testnet --chain alpha --key "$T/k1.key" --time-ms 99999999999999
[ "$rc" != 0 ] && [ "$rc" != 3 ] && [ "$(lines "$T/err")" = 1 ] && ok || bad "pouw mine --time-ms far future: exit $rc, $(lines "$T/err") stderr lines"
run "$BIN/chain" status --data "$D" --testnet --json
h1=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chains"][0]["height"])' "$T/out")
[ "$h0" = "$h1" ] && [ -n "$h0" ] && ok || bad "pouw mine --time-ms far future stored a block: height $h0 -> $h1"
# export, then submit every file into an empty data directory: the same best chain
run "$BIN/chain" export --data "$D" --testnet --chain alpha --out "$T/exp"
expect "chain export" 0
R="$T/roundtrip"
mkdir -p "$R"
sub=0
for f in $(ls "$T/exp/test-alpha/"*.json | grep -v '\.ledger\.json$' | sort); do
  "$BIN/pouw" submit --data "$R" --testnet "$f" >/dev/null 2>"$T/err" || sub=1
done
[ "$sub" = 0 ] && ok || bad "submitting the exported blocks: $(head -2 "$T/err")"
"$BIN/chain" status --data "$D" --testnet | grep -v '^  mempool' >"$T/st1"
"$BIN/chain" status --data "$R" --testnet | grep -v '^  mempool' >"$T/st2"
cmp -s "$T/st1" "$T/st2" && ok || bad "export/submit round trip: status differs: $(diff "$T/st1" "$T/st2" | head -4 | tr '\n' '|')"
run "$BIN/chain" export --data "$R" --testnet --chain alpha --out "$T/exp2"
(cd "$T/exp/test-alpha" && ls) >"$T/l1"; (cd "$T/exp2/test-alpha" && ls) >"$T/l2"
# the side branch blocks of D: exported too, so both folders list the same files
cmp -s "$T/l1" "$T/l2" && ok || bad "export of the round trip lists other files"
run "$BIN/pouw" explain "$T/badpps.json" --out "$T/ex-bad"
[ "$rc" = 1 ] && grep -q "invalid block" "$T/err" && ok || bad "pouw explain of an invalid block: exit $rc"
run "$BIN/pouw" explain "$B1" --out "$T/ex-good"
expect "pouw explain of a valid block" 0 "proof valid"
run "$BIN/pouw" explain "$B1" --out "$T/afile"
expect "pouw explain --out a file" 2 "cannot use as output folder"

# ------------------------------------------------------------------ read-only use by an unprivileged user
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  chmod -R a+rX "$D"
  mkdir -p "$T/ro-out" && chmod 777 "$T/ro-out"
  as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  for args in "status" "accounts" "verify" "show --chain alpha --height 1"; do
    run as_nobody "$BIN/chain" $args --data "$D" --testnet
    expect "chain $args, read-only" 0
  done
  run as_nobody "$BIN/pouw" verify --data "$D" --testnet "$B1"
  expect "pouw verify, read-only" 0
  run as_nobody "$BIN/pouw" verify-chain --data "$D" --testnet --chain alpha
  expect "pouw verify-chain, read-only" 0
  run as_nobody "$BIN/pouw" explain "$B1" --out "$T/ro-out/ex"
  expect "pouw explain, read-only data" 0
  run as_nobody "$BIN/chain" send --data "$D" --testnet --chain alpha --to "$a2" --amount 1 --key "$T/k1.copy"
  [ "$rc" != 0 ] && ok || bad "chain send without write access succeeded"
  # the WAL files gone (another program's last connection removed them): readers
  # that cannot create them read the database file itself
  /usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$D/chains.db"
  [ ! -e "$D/chains.db-shm" ] && ok || bad "the -shm file is still there"
  for args in "status" "verify"; do
    run as_nobody "$BIN/chain" $args --data "$D" --testnet
    expect "chain $args, read-only, no WAL files" 0
  done
  run as_nobody "$BIN/pouw" verify-chain --data "$D" --testnet --chain alpha
  expect "pouw verify-chain, read-only, no WAL files" 0
  run as_nobody "$BIN/chain" export --data "$D" --testnet --out "$T/ro-out/exp"
  expect "chain export, read-only, no WAL files" 0
else
  echo "cli: read-only checks skipped (not root, or no user nobody)" >&2
fi

# ------------------------------------------------------------------ no hangs, named errors, a corrupt database
H="$T/hostile"
mkdir -p "$H/fifo" "$H/dir/chains.db" "$H/kf"
mkfifo "$H/fifo/chains.db" "$H/kf/k.key"
for d in fifo dir; do
  for args in "chain status" "chain verify" "pouw verify-chain --chain alpha"; do
    run timeout 20 "$BIN/${args%% *}" ${args#* } --data "$H/$d" --testnet
    [ "$rc" != 124 ] && ok || bad "$args on a $d named chains.db hung"
    expect "$args: chains.db is a $d" 2 "chains.db"
  done
  run timeout 20 "$BIN/pouw" mine --data "$H/$d" --testnet --chain alpha
  expect "pouw mine: chains.db is a $d" 2 "not a regular file"
done
run timeout 20 "$BIN/pouw" mine --data "$H/kf" --testnet --chain alpha --key "$H/kf/k.key"
[ "$rc" != 124 ] && ok || bad "pouw mine with a FIFO key file hung"
expect "pouw mine --key a FIFO" 2 "k.key"
[ ! -e "$H/kf/chains.db" ] && ok || bad "a bad key file still created the database"
run timeout 20 "$BIN/chain" send --data "$D" --testnet --chain alpha --to "$a2" --amount 1 --key "$H/kf"
expect "chain send --key a folder" 2 "kf"
C="$T/corrupt"
mkdir -p "$C"
/usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.execute("VACUUM INTO ?", (sys.argv[2],)); c.close()' "$D/chains.db" "$C/chains.db"
/usr/bin/python3 - "$C/chains.db" <<'PY'
import sys
f = open(sys.argv[1], "r+b")
f.seek(4096 + 100)       # inside the second page (a b-tree page of the schema's tables)
f.write(b"\xff" * 2000)
f.seek(0)
f.write(b"garbage garbage!")  # and the header itself
f.close()
PY
for args in "chain status" "chain verify" "pouw verify-chain --chain alpha" "pouw mine --chain alpha"; do
  run timeout 20 "$BIN/${args%% *}" ${args#* } --data "$C" --testnet
  expect "$args on a corrupt database" 2 "sqlite3 .*\.recover"
done

# ------------------------------------------------------------------ a full disk: nothing half-written
mkdir -p "$T/full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
  run "$BIN/bse" run "$G" --all --out "$T/full"
  expect "bse --all on a full disk" 1 "No space left on device"
  nothing_in "bse --all on a full disk" "$T/full"
  dd if=/dev/zero of="$T/full/filler" bs=1k count=56 2>/dev/null # leaves a few kB: the first files fit
  run "$BIN/pouw" explain "$B1" --out "$T/full/ex"
  [ "$rc" = 1 ] && grep -q "No space left on device" "$T/err" && ok || bad "pouw explain on a full disk: exit $rc"
  [ -z "$(find "$T/full" -name '.*' -type f)" ] && ok || bad "temporary files left on the full disk: $(find "$T/full" -name '.*')"
  rm -f "$T/full/filler"
  umount "$T/full"
else
  echo "cli: full-disk checks skipped (cannot mount a small tmpfs here)" >&2
fi

# ------------------------------------------------------------------ miners stopped by a signal
"$BIN/pouw" mine --data "$T/sig" --testnet --chain charlie --blocks 100000 >/dev/null 2>"$T/sig.err" &
pid=$!
sleep 1.5
kill -TERM $pid
t0=$(date +%s.%N)
wait $pid
src=$?
t1=$(date +%s.%N)
[ "$src" = 3 ] && ok || bad "a miner stopped before its --blocks: exit $src, expected 3"
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 2.0) }' && ok || bad "the miner took $(echo "$t1 - $t0" | bc) s to stop"
"$BIN/pouw" mine --data "$T/sig" --testnet --chain charlie --forever >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
[ "$?" = 0 ] && ok || bad "a --forever miner stopped by SIGINT: exit not 0"

echo "cli: $BIN"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
