#!/bin/bash
# tests/cli/econ_live.sh BINDIR - `econ live` end to end (chain/economy/live.h): real
# processes on one data directory (the exchange, two `pouw mine`, six trader groups)
# for ~30 s of a small config: heights grow, trades happen (DIR/economy.json), the
# protocol answers by hand, kill -9 of the exchange mid-run (traders and miners
# paused) -> restarted by the supervisor with the same balances and the custody
# invariant holding, a killed trader is restarted too, `chain monitor` in tmux shows
# heights moving and trades, SIGINT stops everything with exit 0 and no process left,
# `chain verify` passes and every chain's coins equal reward x height; `econ export`
# (chain/economy/export.h) during the run, at its end (`econ live --out`) and after it:
# the CSV files with their headers, trades.csv as many rows as the exchange's trades,
# blocks.csv one row per best-chain block above the bootstrap, errors.csv one per
# journaled refusal; a bad DIR refused with exit 2 and no OUT.
# Prints "N passed, M failed" last; exits 1 when anything failed.
set -u
BIN=$(cd "${1:-bin}" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/econ-live-test.XXXXXX")
D="$T/d"
SOCK="$T/tmux.sock"
LP=""
cleanup() {
  [ -S "$SOCK" ] && tmux -S "$SOCK" kill-server >/dev/null 2>&1
  if [ -n "$LP" ] && kill -0 "$LP" 2>/dev/null; then
    kill -INT "$LP" 2>/dev/null
    sleep 3
    for p in $(pgrep -f -- "--data $D" 2>/dev/null); do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  fi
  rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*" >&2
}
PY=/usr/bin/python3

cat >"$T/live.json" <<'EOF'
{"seed": 7, "duration_s": 60, "chains": "test", "step_s": 0.5, "period_s": 2, "news_period_s": 5,
 "exchange": {"confirmations": 2},
 "agents": [
  {"label": "miner-bal", "count": 1, "mining": {"policy": "balancer", "rate": 0.05},
   "trader": {"strategy": "balancer", "step_s": 0.5}, "holdings": {"ALPHA": 50, "BRAVO": 50, "CHARLIE": 50}},
  {"label": "miner-greedy", "count": 1, "mining": {"policy": "greedy", "rate": 0.05},
   "trader": {"strategy": "market-greedy", "step_s": 0.5}, "holdings": {"ALPHA": 50, "BRAVO": 50, "CHARLIE": 50},
   "withdraw_every_s": 3, "withdraw_share": 0.1},
  {"label": "grid", "count": 2, "trader": {"strategy": "grid", "step_s": 0.5}, "holdings": {"ALPHA": 100, "BRAVO": 100, "CHARLIE": 100}},
  {"label": "spot", "count": 1, "trader": {"strategy": "spot", "step_s": 0.5}, "holdings": {"ALPHA": 100, "BRAVO": 100, "CHARLIE": 100}},
  {"label": "wild", "count": 1, "trader": {"strategy": "wildcard", "step_s": 0.5}, "holdings": {"ALPHA": 100, "BRAVO": 100, "CHARLIE": 100}},
  {"label": "arb", "count": 1, "trader": {"strategy": "arbitrage", "step_s": 0.5}, "holdings": {"ALPHA": 100, "BRAVO": 100, "CHARLIE": 100}}
 ]}
EOF

# ask LINE: one request to DIR/exchange.sock, the reply on stdout (retries while the exchange is away)
ask() {
  $PY - "$D/exchange.sock" "$1" <<'PY'
import socket, sys, time
for i in range(150):
    try:
        s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(1)
f = s.makefile("rw"); f.write(sys.argv[2] + "\n"); f.flush(); print(f.readline(), end="")
PY
}
heights() { "$BIN/chain" status --data "$D" --testnet --json 2>/dev/null | $PY -c 'import json,sys; print(" ".join(str(c.get("height",0)) for c in json.load(sys.stdin)["chains"]))'; }
trades() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["trades"]))' "$D/economy.json" 2>/dev/null || echo 0; }
child() { pgrep -P "$LP" -f -- "$1" | head -1; }

# ------------------------------------------------------------------ bad input
"$BIN/econ" live "$T/live.json" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q -- "--data" "$T/err" && ok || bad "econ live without --data: not a usage error"
echo '{"seed": 1}' >"$T/bad.json"
"$BIN/econ" live "$T/bad.json" --data "$T/never" >/dev/null 2>"$T/err"
[ $? = 2 ] && [ ! -e "$T/never" ] && [ "$(wc -l <"$T/err")" = 1 ] && ok || bad "a bad config: not exit 2 with one line, or DIR made"

# ------------------------------------------------------------------ a reorganisation under the exchange
# The exchange alone on R; a deposit of miner-bal-0 enters alpha at height 5 and is credited;
# a longer branch made in a copy F of R (without the deposit) is submitted to R: the
# deposit's block leaves the best chain (journal: unblk, depx; the credit taken back); the
# transfer returns to the mempool, is mined again and credited again.
R="$T/r"
F="$T/f"
rask() { D="$R" ask "$1"; }
bal0() { rask '{"type":"balances"}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["accounts"][0]["ALPHA"][0])'; }
"$BIN/econ" exchange --data "$R" --config "$T/live.json" --quiet >/dev/null 2>"$T/rex.err" &
RX=$!
for i in $(seq 300); do [ -S "$R/exchange.sock" ] && break; sleep 0.1; done
mine_r() { "$BIN/pouw" mine --data "$1" --testnet --chain alpha --blocks "$2" --key "$R/keys/$3.key" >/dev/null 2>&1; }
mine_r "$R" 3 miner-bal-0 && ok || bad "mining on R"
$PY -c 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()' "$R/chains.db" "$T/f.db" &&
  mkdir -p "$F" && mv "$T/f.db" "$F/chains.db" && ok || bad "copying R's chains"
"$BIN/chain" send --data "$R" --testnet --chain alpha --to exchange --amount 10 --key "$R/keys/miner-bal-0.key" >/dev/null 2>"$T/err" &&
  ok || bad "chain send (the deposit): $(cat "$T/err")"
mine_r "$R" 2 grid-0
sleep 1.5
b=$(bal0)
[ "$b" = 60000000 ] && ok || bad "the deposit was not credited on R: ALPHA free $b"
mine_r "$F" 5 grid-1 && "$BIN/chain" export --data "$F" --testnet --chain alpha --out "$T/x" >/dev/null 2>&1 && ok || bad "the longer branch"
for f in $(ls "$T/x/test-alpha" | grep -v ledger | sort); do
  "$BIN/pouw" submit --data "$R" --testnet --chain alpha "$T/x/test-alpha/$f" >/dev/null 2>&1
done
[ "$("$BIN/chain" status --data "$R" --testnet --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["chains"][0]["height"])')" = 9 ] &&
  ok || bad "R did not move to the longer branch"
sleep 1.5
b=$(bal0)
[ "$b" = 50000000 ] && ok || bad "the reorganisation did not take the credit back: ALPHA free $b"
$PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=dict(c.execute("select op,count(*) from journal group by op")); sys.exit(0 if n.get("unblk",0) >= 2 and n.get("depx",0) == 1 else 1)' "$R/exchange.db" &&
  ok || bad "the journal has no unblk/depx rows"
mine_r "$R" 3 grid-0
sleep 1.5
b=$(bal0)
[ "$b" = 60000000 ] && ok || bad "the deposit was not credited again after the reorganisation: ALPHA free $b"
rask '{"type":"balances"}' | grep -q '"custody_ok":true}$' && ok || bad "custody after the reorganisation"
kill -INT "$RX"
wait "$RX" && ok || bad "the exchange on R: exit $?: $(cat "$T/rex.err")"

# ------------------------------------------------------------------ the run
"$BIN/econ" live "$T/live.json" --data "$D" --duration 90 --quiet --out "$T/lout" >"$T/live.out" 2>&1 &
LP=$!
for i in $(seq 300); do [ -S "$D/exchange.sock" ] && break; sleep 0.1; done
[ -S "$D/exchange.sock" ] && ok || bad "no DIR/exchange.sock after 30 s: $(cat "$D/logs/exchange.log" 2>/dev/null | tail -3)"
r=$(ask '{"type":"hello","label":"spot-0"}')
echo "$r" | grep -q '^{"type":"hello","agent":4,"label":"spot-0","pairs":\["BRAVO/ALPHA","CHARLIE/ALPHA","CHARLIE/BRAVO"\],"units_per_coin":1000000,"tick":100,"qty_step":10000,"step_s":0.5,"exchange":"[0-9a-f]\{64\}","t":' &&
  ok || bad "hello: $r"
r=$(ask '{"type":"observe","agent":4}')
echo "$r" | $PY -c 'import json,sys; o=json.loads(sys.stdin.read()); assert o["type"]=="observation" and o["agent"]==4 and "books" in o and "onchain" in o and o["balances"]["ALPHA"]["free"]+o["balances"]["ALPHA"]["locked"]>0' &&
  ok || bad "observe: $r"
r=$(ask '{"type":"act","agent":4,"orders":[{"pair":"NOPE/ALPHA","side":"buy","type":"limit","price":1,"qty":10000}]}')
echo "$r" | grep -q '^{"type":"acted","agent":4,"cancelled":0,"placed":0,"filled":0,"errors":\["orders\[0\].pair: unknown pair' && ok ||
  bad "act with a bad order: $r"
r=$(ask '{"type":"observe","agent":99}')
echo "$r" | grep -q '^{"type":"error","error":"agent: ' && ok || bad "observe of no agent: $r"
r=$(ask 'not json')
echo "$r" | grep -q '^{"type":"error","error":"line: not a JSON object"}' && ok || bad "a malformed line: $r"

h1=$(heights)
for i in $(seq 200); do [ "$(trades)" -gt 0 ] && break; sleep 0.1; done
[ "$(trades)" -gt 0 ] && ok || bad "no trades in economy.json after 20 s"
sleep 2
h2=$(heights)
$PY -c 'import sys; a=list(map(int,sys.argv[1].split())); b=list(map(int,sys.argv[2].split())); sys.exit(0 if sum(b)>sum(a) else 1)' "$h1" "$h2" &&
  ok || bad "heights did not grow: $h1 -> $h2"

# ------------------------------------------------------------------ econ export during the run
# HEADS FILE: the header row every export writes (the columns of econ sim, sim.h)
heads() {
  $PY - "$1" <<'PY'
import sys, os
want = {
 "trades.csv": "time_s,pair,price,qty,buyer,seller,buy_id,sell_id,taker",
 "blocks.csv": "chain,height,time_s,miner,txs,pps,attempts,post_bits,pass",
 "prices.csv": "period_start_s,pair,open,high,low,close,vwap,volume,trades",
 "books.csv": "time_s,pair,best_bid,best_ask,spread,bid_depth,ask_depth",
 "balances.csv": "time_s,agent,ALPHA_chain,BRAVO_chain,CHARLIE_chain,ALPHA_exchange,BRAVO_exchange,CHARLIE_exchange,fiat,value_alpha",
 "errors.csv": "time_s,agent,error",
}
d = sys.argv[1]
for f, h in want.items():
    assert open(os.path.join(d, f)).readline().rstrip("\n") == h, f
assert not os.path.exists(os.path.join(d, "mining.csv")), "mining.csv"
assert not [f for f in os.listdir(d) if f.endswith(".tmp")], "temporary files left"
PY
}
rows() { echo $(($(wc -l <"$1") - 1)); }
ntr() { ask '{"type":"balances"}' | sed -n 's/.*"trades":\([0-9]*\).*/\1/p'; }
t0=$(ntr)
"$BIN/econ" export "$D" --out "$T/mid" --quiet 2>"$T/err"
rc=$?
t1=$(ntr)
[ "$rc" = 0 ] && heads "$T/mid" && ok || bad "econ export during the run: exit $rc: $(cat "$T/err")"
n=$(rows "$T/mid/trades.csv" 2>/dev/null || echo -1)
[ "$n" -ge "${t0:-0}" ] && [ "$n" -le "${t1:-0}" ] && [ "$n" -gt 0 ] && ok ||
  bad "econ export during the run: $n trades, the exchange had $t0 before and $t1 after"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["mode"]=="live" and d["exchange_running"] and d["partial"] and d["config"]["seed"]==7 and d["code_version"]' "$T/mid/run.json" 2>/dev/null &&
  ok || bad "run.json of the export during the run: $(head -c 300 "$T/mid/run.json" 2>/dev/null)"

# ------------------------------------------------------------------ kill -9 of the exchange
EX=$(child "econ exchange")
PAUSED=$(pgrep -P "$LP" -f -- " trader | mine " | tr '\n' ' ')
[ -n "$EX" ] && [ -n "$PAUSED" ] && ok || bad "children not found (exchange '$EX', others '$PAUSED')"
# pause them where none holds DIR/chains.db's write lock (a process stopped inside a
# writer transaction would stall every other writer, the exchange included)
paused=0
for i in $(seq 30); do
  for p in $PAUSED; do kill -STOP "$p"; done
  if $PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=0.3); c.execute("BEGIN IMMEDIATE"); c.rollback()' "$D/chains.db" 2>/dev/null; then
    paused=1
    break
  fi
  for p in $PAUSED; do kill -CONT "$p"; done
  sleep 0.2
done
[ "$paused" = 1 ] && ok || bad "could not pause the traders and miners outside a chains.db transaction"
sleep 2
# acknowledged just before the kill: an order resting far from the market and a withdrawal
r=$(ask '{"type":"act","agent":4,"orders":[{"pair":"BRAVO/ALPHA","side":"buy","type":"limit","price":1,"qty":10000}]}')
echo "$r" | grep -q '"placed":1,' && ok || bad "the order before the kill was not placed: $r"
r=$(ask '{"type":"withdraw","agent":4,"coin":"ALPHA","amount":1000000}')
echo "$r" | grep -q '^{"type":"withdrawn","agent":4,"wid":[0-9]*,"coin":"ALPHA","amount":1000000}$' && ok ||
  bad "the withdrawal before the kill: $r"
ask '{"type":"balances"}' >"$T/b1"
kill -KILL "$EX"
for i in $(seq 100); do
  EX2=$(child "econ exchange")
  [ -n "$EX2" ] && [ "$EX2" != "$EX" ] && break
  sleep 0.1
done
[ -n "$EX2" ] && [ "$EX2" != "$EX" ] && ok || bad "the killed exchange was not restarted"
sleep 1
ask '{"type":"balances"}' >"$T/b2"
$PY - "$T/b1" "$T/b2" <<'PY' && ok || bad "balances before/after kill -9 differ: $(head -c 300 "$T/b1") / $(head -c 300 "$T/b2")"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert a["custody_ok"] and b["custody_ok"], "custody"
assert a["accounts"] == b["accounts"], "accounts"
assert a["custody"] == b["custody"], "custody totals"
assert a["heights"] == b["heights"], "heights"
assert a["journal"] == b["journal"], "journal rows"
assert any(x["ALPHA"][0] + x["ALPHA"][1] > 0 for x in a["accounts"])
PY
r=$(ask '{"type":"observe","agent":4}')
echo "$r" | grep -q '"pair":"BRAVO/ALPHA","side":"buy","price":1,"qty":10000,"filled":0}' && ok ||
  bad "the order acknowledged before the kill is not in the book after the restart"
for p in $PAUSED; do kill -CONT "$p"; done
# a trader killed is restarted as well
TR=$(child "group grid")
kill -KILL "$TR" 2>/dev/null
for i in $(seq 150); do
  TR2=$(child "group grid")
  [ -n "$TR2" ] && [ "$TR2" != "$TR" ] && break
  sleep 0.1
done
[ -n "$TR2" ] && [ "$TR2" != "$TR" ] && ok || bad "a killed trader was not restarted"
MI=$(child "pouw mine")
kill -KILL "$MI" 2>/dev/null
for i in $(seq 150); do
  MI2=$(pgrep -P "$LP" -f -- "pouw mine" | grep -vx "$MI" | tr '\n' ' ')
  [ "$(echo $MI2 | wc -w)" = 2 ] && break
  sleep 0.1
done
[ "$(echo $MI2 | wc -w)" = 2 ] && ok || bad "a killed miner was not restarted (miners now: $MI2)"
n1=$(trades)
sleep 3
r=$(ask '{"type":"balances"}')
echo "$r" | grep -q '"custody_ok":true}$' && ok || bad "custody after the restarts: $r"
# the traders came back to the restarted exchange: it journals their orders again
$PY -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(sys.argv[2]); sys.exit(0 if b["journal"] > a["journal"] else 1)' "$T/b2" "$r" &&
  ok || bad "nothing journaled after the restart (the traders did not reconnect?)"

# ------------------------------------------------------------------ the monitor (tmux)
if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIP: tmux not installed (the monitor on a live run)"
else
  tm() { tmux -S "$SOCK" "$@"; }
  screen() { tm capture-pane -p -t mon 2>/dev/null; }
  tm new-session -d -s mon -x 120 -y 45 "'$BIN/chain' monitor --data '$D' --testnet --interval 0.3; sleep 600"
  for i in $(seq 100); do screen | grep -q '^test-alpha (TestAlphaCoin)  height' && break; sleep 0.1; done
  screen >"$T/cap1"
  grep -q '^test-alpha (TestAlphaCoin)  height' "$T/cap1" && ok || bad "monitor: nothing drawn: $(head -3 "$T/cap1")"
  grep -q 'buyer .*seller ' "$T/cap1" && ok || bad "monitor: no trades shown: $(grep -i trade "$T/cap1" | head -3)"
  grep -q '^economy live' "$T/cap1" && ok || bad "monitor: no live economy line: $(grep -i economy "$T/cap1" | head -2)"
  hs() { sed -n 's/^test-[a-z]* ([A-Za-z]*)  height \([0-9]*\) .*/\1/p' "$1" | tr '\n' ' '; }
  for i in 1 2 3 4; do # up to 12 s on a loaded machine
    sleep 3
    screen >"$T/cap2"
    [ "$(hs "$T/cap1")" != "$(hs "$T/cap2")" ] && [ "$(grep 'buyer .*seller ' "$T/cap1")" != "$(grep 'buyer .*seller ' "$T/cap2")" ] && break
  done
  [ "$(hs "$T/cap1")" != "$(hs "$T/cap2")" ] && ok || bad "monitor: heights did not move: $(hs "$T/cap1") / $(hs "$T/cap2")"
  [ "$(grep 'buyer .*seller ' "$T/cap1")" != "$(grep 'buyer .*seller ' "$T/cap2")" ] && ok ||
    bad "monitor: no new trade between two captures up to 12 s apart"
  tm send-keys -t mon q
fi
n2=$(trades)
[ "$n2" -gt 0 ] && ok || bad "no trades after the restarts ($n1 -> $n2)"

# ------------------------------------------------------------------ SIGINT
kill -INT "$LP"
for i in $(seq 300); do kill -0 "$LP" 2>/dev/null || break; sleep 0.1; done
wait "$LP"
rc=$?
LP=""
[ "$rc" = 0 ] && ok || bad "SIGINT: econ live exited $rc: $(tail -3 "$T/live.out")"
left=$(pgrep -f -- "--data $D" | tr '\n' ' ')
[ -z "$left" ] && ok || bad "processes left after SIGINT: $left"
[ ! -e "$D/exchange.sock" ] && ok || bad "the socket was left behind"
"$BIN/chain" verify --data "$D" --testnet >"$T/verify" 2>&1 && ok || bad "chain verify: $(tail -3 "$T/verify")"
"$BIN/chain" status --data "$D" --testnet --json | $PY -c '
import json, sys
for c in json.load(sys.stdin)["chains"]:
    assert c["height"] > 0 and c["coins_units"] == c["height"] * 1000 * 10**6, c["name"]' && ok ||
  bad "coins are not reward x height on every chain"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["run"]=="live" and d["final"] and d["custody_ok"]' "$D/economy.json" &&
  ok || bad "the final economy.json: not live/final/custody_ok"
grep -q 'restarting' "$T/live.out" && ok || bad "the supervisor did not log the restarts"
# the journal replays alone after the run (a fresh exchange process on the same DIR)
timeout -s INT 8 "$BIN/econ" exchange --data "$D" --config "$T/live.json" >/dev/null 2>"$T/ex2" &
XP=$!
r=$(ask '{"type":"balances"}')
jb=$r
kill -INT "$XP" 2>/dev/null
wait "$XP"
echo "$r" | grep -q '"custody_ok":true}$' && ok || bad "replay after the run: $r $(cat "$T/ex2")"
jr=$($PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(" ".join("%s %d" % r for r in c.execute("select op,count(*) from journal group by op order by op")))' "$D/exchange.db" 2>/dev/null)
echo "measured: journal rows by op: $jr"

echo "measured: heights $(echo "$r" | sed -n 's/.*"heights":\[\([0-9,]*\)\].*/\1/p'), trades $(echo "$r" | sed -n 's/.*"trades":\([0-9]*\).*/\1/p'), journal rows $(echo "$r" | sed -n 's/.*"journal":\([0-9]*\).*/\1/p')"
# ------------------------------------------------------------------ econ export after the run
[ -f "$T/lout/trades.csv" ] && heads "$T/lout" && ok || bad "econ live --out: no CSV files with their headers in OUT: $(ls "$T/lout" 2>&1 | tr '\n' ' ')"
s0=$(date +%s.%N)
"$BIN/econ" export "$D" --out "$T/exp" 2>"$T/err"
rc=$?
s1=$(date +%s.%N)
[ "$rc" = 0 ] && heads "$T/exp" && ok || bad "econ export after the run: exit $rc: $(cat "$T/err")"
n=$(rows "$T/exp/trades.csv" 2>/dev/null || echo -1)
nt=$(echo "$r" | sed -n 's/.*"trades":\([0-9]*\).*/\1/p')
[ "$n" = "$nt" ] && ok || bad "trades.csv has $n rows, the exchange's journal $nt trades"
$PY - "$D/exchange.db" "$T/exp" "$BIN/chain" "$D" <<'PY' && ok || bad "blocks.csv or errors.csv do not match the chains and the journal"
import csv, json, sqlite3, subprocess, sys
db, out, chain, d = sys.argv[1:5]
c = sqlite3.connect(db)
boot_seq = c.execute("select min(seq) from journal where op='boot'").fetchone()[0]
boot = {k: h for k, h in c.execute("select a, max(b) from journal where op='blk' and seq < ? group by a", (boot_seq,))}
st = json.loads(subprocess.run([chain, "status", "--data", d, "--testnet", "--json"], capture_output=True, text=True).stdout)
rows = list(csv.DictReader(open(out + "/blocks.csv")))
for k, ch in enumerate(st["chains"]):
    hs = sorted(int(r["height"]) for r in rows if r["chain"] == ch["name"])
    assert hs == list(range(boot.get(k, 0) + 1, ch["height"] + 1)), (ch["name"], hs[:3], boot, ch["height"])
assert all(r["attempts"] == "" and r["miner"] for r in rows)
ts = [float(r["time_s"]) for r in rows]
assert ts == sorted(ts), "blocks.csv not in time order"
errs = c.execute("select count(*) from journal where op='err'").fetchone()[0]
n = len(list(csv.DictReader(open(out + "/errors.csv"))))
assert errs >= 1 and n == errs, (n, errs)
run = json.load(open(out + "/run.json"))
assert run["mode"] == "live" and not run["exchange_running"] and run["trades"] == len(list(csv.DictReader(open(out + "/trades.csv"))))
PY
cmp -s "$T/exp/trades.csv" "$T/lout/trades.csv" && cmp -s "$T/exp/blocks.csv" "$T/lout/blocks.csv" && ok ||
  bad "econ live --out and a later econ export differ (trades.csv or blocks.csv)"
echo "measured: econ export after the run: $(rows "$T/exp/trades.csv") trades, $(rows "$T/exp/blocks.csv") blocks, $(rows "$T/exp/balances.csv") balance rows in $(echo "$s1 - $s0" | bc 2>/dev/null || echo '?') s"
# a bad DIR: exit 2, one line naming the file, no OUT
"$BIN/econ" export "$T/nodir" --out "$T/o1" >/dev/null 2>"$T/err"
[ $? = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -e "$T/o1" ] && ok || bad "export of no DIR: not exit 2 with one line, or OUT made: $(cat "$T/err")"
"$BIN/econ" export "$F" --out "$T/o2" >/dev/null 2>"$T/err"
[ $? = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "exchange.db" "$T/err" && [ ! -e "$T/o2" ] && ok ||
  bad "export of a DIR without exchange.db: not exit 2 naming it, or OUT made: $(cat "$T/err")"

# a second run on the same DIR continues it; SIGKILL of the supervisor stops its children
# (started from a subshell: not this shell's job, so its SIGKILL is not reported)
("$BIN/econ" live "$T/live.json" --data "$D" --duration 60 --quiet >"$T/live2.out" 2>&1 & echo $! >"$T/lp2")
LP=$(cat "$T/lp2")
for i in $(seq 200); do ask '{"type":"balances"}' 2>/dev/null | grep -q '"custody_ok":true' && break; sleep 0.1; done
sleep 2
r=$(ask '{"type":"balances"}')
$PY -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); assert b["journal"] >= a["journal"] and b["custody_ok"]' "$jb" "$r" 2>/dev/null &&
  ok || bad "the second run did not continue the first: $r"
kill -KILL "$LP"
LP=""
for i in $(seq 150); do [ -z "$(pgrep -f -- "--data $D")" ] && break; sleep 0.1; done
left=$(pgrep -f -- "--data $D" | tr '\n' ' ')
[ -z "$left" ] && ok || bad "children left after SIGKILL of the supervisor: $left"
"$BIN/chain" verify --data "$D" --testnet >"$T/verify" 2>&1 && ok || bad "chain verify after the second run: $(tail -3 "$T/verify")"

# every process's log: no sanitizer report (a sanitizer build), no crash
san=$(grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error' "$D"/logs/*.log 2>/dev/null | tr '\n' ' ')
[ -z "$san" ] && ok || bad "sanitizer reports in: $san"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
