#!/bin/bash
# tests/cli/econ.sh BINDIR - `econ sim` end to end (issue "three-coin agent economy",
# must-show 1, 4 and 7): experiments/configs/economy-small.json at 1 and 2 threads gives
# the same CSV bytes, `chain verify` accepts its chains, the run reports the custody
# invariant held and coins = reward x height; external agents: a well-behaved one's
# trades are in trades.csv, hostile ones (malformed lines, invalid orders, a late reply,
# death) are refused and logged in errors.csv while the run finishes; bad configs exit 2
# with one line naming file and field, and nothing is written.
# Prints "N passed, M failed" last; exits 1 when anything failed.
set -u
BIN=$(cd "${1:-bin}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/econ-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
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
PY=/usr/bin/python3
CSVS="blocks.csv trades.csv prices.csv balances.csv books.csv mining.csv errors.csv"

# --- the small economy, twice, at two thread counts
run "$BIN/econ" sim "$TOP/experiments/configs/economy-small.json" --out "$T/A"
[ $rc -eq 0 ] && ok || bad "economy-small: exit $rc"
grep -q 'custody invariant held after [0-9]* checks ([0-9]* whole); coins = reward x height on every chain: yes' "$T/err" && ok ||
  bad "economy-small: the run does not say the invariant held"
run "$BIN/econ" sim "$TOP/experiments/configs/economy-small.json" --out "$T/B" --threads 2 --quiet
[ $rc -eq 0 ] && [ ! -s "$T/err" ] && ok || bad "economy-small --threads 2 --quiet: exit $rc or not quiet"
for f in $CSVS; do
  cmp -s "$T/A/$f" "$T/B/$f" && ok || bad "$f differs between 1 and 2 threads"
done
[ "$(wc -l <"$T/A/trades.csv")" -gt 10 ] && ok || bad "economy-small: fewer than 10 trades"
$PY - "$T/A/run.json" <<'PYEOF' && ok || bad "run.json: custody_ok/supply_ok/partial"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["custody_ok"] is True and r["supply_ok"] is True and r["partial"] is False, r
assert r["custody_checks"] > 100 and r["config"]["seed"] == 7
PYEOF
run "$BIN/chain" verify --data "$T/A/chains" --testnet
[ $rc -eq 0 ] && [ "$(grep -c '^valid Test' "$T/out")" -eq 3 ] && ok || bad "chain verify of A/chains: exit $rc"
# coins = reward x height on every chain, from chain status
run "$BIN/chain" status --data "$T/A/chains" --testnet --json
$PY - "$T/out" <<'PYEOF' && ok || bad "chain status: coins != reward x height"
import json, sys
for c in json.load(open(sys.argv[1]))["chains"]:
    assert c["coins_units"] == 10**9 * c["height"], (c["name"], c["coins_units"], c["height"])
    assert all(b["balance_units"] >= 0 for b in c["balances"])
PYEOF
# a folder that holds a run is refused
run "$BIN/econ" sim "$TOP/experiments/configs/economy-small.json" --out "$T/A"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && ok || bad "a used --out: exit $rc"

# --- external agents: one well-behaved, hostile ones
cat >"$T/lines.txt" <<'LEOF'
this is not json
[1, 2, 3]
{"orders": [{"pair": "DOGE/ALPHA", "side": "buy", "type": "limit", "price": 10000, "qty": 10000}]}
{"orders": [{"pair": "BRAVO/ALPHA", "side": "up", "type": "limit", "price": 10000, "qty": 10000}]}
{"orders": [{"pair": "BRAVO/ALPHA", "side": "buy", "type": "limit", "price": 10000, "qty": 12345}]}
{"orders": [{"pair": "BRAVO/ALPHA", "side": "buy", "type": "limit", "price": 10000, "qty": 9000000000000}]}
{"orders": [{"pair": "BRAVO/ALPHA", "side": "buy", "type": "limit", "qty": 10000}]}
{"cancel": ["x"]}
LEOF
H="$TOP/tests/econ/hostile_agent.py"
ext() { # label command-json [timeout]
  printf '  {"label": "%s", "count": 1, "trader": {"strategy": "external", "params": {"command": %s%s}}, "holdings": {"ALPHA": %s, "BRAVO": %s, "CHARLIE": %s}}' \
    "$1" "$2" "${3:+, \"timeout_ms\": $3}" "$4" "$4" "$4"
}
{
  echo '{"seed": 3, "duration_s": 900, "chains": "test", "step_s": 60, "period_s": 300, "agents": ['
  echo '  {"label": "miner", "count": 1, "mining": {"policy": "balancer", "rate": 0.05}},'
  echo '  {"label": "spot", "count": 3, "trader": {"strategy": "spot"}, "holdings": {"ALPHA": 100, "BRAVO": 100, "CHARLIE": 100}},'
  ext good "[\"$PY\", \"$TOP/examples/agents/random_agent.py\"]" "" 100; echo ,
  ext lines "[\"$PY\", \"$H\", \"lines\", \"$T/lines.txt\"]" "" 10; echo ,
  ext late "[\"$PY\", \"$H\", \"late\", \"2\"]" 500 10; echo ,
  ext dies "[\"$PY\", \"$H\", \"exit\", \"3\"]" "" 10; echo ,
  ext killed "[\"$PY\", \"$H\", \"kill\"]" "" 10
  echo ']}'
} >"$T/ext.json"
run "$BIN/econ" sim "$T/ext.json" --out "$T/X" --quiet
[ $rc -eq 0 ] && ok || bad "external agents: exit $rc"
grep -q ',good-0,' "$T/X/trades.csv" 2>/dev/null && ok || bad "the well-behaved external agent's trades are not in trades.csv"
for who in lines-0 late-0 dies-0 killed-0; do
  grep -q ",$who," "$T/X/errors.csv" 2>/dev/null && ok || bad "errors.csv has no refusal of $who"
done
grep -qi 'lines-0,.*json' "$T/X/errors.csv" 2>/dev/null && ok || bad "the malformed line is not logged"
grep -qi 'late-0,.*late' "$T/X/errors.csv" 2>/dev/null && ok || bad "the late reply is not logged"
grep -qi 'dies-0,.*exited' "$T/X/errors.csv" 2>/dev/null && ok || bad "the dead agent is not logged"
$PY - "$T/X/run.json" "$T/X/balances.csv" <<'PYEOF' && ok || bad "external run: custody, or a dead agent's coins moved"
import csv, json, sys
r = json.load(open(sys.argv[1]))
assert r["custody_ok"] and r["supply_ok"], r
rows = list(csv.DictReader(open(sys.argv[2])))
# a dead agent is left holding its coins: its last balances equal its holdings (10 of each)
for a in ("dies-0", "killed-0"):
    last = [x for x in rows if x["agent"] == a][-1]
    assert all(float(last[c + "_exchange"]) == 10.0 for c in ("ALPHA", "BRAVO", "CHARLIE")), last
PYEOF
pgrep -f "hostile_agent.py" >/dev/null && bad "an external agent process is left running" || ok

# --- miners with prices: pouw mine --policy greedy values rewards at DIR/economy.json's prices
G="$T/greedy"; mkdir -p "$G"
printf '%s\n' '{"version":1,"run":"live","t":1,"pairs":{"BRAVO/ALPHA":{"last":30000,"bids":[],"asks":[],"closes":[],"volume":0},"CHARLIE/ALPHA":{"last":20000,"bids":[],"asks":[],"closes":[],"volume":0},"CHARLIE/BRAVO":{"last":null,"bids":[],"asks":[],"closes":[],"volume":0}},"trades":[],"top":[]}' >"$G/economy.json"
run "$BIN/pouw" mine --testnet --data "$G" --policy greedy --blocks 1
[ $rc -eq 0 ] && grep -q '^test-bravo height 1 ' "$T/out" && ok || bad "greedy with BRAVO at 3 ALPHA did not mine BravoCoin: $(cat "$T/out")"
rm -f "$G/economy.json"
run "$BIN/pouw" mine --testnet --data "$G" --policy greedy --blocks 1
[ $rc -eq 0 ] && grep -q '^test-alpha height 1 ' "$T/out" && ok || bad "greedy without prices (1:1:1) did not mine AlphaCoin: $(cat "$T/out")"

# --- bad configs: exit 2, one line naming file and field, nothing written
badcfg() { # name json expected-field
  printf '%s\n' "$2" >"$T/$1.json"
  run "$BIN/econ" sim "$T/$1.json" --out "$T/out-$1"
  if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$1.json" "$T/err" && grep -qF "$3" "$T/err" &&
    [ ! -e "$T/out-$1" ]; then ok; else bad "bad config $1: exit $rc, $(cat "$T/err")"; fi
}
M='"mining": {"chain": "alpha", "rate": 1}'
badcfg strategy "{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,$M,\"trader\":{\"strategy\":\"moon\"}}]}" "agents[0].trader.strategy"
badcfg negative "{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,$M,\"holdings\":{\"ALPHA\":-1}}]}" "agents[0].holdings.ALPHA"
badcfg zerorate '{"seed":1,"duration_s":60,"agents":[{"count":3,"mining":{"chain":"alpha","rate":0}}]}' "agents[0].mining.rate"
badcfg duration "{\"seed\":1,\"duration_s\":0,\"agents\":[{\"count\":1,$M}]}" "duration_s"
badcfg types "{\"seed\":\"x\",\"duration_s\":60,\"agents\":[{\"count\":1,$M}]}" "seed"
badcfg nominer '{"seed":1,"duration_s":60,"agents":[{"count":1,"trader":{"strategy":"hodl"}}]}' "agents"
badcfg extparams "{\"seed\":1,\"duration_s\":60,\"agents\":[{\"count\":1,$M,\"trader\":{\"strategy\":\"external\",\"params\":{\"command\":[]}}}]}" "params.command"
badcfg truncated '{"seed":1,"duration_s":60,"age' "byte"
run "$BIN/econ" check "$TOP/experiments/configs/economy-seed000.json"
[ $rc -eq 0 ] && grep -q '1021 agents (21 mine' "$T/out" && ok || bad "econ check economy-seed000: exit $rc: $(cat "$T/out")"
run "$BIN/econ" sim "$TOP/experiments/configs/economy-small.json"
[ $rc -eq 2 ] && ok || bad "econ sim without --out: exit $rc"
run "$BIN/econ" --version
[ $rc -eq 0 ] && grep -q '^econ' "$T/out" && ok || bad "econ --version"

echo "econ: $BIN"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
