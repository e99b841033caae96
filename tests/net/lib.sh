# tests/net/lib.sh - helpers of tests/net/run.sh (sourced): start and stop nodes
# by their process ids, read each node's tips from its chains.db, wait with a
# deadline. Needs BIN (the programs) and W (the work folder).

PIDS=""

# start_node NAME PORT [pouw node options...]: DIR is $W/NAME, log $W/NAME.log
start_node() {
  name=$1; port=$2; shift 2
  nice -n 5 "$BIN/pouw" node --data "$W/$name" --listen "127.0.0.1:$port" --testnet "$@" \
    >>"$W/$name.out" 2>>"$W/$name.log" &
  eval "PID_$name=$!"
  PIDS="$PIDS $!"
}

# stop_node NAME: SIGTERM, then wait for it (it must exit 0 within 10 s)
stop_node() {
  eval "pid=\${PID_$1:-}"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: node $1 did not stop within 10 s of SIGTERM" >&2
    kill -KILL "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid"; rc=$?
  eval "PID_$1="
  [ $rc -eq 0 ] || { echo "FAIL: node $1 exited $rc after SIGTERM" >&2; tail -n 5 "$W/$1.log" >&2; return 1; }
}

# kill_all: every node this run started (by its id)
kill_all() {
  for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
}

# tips NAME: "chain:height:tip" for every chain, one line
tips() {
  sqlite3 -readonly "$W/$1/chains.db" "select name||':'||tip_height||':'||lower(hex(tip)) from chains order by name" 2>/dev/null | tr '\n' ' '
}

# heights NAME: the sum of the chains' best heights
heights() {
  sqlite3 -readonly "$W/$1/chains.db" "select sum(tip_height) from chains" 2>/dev/null || echo 0
}

# converged NAME...: 0 when every node names the same tip on every chain
converged() {
  first=$(tips "$1")
  [ -n "$first" ] || return 1
  for n in "$@"; do [ "$(tips "$n")" = "$first" ] || return 1; done
  return 0
}

# wait_converged SECONDS NAME...: waits until converged (0) or the deadline (1)
wait_converged() {
  limit=$1; shift
  end=$(( $(date +%s) + limit ))
  while [ "$(date +%s)" -lt $end ]; do
    converged "$@" && return 0
    sleep 0.5
  done
  converged "$@"
}

# show_tips NAME...: one line per node (for a failure message)
show_tips() {
  for n in "$@"; do echo "  $n: $(tips "$n")" >&2; done
}

# genesis_arg NAME: "chain_id:hex,..." of the node's genesis blocks
genesis_arg() {
  sqlite3 -readonly "$W/$1/chains.db" \
    "select c.chain_id||':'||lower(hex(b.id)) from chains c join best b on b.chain=c.name and b.height=0 order by c.chain_id" |
    tr '\n' ',' | sed 's/,$//'
}

now_s() { date +%s.%N; }

# settle SECONDS NAME...: wait_converged; when nodes still disagree on a chain (a
# tie: equal-weight tips, which no node leaves without a new block, spec pouw.md
# s11.3), one more block is mined on that chain in the first node's DIR by a
# separate `pouw mine` process (the node announces what any process stores);
# then waits again. Prints what it did. 0 when converged.
settle() {
  limit=$1; shift
  wait_converged "$limit" "$@" && return 0
  for c in test-alpha test-bravo test-charlie; do
    t1=""; same=1
    for n in "$@"; do
      t=$(sqlite3 -readonly "$W/$n/chains.db" "select lower(hex(tip)) from chains where name='$c'")
      [ -z "$t1" ] && t1=$t
      [ "$t" = "$t1" ] || same=0
    done
    if [ $same -eq 0 ]; then
      echo "   (nodes disagree on $c: a tie-break block is mined in $1's DIR)"
      "$BIN/pouw" mine --data "$W/$1" --testnet --chain "${c#test-}" --blocks 1 --threads 1 >/dev/null 2>&1
    fi
  done
  wait_converged "$limit" "$@"
}
