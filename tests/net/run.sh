#!/bin/sh
# tests/net/run.sh BIN - networked nodes (shared/spec/network.md) on this machine
# only: loopback addresses and, where root may make them, network namespaces.
# Testnet chains; every wait has a deadline; the whole run stays under 4 minutes
# (mk/net.mk also wraps it in `timeout`). Each scenario prints PASS/FAIL lines;
# the exit status is 1 when any failed.
#   1 five nodes on 127.0.0.1 (ports P..P+4), each mining with its own key, the
#     policies mixed, for a bounded time: afterwards every node has the same best
#     tip on every chain and `chain verify` passes on each data directory
#   4 (while 1 mines) a rogue peer (tests/net/rogue.py) sends garbage, an
#     oversize frame, an invalid block and a flood: each connection is dropped,
#     the hosts are banned (DIR/peers.json), the honest nodes keep mining and
#     converge (checked by 1)
#   3 a node started later with one seed peer syncs every chain and learns the
#     other peers' addresses; prints "net_sync_blocks_per_s VALUE blocks/s"
#   2 partition: two groups that cannot reach each other both mine; a transfer is
#     mined on the smaller side; healing (a node of the smaller side restarted
#     with a seed of the other: also a node killed and restarted) makes every node
#     converge to the heaviest chains and the orphaned transfer comes back to the
#     mempools
#   5 five nodes in network namespaces on a bridge (with tc netem delay and loss
#     where the kernel has netem): they converge; SKIP with the reason otherwise
set -u
BIN=${1:-bin}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d /tmp/bse-net.XXXXXX)
. "$TOP/tests/net/lib.sh"
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
NS_LIST=""
cleanup() {
  kill_all
  for ns in $NS_LIST; do ip netns del "$ns" 2>/dev/null || true; done
  if [ $FAILS -eq 0 ] && [ -z "${KEEP_NET_TEST:-}" ]; then rm -rf "$W"; else echo "(logs kept in $W)"; fi
}
trap cleanup EXIT INT TERM
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 shell"; exit 0; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 0; }
# a port range of this run (several engineers' runs may share the machine)
P=$(( 20000 + ($$ * 7) % 30000 ))
MINE_S=${NET_MINE_S:-30}
# NET_ONLY="2 5" runs some scenarios only (1 brings 3 and 4 with it)
want() { case " ${NET_ONLY:-1 2 5} " in *" $1 "*) return 0;; esac; return 1; }

# ------------------------------------------------------------ 1 + 4: five miners, a rogue
if want 1; then
echo "== 1: five nodes mining on 127.0.0.1:$P..$((P + 4)) for ${MINE_S} s (and 4: a rogue peer)"
POL="balancer greedy random balancer random"
i=0
for pol in $POL; do
  "$BIN/chain" keygen "$W/k$i.key" --label "n$i" >/dev/null 2>&1 || fail "keygen n$i"
  peers=""
  [ $i -gt 0 ] && peers="--peer 127.0.0.1:$((P + i - 1))"
  [ $i -gt 1 ] && peers="$peers,127.0.0.1:$P"
  start_node "n$i" $((P + i)) $peers --mine --policy $pol --key "$W/k$i.key" --mine-seconds "$MINE_S" --seed $((i + 1))
  i=$((i + 1))
done
ALL="n0 n1 n2 n3 n4"
sleep $((MINE_S / 2))
# 4: the rogue, against n0, while everyone mines
h0=$(heights n1)
if true; then
  if python3 "$TOP/tests/net/rogue.py" "$P" "$(genesis_arg n0)" >"$W/rogue.out" 2>&1; then
    pass "4: rogue disconnected on every attack: $(grep -c disconnected "$W/rogue.out") attacks; $(grep 'orphan headers' "$W/rogue.out" | cut -c8-)"
  else
    fail "4: rogue: $(grep -v '^rogue: .*: disconnected' "$W/rogue.out" | head -n 3 | tr '\n' ' ')"
  fi
  sleep 1.5
  for host in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do
    until=$(python3 -c "
import json,sys
d=json.load(open('$W/n0/peers.json'))
print(max([b['banned_until_ms'] for b in d['banned'] if b['host']=='$host'] or [0]))")
    now_ms=$(date +%s%3N)
    if [ "$until" -gt "$now_ms" ]; then
      left=$(( (until - now_ms) / 3600000 ))
      pass "4: $host banned (about ${left} h left: $(grep "$host" "$W/n0.log" | grep -o 'misbehaved: [a-z ]*' | sort -u | tr '\n' ';'))"
    else
      fail "4: $host not banned in n0/peers.json"
    fi
  done
  why=$(grep "127.0.0.3.*misbehaved: invalid block" "$W/n0.log" | head -n 1 | sed 's/.*block [0-9a-f]*: //; s/ (score.*//')
  [ -n "$why" ] && pass "4: the invalid block was judged invalid (24 h ban): $why" ||
    fail "4: n0 did not judge the rogue's block invalid"
  orph=$(python3 -c "import json; print(json.load(open('$W/n0/peers.json'))['orphan_headers'])")
  [ "$orph" -eq 100 ] && pass "4: n0 keeps 100 orphan headers of the 150 (the oldest evicted)" ||
    fail "4: n0 keeps $orph orphan headers after 150"
  ready=$(python3 -c "
import json
d=json.load(open('$W/n0/peers.json'))
print(sum(1 for p in d['peers'] if p['state']=='ready' and p['address'].startswith('127.0.0.1:')))")
  [ "$ready" -ge 2 ] && pass "4: n0 keeps $ready honest peers after the attacks" || fail "4: n0 has $ready honest peers left"
fi
# a transfer sent on one node's DIR (chain send) reaches every node
to=$("$BIN/chain" keygen "$W/kr.key" 2>&1 | grep -o 'account [0-9a-f]\{64\}' | cut -c9-)
# from the first miner with a spendable alpha balance (n1 mines alpha only: greedy)
txsig=""
for i in 1 0 2 3 4; do
  if "$BIN/chain" send --data "$W/n$i" --testnet --chain alpha --to "$to" --amount 3 --key "$W/k$i.key" >/dev/null 2>"$W/send1.err"; then
    txsig=$(sqlite3 -readonly "$W/n$i/chains.db" "select substr(doc, instr(doc,'signature')+13, 32) from mempool limit 1")
    txnode=n$i
    break
  fi
done
[ -n "$txsig" ] || fail "1: chain send on every node: $(cat "$W/send1.err")"
sleep $((MINE_S - MINE_S / 2))
h1=$(heights n1)
[ "$h1" -gt "${h0:-0}" ] && pass "4: honest nodes kept mining during the attacks (n1 heights $h0 -> $h1)" ||
  fail "4: no progress during the attacks ($h0 -> $h1)"
if settle 25 $ALL; then
  pass "1: every node has the same best tip on every chain: $(tips n0)"
else
  fail "1: nodes disagree after the settle wait"; show_tips $ALL
fi
for n in $ALL; do
  if "$BIN/chain" verify --data "$W/$n" --testnet >"$W/$n.verify" 2>&1; then :; else
    fail "1: chain verify on $n: $(tail -n 1 "$W/$n.verify")"; fi
done
grep -q . "$W/n0.verify" && pass "1: chain verify passes on all five ($(grep -c '^valid' "$W/n0.verify") chains each)"
if [ -n "$txsig" ] && [ ${#txsig} -eq 32 ]; then
  ok=0
  for n in $ALL; do
    m=$(sqlite3 -readonly "$W/$n/chains.db" "select count(*) from mempool where instr(doc,'$txsig')>0")
    c=$(sqlite3 -readonly "$W/$n/chains.db" "select count(*) from best s join blocks b on b.chain=s.chain and b.id=s.id where instr(b.doc, '$txsig')>0")
    [ $((m + c)) -ge 1 ] && ok=$((ok + 1))
  done
  [ $ok -eq 5 ] && pass "1: the transfer sent on $txnode reached all 5 nodes (pending or mined)" ||
    fail "1: the transfer sent on $txnode reached $ok of 5 nodes"
fi
# block propagation across the five (line n4-n3-n2-n1-n0 plus links to n0)
if prop=$(python3 "$TOP/tests/net/propagation.py" "$BIN" "$W/n0" "$W/n0" "$W/n1" "$W/n2" "$W/n3" "$W/n4" 2>&1); then
  echo "$prop"; pass "1: a block stored in n0's DIR reached all five nodes (median of 5: ${prop#* })"
else
  fail "1: propagation: $prop"
fi
mined=0
for n in $ALL; do mined=$((mined + $(wc -l <"$W/$n.out"))); done
pass "1: $mined blocks mined in total, $(heights n0) on the best chains"
# the tie rule (network.md "Ties"): how often nodes met an equal-weight tip (informative)
ties=$(cat "$W"/n[0-4].log | grep -c " tie: block " || true)
sw=$(cat "$W"/n[0-4].log | grep -c " tie: switched to " || true)
echo "   ties: $ties equal-weight tips met, $sw switched to (coin 1, within one interval)"

# ------------------------------------------------------------ 3: a late node
echo "== 3: a node started later with one seed peer"
t0=$(now_s)
start_node late $((P + 5)) --peer "127.0.0.1:$((P + 3))"
if wait_converged 40 n0 late; then
  t1=$(now_s)
  blocks=$(heights late)
  rate=$(echo "$blocks / ($t1 - $t0)" | bc -l)
  pass "3: the late node synced every chain: $blocks blocks in $(echo "$t1 - $t0" | bc -l | awk '{printf "%.2f", $1}') s"
  printf 'net_sync_blocks_per_s %.1f blocks/s\n' "$rate"
  echo "net_sync_blocks_per_s $(printf '%.1f' "$rate") blocks/s" >"$W/bench.txt"
else
  fail "3: the late node did not sync within 40 s"; show_tips n0 late
fi
sleep 2.5
known=$(python3 -c "
import json
d=json.load(open('$W/late/peers.json'))
ports=set(int(k['address'].rsplit(':',1)[1]) for k in d['known'])|set(int(p['address'].rsplit(':',1)[1]) for p in d['peers'])
print(sum(1 for i in range(5) if $P+i in ports))")
[ "$known" -eq 5 ] && pass "3: the late node learnt all 5 peers' addresses from one seed" ||
  fail "3: the late node knows $known of the 5 peers"
# chain status shows the running node's peers (address, heights seen, score)
if "$BIN/chain" status --data "$W/late" --testnet --json 2>/dev/null | /usr/bin/python3 -c "
import json, sys
n = json.load(sys.stdin)['node']
assert n['running'] is True and n['peers'], n
assert all('address' in p and 'score' in p and isinstance(p['heights'], dict) for p in n['peers']), n
" && "$BIN/chain" status --data "$W/late" --testnet 2>/dev/null | grep -q '^  peer 127.0.0.1:[0-9]* direction .* heights test-alpha=[0-9]*'; then
  pass "3: chain status shows the late node's peers"
else
  fail "3: chain status does not show the late node's peers"
fi
for n in $ALL late; do stop_node $n || fail "1: $n did not stop cleanly on SIGTERM"; done
pass "1: every node stopped cleanly on SIGTERM"
fi

# ------------------------------------------------------------ 2: partition
if want 2; then
echo "== 2: partition {a0,a1,a2} | {b0,b1}, both mine, then healed"
Q=$((P + 10))
PRE="$W/prefix"
"$BIN/chain" keygen "$W/ks.key" --label sender >/dev/null 2>&1
"$BIN/pouw" mine --data "$PRE" --testnet --chain alpha --blocks 6 --key "$W/ks.key" --threads 1 >/dev/null 2>&1 ||
  fail "2: mining the common prefix"
for n in a0 a1 a2 b0 b1; do mkdir -p "$W/$n"; sqlite3 "$PRE/chains.db" "VACUUM INTO '$W/$n/chains.db'"; done
for i in 0 1 2; do "$BIN/chain" keygen "$W/ka$i.key" >/dev/null 2>&1; done
for i in 0 1; do "$BIN/chain" keygen "$W/kb$i.key" >/dev/null 2>&1; done
start_node a0 $Q --mine --chain alpha --key "$W/ka0.key" --mine-seconds 22 --seed 11
start_node a1 $((Q + 1)) --peer "127.0.0.1:$Q" --mine --chain alpha --key "$W/ka1.key" --mine-seconds 22 --seed 12
start_node a2 $((Q + 2)) --peer "127.0.0.1:$Q" --mine --policy random --key "$W/ka2.key" --mine-seconds 22 --seed 13
start_node b0 $((Q + 3)) --mine --chain alpha --key "$W/kb0.key" --mine-seconds 16 --seed 14
start_node b1 $((Q + 4)) --peer "127.0.0.1:$((Q + 3))" --mine --policy balancer --key "$W/kb1.key" --mine-seconds 16 --seed 15
sleep 3
to=$("$BIN/chain" keygen "$W/kr2.key" 2>&1 | grep -o 'account [0-9a-f]\{64\}' | cut -c9-)
txid=$("$BIN/chain" send --data "$W/b1" --testnet --chain alpha --to "$to" --amount 7 --fee 1 --key "$W/ks.key" 2>"$W/send.err" | grep -o '[0-9a-f]\{64\}' | head -n 1)
[ -n "$txid" ] && pass "2: a transfer sent on b1 (id ${txid%"${txid#????????????}"}...)" || fail "2: chain send on b1: $(cat "$W/send.err")"
# the transfer is mined on side b (b0 mines alpha), never seen by side a
sig=$(sqlite3 -readonly "$W/b1/chains.db" "select substr(doc, instr(doc,'signature')+13, 32) from mempool limit 1" 2>/dev/null)
sleep 14
inb=$(sqlite3 -readonly "$W/b0/chains.db" "select count(*) from best s join blocks b on b.chain=s.chain and b.id=s.id where s.chain='test-alpha' and instr(b.doc, '$sig')>0" 2>/dev/null)
ina=$(sqlite3 -readonly "$W/a0/chains.db" "select count(*) from blocks where instr(doc, '$sig')>0" 2>/dev/null)
[ -n "$sig" ] && [ "${inb:-0}" -ge 1 ] && [ "${ina:-0}" -eq 0 ] && pass "2: the transfer is in side b's best alpha chain only" ||
  fail "2: transfer placement before healing: side b $inb, side a $ina (sig '$sig')"
if converged a0 b0; then fail "2: the sides agree before healing: not a partition"; else pass "2: the sides differ while cut off"; fi
sleep 7   # side a mines 6 s longer: its alpha chain is the heavier
wa=$(sqlite3 -readonly "$W/a0/chains.db" "select tip_height from chains where name='test-alpha'")
wb=$(sqlite3 -readonly "$W/b0/chains.db" "select tip_height from chains where name='test-alpha'")
echo "   alpha heights before healing: side a $wa, side b $wb"
# heal: b0 killed and restarted with a seed on side a
stop_node b0 || fail "2: b0 did not stop cleanly"
start_node b0 $((Q + 3)) --peer "127.0.0.1:$Q"
if settle 30 a0 a1 a2 b0 b1; then
  pass "2: after healing every node converged: $(tips a0)"
else
  fail "2: no convergence after healing"; show_tips a0 a1 a2 b0 b1
fi
grep -h "reorganisation" "$W/b0.log" "$W/b1.log" | head -n 2 | sed 's/^/   /'
grep -q "test-alpha reorganisation.* [1-9][0-9]* transfers* back" "$W/b0.log" "$W/b1.log" &&
  pass "2: side b's reorganisation put the orphaned transfer back in its mempool" ||
  fail "2: no reorganisation returned a transfer on side b"
sleep 2
ok=0
for n in a0 a1 a2 b0 b1; do
  m=$(sqlite3 -readonly "$W/$n/chains.db" "select count(*) from mempool where chain='test-alpha' and instr(doc,'$sig')>0")
  c=$(sqlite3 -readonly "$W/$n/chains.db" "select count(*) from best s join blocks b on b.chain=s.chain and b.id=s.id where s.chain='test-alpha' and instr(b.doc, '$sig')>0")
  [ $((m + c)) -ge 1 ] && ok=$((ok + 1))
done
[ -n "$sig" ] && [ $ok -eq 5 ] && pass "2: the orphaned transfer is pending (or mined again) on all 5 nodes" ||
  fail "2: the orphaned transfer reached $ok of 5 nodes"
for n in a0 a1 a2 b0 b1; do
  "$BIN/chain" verify --data "$W/$n" --testnet >/dev/null 2>&1 || fail "2: chain verify on $n"
  stop_node $n || fail "2: $n did not stop cleanly"
done
fi

# ------------------------------------------------------------ 5: namespaces
echo "== 5: five nodes in network namespaces"
if ! want 5; then
  :
elif [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "SKIP: 5: needs root and iproute2 (ip netns)"
elif ! ip netns add "bsenet$$h" 2>"$W/ns.err"; then
  echo "SKIP: 5: ip netns does not work here: $(head -n 1 "$W/ns.err")"
else
  H="bsenet$$h"; NS_LIST="$H"
  ip -n "$H" link add br0 type bridge && ip -n "$H" link set br0 up && ip -n "$H" link set lo up
  netem=""
  for i in 1 2 3 4 5; do
    ns="bsenet$$n$i"; ip netns add "$ns"; NS_LIST="$NS_LIST $ns"
    ip -n "$ns" link add eth0 type veth peer name p$i netns "$H"
    ip -n "$H" link set p$i master br0 up
    ip -n "$ns" addr add 10.213.0.$i/24 dev eth0
    ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up
    if ip netns exec "$ns" tc qdisc add dev eth0 root netem delay 20ms 5ms loss 1% 2>"$W/netem.err"; then netem=yes; fi
  done
  if [ -z "$netem" ]; then
    echo "SKIP: 5: tc netem delay/loss: $(head -n 1 "$W/netem.err") (this kernel has no netem qdisc); the namespaces run without it"
  fi
  R=$((P + 20))
  for i in 1 2 3 4 5; do
    ns="bsenet$$n$i"
    "$BIN/chain" keygen "$W/kn$i.key" >/dev/null 2>&1
    peers="--peer 10.213.0.1:$R"; [ $i -eq 1 ] && peers="--peer 10.213.0.5:$R"
    pol=random; [ $((i % 2)) -eq 0 ] && pol=balancer
    ip netns exec "$ns" nice -n 5 "$BIN/pouw" node --data "$W/ns$i" --listen "10.213.0.$i:$R" --testnet $peers \
      --mine --policy $pol --key "$W/kn$i.key" --mine-seconds 12 --run-seconds 90 --seed $((20 + i)) \
      >"$W/ns$i.out" 2>"$W/ns$i.log" &
    eval "PID_ns$i=$!"; PIDS="$PIDS $!"
  done
  sleep 12
  if settle 20 ns1 ns2 ns3 ns4 ns5; then
    pass "5: five nodes in namespaces${netem:+ with netem delay 20 ms and 1% loss} converged: $(tips ns1)"
  else
    fail "5: the namespaced nodes disagree"; show_tips ns1 ns2 ns3 ns4 ns5
  fi
  for i in 1 2 3 4 5; do stop_node ns$i || fail "5: ns$i did not stop cleanly"; done
fi

# sanitizer builds: a report in any node's log is a failure
bad=$(grep -l "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$W"/*.log 2>/dev/null | head -n 3)
[ -z "$bad" ] || fail "sanitizer reports in: $bad"
echo "== net: $FAILS failure(s)"
[ $FAILS -eq 0 ]
