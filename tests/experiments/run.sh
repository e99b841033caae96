#!/bin/sh
# tests/experiments/run.sh BIN - the experiment drivers' contract, run by `make check`
# (mk/experiments.mk): tiny runs of every driver, bad input (unknown scale, inverted seed
# range, unusable --out: one line, exit 2, no CSV left), two runs give the same
# deterministic CSVs, and `mpirun -np 2` gives the same bytes as one process (skipped
# under sanitizers, SAN set).
set -u
BIN=$1
T=$(mktemp -d /tmp/exp_test_XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "check-experiments: FAIL: $*" >&2; exit 1; }
ok() { echo "check-experiments: ok: $*"; }

# --- bad input: one stderr line, exit 2, nothing written
for prog in e1_landscape e2_learning e3_difficulty e4_grinding e5_binding e6_lazy e7_verify_cost e8_determinism e9_fairness \
    e10_retarget e11_selfish e12_economy e13_fidelity e14_speed; do
  [ -x "$BIN/$prog" ] || continue
  sub=""; [ "$prog" = e8_determinism ] && sub=digests
  for args in "--scale huge" "--seeds 9:3" "--seeds 4:4" "--seeds x:3"; do
    mkdir -p "$T/bad"
    # shellcheck disable=SC2086
    "$BIN/$prog" $sub $args --out "$T/bad" >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 2 ] || fail "$prog $args: exit $rc, expected 2"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "$prog $args: expected one stderr line, got: $(cat "$T/err")"
    [ -z "$(ls "$T/bad")" ] || fail "$prog $args: left files: $(ls "$T/bad")"
  done
  : >"$T/file"
  "$BIN/$prog" $sub --out "$T/file/sub" >"$T/out" 2>"$T/err"; rc=$?
  [ $rc = 2 ] || fail "$prog --out under a file: exit $rc, expected 2"
  [ "$(wc -l <"$T/err")" = 1 ] || fail "$prog unusable --out: expected one line, got: $(cat "$T/err")"
  ok "$prog refuses bad input with one line and exit 2"
done

# --- tiny runs: twice the same bytes; mpirun -np 2 the same bytes
run_e1() { "$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads "$2" --out "$1" >/dev/null; }
run_e1 "$T/a" 1 || fail "e1 run a"
run_e1 "$T/b" 2 || fail "e1 run b"
for f in pps_distribution.csv pps_regression.csv; do
  [ -s "$T/a/$f" ] && [ -s "$T/a/${f%.csv}.json" ] || fail "e1: $f or its sidecar missing"
  cmp -s "$T/a/$f" "$T/b/$f" || fail "e1: $f differs between 1 and 2 threads"
done
ok "e1 tiny run: same bytes with 1 and 2 threads, sidecars written"
if [ -z "${SAN:-}" ] && command -v mpirun >/dev/null 2>&1; then
  mpirun --allow-run-as-root --oversubscribe -np 2 "$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads 1 \
    --out "$T/m" >/dev/null 2>"$T/mpierr" || fail "e1 under mpirun: $(cat "$T/mpierr")"
  for f in pps_distribution.csv pps_regression.csv; do
    cmp -s "$T/a/$f" "$T/m/$f" || fail "e1: $f differs under mpirun -np 2"
  done
  ok "e1 under mpirun -np 2: the same bytes as one process"
else
  ok "mpirun check skipped (sanitizer build or no mpirun)"
fi

# --- --checkpoint: a run stopped mid-way resumes to the same bytes; damage is refused
"$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads 2 --out "$T/c" --checkpoint "$T/ck" >/dev/null 2>&1 ||
  fail "e1 --checkpoint run"
[ "$(wc -l <"$T/ck")" = 7 ] || fail "e1 --checkpoint: expected a header and 6 items, got $(wc -l <"$T/ck") lines"
head -n 4 "$T/ck" >"$T/ck2" && tail -n 1 "$T/ck" | head -c 40 >>"$T/ck2" # stopped: 3 items, then half a line
rm -rf "$T/c"
"$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads 2 --out "$T/c" --checkpoint "$T/ck2" >/dev/null 2>"$T/err" ||
  fail "e1 resume: $(cat "$T/err")"
grep -q "resumed 3 finished items (a last line cut mid-way was dropped)" "$T/err" || fail "e1 resume said: $(cat "$T/err")"
grep -q '"resumed_items":.*3' "$T/c/pps_distribution.json" || fail "e1 resume: sidecar lacks resumed_items 3"
for f in pps_distribution.csv pps_regression.csv; do
  cmp -s "$T/a/$f" "$T/c/$f" || fail "e1: $f differs after a resume"
done
[ "$(wc -l <"$T/ck2")" = 7 ] || fail "e1 resume: the checkpoint was not completed"
sed -i '3s/.$/x/' "$T/ck2" # the check field damaged
rm -rf "$T/c"
"$BIN/e1_landscape" --chain alpha --seeds 0:6 --out "$T/c" --checkpoint "$T/ck2" >/dev/null 2>"$T/err"
[ $? = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "line 3: check does not match" "$T/err" ||
  fail "e1: a damaged checkpoint: $(cat "$T/err")"
[ -e "$T/c/pps_distribution.csv" ] && fail "e1: a CSV written from a damaged checkpoint"
"$BIN/e1_landscape" --chain alpha --seeds 0:7 --out "$T/c" --checkpoint "$T/ck" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "written by another run" "$T/err" || fail "e1: another run's checkpoint: $(cat "$T/err")"
ok "e1 --checkpoint: a stopped run resumes to the same bytes; damaged or foreign checkpoints refused (exit 2)"

# --- --reuse: a sweep run in seed ranges and joined gives one run's bytes; damage is refused
"$BIN/e1_landscape" --chain alpha --seeds 0:3 --out "$T/r1" --checkpoint "$T/s03" >/dev/null 2>&1 || fail "e1 shard 0:3"
"$BIN/e1_landscape" --chain alpha --seeds 3:6 --out "$T/r2" --checkpoint "$T/s36" >/dev/null 2>&1 || fail "e1 shard 3:6"
gzip -n "$T/s36"
reuse_same() { # what: the run of --seeds 0:6 --reuse ... (the rest of the arguments) gives $T/a's bytes
  w=$1; shift
  rm -rf "$T/j"
  "$BIN/e1_landscape" --chain alpha --seeds 0:6 --out "$T/j" "$@" >/dev/null 2>"$T/err" || fail "e1 --reuse $w: $(cat "$T/err")"
  for f in pps_distribution.csv pps_regression.csv; do
    cmp -s "$T/a/$f" "$T/j/$f" || fail "e1 --reuse $w: $f differs from one run's"
  done
}
reuse_same "two shards" --reuse "$T/s03,$T/s36.gz"
# reused + checked (the first of the segment, and one in 2,000 more at random) = the 6 items
reuse_counts() { # SIDECAR TOTAL: the items reused and checked add up to TOTAL, at least 1 checked
  /usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); t = int(sys.argv[2])
sys.exit(not (s["reused_items"] + s["reused_items_checked"] == t and s["reused_items_checked"] >= 1))' "$1" "$2"
}
reuse_counts "$T/j/pps_distribution.json" 6 && grep -q '"reused_from":.*s03 (code' "$T/j/pps_distribution.json" ||
  fail "e1 --reuse: the sidecar does not say what was reused: $(cat "$T/j/pps_distribution.json")"
reuse_same "one shard, the rest computed" --reuse "$T/s36.gz" --threads 2
reuse_same "overlapping files that agree" --reuse "$T/ck,$T/s03" --checkpoint "$T/ckj"
if [ -z "${SAN:-}" ] && command -v mpirun >/dev/null 2>&1; then
  mpirun --allow-run-as-root --oversubscribe -np 2 "$BIN/e1_landscape" --chain alpha --seeds 0:6 --threads 1 \
    --reuse "$T/s03" --out "$T/jm" >/dev/null 2>"$T/mpierr" || fail "e1 --reuse under mpirun: $(cat "$T/mpierr")"
  cmp -s "$T/a/pps_distribution.csv" "$T/jm/pps_distribution.csv" || fail "e1 --reuse under mpirun -np 2: other bytes"
  reuse_counts "$T/jm/pps_distribution.json" 3 ||
    fail "e1 --reuse under mpirun: reused and checked items do not add up to 3: $(cat "$T/jm/pps_distribution.json")"
fi
reuse_bad() { # what expected-text args...: exit 2, one line with the text, no CSV
  w=$1; x=$2; shift 2
  rm -rf "$T/j"
  "$BIN/e1_landscape" --chain alpha --seeds 0:6 --out "$T/j" "$@" >/dev/null 2>"$T/err"; rc=$?
  [ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "$x" "$T/err" || fail "e1 --reuse $w: exit $rc: $(cat "$T/err")"
  [ -e "$T/j/pps_distribution.csv" ] && fail "e1 --reuse $w: a CSV was written"
  return 0
}
forge() { # IN OUT ITEM [short | set J X]: OUT is IN with item ITEM's pps changed (or one value fewer, or
  # value J (from 0) made X) and its check made valid again
  /usr/bin/python3 - "$@" <<'PY' || fail "could not forge a checkpoint line"
import struct, sys
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h
lines = open(sys.argv[1], 'rb').read().split(b'\n')
for i, l in enumerate(lines[1:], 1):
    w = l.split(b' ')
    if w[0] == sys.argv[3].encode():
        if len(sys.argv) > 4 and sys.argv[4] == 'short':  # one value fewer, the count to match
            w = [w[0], b'%d' % (int(w[1]) - 1)] + w[2:-2] + w[-1:]
        elif len(sys.argv) > 4:  # set J X
            w[2 + int(sys.argv[5])] = b'%016x' % struct.unpack('<Q', struct.pack('<d', float(sys.argv[6])))[0]
        else:
            w[2 + 30] = b'%016x' % struct.unpack('<Q', struct.pack('<d', 12345.0))[0]  # another pps
        body = b' '.join(w[:-1]) + b' '
        lines[i] = body + b'%016x' % fnv(body)
open(sys.argv[2], 'wb').write(b'\n'.join(lines))
PY
}
forge "$T/s03" "$T/sbad" 1
reuse_bad "values that disagree" "seed 1 differs from the same item" --reuse "$T/s03,$T/sbad"
forge "$T/s03" "$T/sbad0" 0 # the first reused item of a segment is always computed again
reuse_bad "altered values, alone" "seed 0: the reused values differ from a recomputation" --reuse "$T/sbad0"
forge "$T/s03" "$T/sshort" 2 short # (seed 2: computed again only 1 time in 2,000)
reuse_bad "an item short of values" "sshort: line [0-9]*: segment 0 seed 2: 48 values where an item has 49" --reuse "$T/sshort"
forge "$T/s03" "$T/sfrac" 2 set 0 0.5 # a price that is not a whole number
reuse_bad "a price not whole" "sfrac: line [0-9]*: segment 0 seed 2: value 1 is 0.5 where a whole number" --reuse "$T/sfrac"
forge "$T/s03" "$T/snan" 2 set 47 nan # the attempt's n_traders
reuse_bad "a count that is NaN" "snan: line [0-9]*: segment 0 seed 2: value 48 is nan where a whole number" --reuse "$T/snan"
head -c 300 "$T/s36.gz" >"$T/cut.gz"
reuse_bad "a cut gzip file" "cut.gz: line .*: the gzip data is cut short" --reuse "$T/cut.gz"
sed -E '2s/^([0-9]+) /9\1 /' "$T/s03" >"$T/sdam" # another item number: the check no longer matches
reuse_bad "a damaged line" "sdam: line 2: check does not match" --reuse "$T/sdam"
"$BIN/e1_landscape" --chain alpha --seeds 0:2 --environments v1 --out "$T/r3" --checkpoint "$T/sv1" >/dev/null 2>&1 ||
  fail "e1 v1 shard"
reuse_bad "another run's options" "sv1: line 1: written by a run of other options: it has '--environments=v1'" --reuse "$T/sv1"
reuse_bad "a CSV" "not a sweep checkpoint" --reuse "$T/a/pps_distribution.csv"
reuse_bad "a missing file" "nofile: cannot open" --reuse "$T/nofile"
reuse_bad "an empty name" "an empty path" --reuse "$T/s03,"
ok "e1 --reuse: seed-range shards (plain or gzip, with a run's own checkpoint, under mpirun) join to one run's bytes; disagreeing, cut, damaged or foreign files refused (exit 2)"

# --- the other drivers, tiny: they run, write their CSV and sidecar, and (deterministic
# ones) the same bytes twice
two() { # name csv args...: run twice into $T/x1 and $T/x2, compare
  n=$1; c=$2; shift 2
  "$BIN/$n" "$@" --out "$T/x1" >/dev/null 2>"$T/err" || fail "$n $*: $(cat "$T/err")"
  "$BIN/$n" "$@" --out "$T/x2" --threads 1 >/dev/null 2>"$T/err" || fail "$n $* (1 thread): $(cat "$T/err")"
  [ -s "$T/x1/$c" ] && [ -s "$T/x1/${c%.csv}.json" ] || fail "$n: $c or its sidecar missing"
  cmp -s "$T/x1/$c" "$T/x2/$c" || fail "$n: $c differs between two runs"
  ok "$n: $c the same bytes twice"
}
two e4_grinding grinding.csv --in "$T/a/pps_distribution.csv" --resamples 20
# v1-style environments (version 1's generator, costs differ): their own files, and E4's rows
"$BIN/e1_landscape" --chain alpha --seeds 0:40 --environments v1 --out "$T/v" >/dev/null 2>"$T/err" ||
  fail "e1 --environments v1: $(cat "$T/err")"
[ -s "$T/v/pps_distribution_v1.csv" ] && [ -s "$T/v/pps_regression_v1.json" ] && [ ! -e "$T/v/pps_distribution.csv" ] ||
  fail "e1 --environments v1: expected pps_distribution_v1.csv and pps_regression_v1.csv only: $(ls "$T/v")"
awk -F, 'NR > 1 { if ($2 != "v1") bad = 1; n[$9] = 1 } END { k = 0; for (x in n) k++; exit bad || k < 5 }' \
  "$T/v/pps_distribution_v1.csv" || fail "e1 --environments v1: rows not v1, or trader counts that do not vary"
"$BIN/e1_landscape" --environments v2 --out "$T/bad" >/dev/null 2>"$T/err" && fail "e1 --environments v2 accepted"
[ -z "$(ls "$T/bad")" ] || fail "e1 --environments v2 left files"
# (the same file as both inputs: two blocks of 2 modes x 9 strategies, the second marked v1 in the seeds)
two e4_grinding grinding.csv --in "$T/v/pps_distribution_v1.csv" --in-v1 "$T/v/pps_distribution_v1.csv" --resamples 20
[ "$(grep -c '^alpha,lottery,v1,cost_screen,0.50,' "$T/x1/grinding.csv")" = 2 ] && [ "$(wc -l <"$T/x1/grinding.csv")" = 37 ] &&
  grep -q '"seeds":.*alpha 0:40, alpha v1 0:40' "$T/x1/grinding.json" ||
  fail "e4 --in-v1: expected the v1 file's rows after the first file's: $(cut -d, -f1-5 "$T/x1/grinding.csv")"
ok "e1 --environments v1 and e4 --in-v1: v1 rows beside the equal-cost ones"
# per-height environments: the market from the height (seed mod K), the traders' draws from the attempt
"$BIN/e1_landscape" --chain alpha --seeds 0:40 --environments per-height --heights 4 --out "$T/h" >/dev/null 2>"$T/err" ||
  fail "e1 --environments per-height: $(cat "$T/err")"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "pps_micro") pc = i; next }
  { if ($2 != "per-height") bad = 1; k = ($3 % 4) "/" $4; env = $5 "," $6 "," $7 "," $8 "," $9;
  if (k in e && e[k] != env) bad = 1; e[k] = env; p[k "/" $pc] = 1 }
  END { n = 0; for (x in p) n++; exit bad || n < 20 }' "$T/h/pps_distribution_height.csv" ||
  fail "e1 per-height: a height's market differs between its attempts, or every attempt scores alike"
grep -q '"heights":[[:space:]]*4' "$T/h/pps_distribution_height.json" || fail "e1 per-height: no heights in the sidecar"
"$BIN/e1_landscape" --heights 3 --environments per-height --out "$T/bad" >/dev/null 2>&1 && fail "e1: odd --heights accepted"
"$BIN/e4_grinding" --in "$T/v/pps_distribution_v1.csv" --in-height "$T/h/pps_distribution_height.csv" --resamples 20 \
  --out "$T/g" >/dev/null 2>"$T/err" || fail "e4 --in-height: $(cat "$T/err")"
[ "$(grep -c '^alpha,[a-z]*,per-height,' "$T/g/grinding.csv")" = 18 ] || fail "e4 --in-height: expected 18 per-height rows"
ok "e1 --environments per-height and e4 --in-height: one market per height, rows per-height"
two e5_binding binding.csv --blocks 2
grep -q '^other_chain,reground,4,0,' "$T/x1/binding.csv" || fail "e5: a reused proof was accepted: $(cat "$T/x1/binding.csv")"
two e6_lazy lazy_miner.csv --blocks 2
awk -F, 'NR > 1 && $3 != 0 { bad = 1 } END { exit bad }' "$T/x1/lazy_miner.csv" || fail "e6: a forgery was accepted"
two e13_fidelity fidelity.csv --seeds 0:2
grep -q '^zic,0,0.90069,16.676,' "$T/x1/fidelity_seeds.csv" || fail "e13: zic seed 0 differs from BSE.py's baseline"
two e11_selfish selfish.csv --seeds 0:2 --blocks 2000
cmp -s "$T/x1/selfish_delay.csv" "$T/x2/selfish_delay.csv" || fail "e11: selfish_delay.csv differs between two runs"
two e9_fairness fairness.csv --seeds 0:2 --duration 60
[ "$(wc -l <"$T/x1/fairness.csv")" = 5 ] || fail "e9: expected four miners' rows: $(cat "$T/x1/fairness.csv")"
two e10_retarget retarget.csv --seeds 0:1 --duration 60
cmp -s "$T/x1/retarget_summary.csv" "$T/x2/retarget_summary.csv" || fail "e10: retarget_summary.csv differs between two runs"
two e12_economy economy_wealth.csv --seeds 0:1 --duration 1200 --holdings 0.01
# A checkpoint line forged with a valid check (the check guards against damage, not design):
# each sweep driver refuses values it could not have written, naming the file and line.
forged() { # name expected-text forge-args -- driver-args: resume from a forged checkpoint: exit 2, one line, no CSV
  n=$1; x=$2; shift 2
  fa=""; while [ "$1" != -- ]; do fa="$fa $1"; shift; done; shift
  rm -rf "$T/fo" "$T/fk.$n" "$T/fkf.$n"
  "$BIN/$n" "$@" --out "$T/fo" --checkpoint "$T/fk.$n" >/dev/null 2>"$T/err" || fail "$n --checkpoint: $(cat "$T/err")"
  rm -rf "$T/fo"
  # shellcheck disable=SC2086 # the forge arguments are words
  forge "$T/fk.$n" "$T/fkf.$n" 0 $fa
  cp "$T/fkf.$n" "$T/fkf.$n.before"
  "$BIN/$n" "$@" --out "$T/fo" --checkpoint "$T/fkf.$n" >/dev/null 2>"$T/err"; rc=$?
  [ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "fkf.$n: line [0-9]*: segment 0 seed [0-9]*: $x" "$T/err" ||
    fail "$n: a forged checkpoint line: exit $rc: $(cat "$T/err")"
  [ -e "$T/fo" ] && [ -n "$(ls "$T/fo")" ] && fail "$n: a forged checkpoint line: something was written"
  cmp -s "$T/fkf.$n" "$T/fkf.$n.before" || fail "$n: a refused checkpoint was changed"
  return 0
}
forged e13_fidelity "4 values where an item has 5" short -- --seeds 0:2
forged e11_selfish "value 4 is nan where a whole number" set 3 nan -- --seeds 0:2 --blocks 2000
forged e10_retarget "value 1 is 7 where a whole number in \[0, 2\]" set 0 7 -- --seeds 0:1 --duration 60
forged e9_fairness "value 1 is -1 where a whole number" set 0 -1 -- --seeds 0:2 --duration 60
forged e12_economy "value 3 is 1e+300 where a number in" set 2 1e300 -- --seeds 0:1 --duration 1200 --holdings 0.01
forged e2_learning "71 values where an item has 72" short -- --seeds 0:2
ok "e2, e9-e13: a forged checkpoint line (a valid check, values the driver could not write) refused with the file and line (exit 2)"
for f in economy_rates.csv economy_whale.csv economy_grid.csv; do
  [ -s "$T/x1/${f%.csv}.json" ] || fail "e12: the sidecar of $f missing"
  cmp -s "$T/x1/$f" "$T/x2/$f" || fail "e12: $f differs between two runs"
done
ls -a "$T/x1" | grep -q '^\.econ_run' && fail "e12: a temporary run folder was left in the output folder"
"$BIN/e3_difficulty" --in "$T/a/pps_distribution.csv" --attempts 1 --out "$T/x1" >/dev/null 2>"$T/err" || fail "e3: $(cat "$T/err")"
[ -s "$T/x1/difficulty_curve.csv" ] && [ -s "$T/x1/attempt_times.json" ] || fail "e3: outputs missing"
ok "e3_difficulty runs"
Q="$T/q\"u\\o"; mkdir -p "$Q" && cp "$T/a/pps_distribution.csv" "$Q/" || fail "cannot copy E1's CSV"
"$BIN/e3_difficulty" --in "$Q/pps_distribution.csv" --attempts 1 --out "$T/xq" >/dev/null 2>"$T/err" || fail "e3 (a quote in --in): $(cat "$T/err")"
"$BIN/e4_grinding" --in "$Q/pps_distribution.csv" --resamples 20 --out "$T/xq" >/dev/null 2>"$T/err" || fail "e4 (a quote in --in): $(cat "$T/err")"
for j in difficulty_curve attempt_times grinding; do
  /usr/bin/python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]; sys.exit(c.get("input") != sys.argv[2])' \
    "$T/xq/$j.json" "$Q/pps_distribution.csv" || fail "e3/e4: $j.json is not valid JSON naming the input path exactly"
done
ok "e3, e4: an input path holding a quote and a backslash is escaped in the sidecars' config"
LQ="$T/$(head -c 5000 /dev/zero | tr '\0' '"')"
long_path() { # PROG ARGS...: refused for the too long "$LQ", with nothing written
  p=$1; shift
  rm -rf "$T/bad"; "$BIN/$p" "$@" "$LQ" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q 'too long a path for the sidecar' "$T/err" || fail "$p: a path too long to quote: rc $rc, $(tail -c 80 "$T/err")"
  [ -z "$(ls "$T/bad" 2>/dev/null)" ] || fail "$p: a path too long to quote left files behind"
}
long_path e4_grinding --in-v1
long_path e8_determinism digests --golden
ok "e4, e8: a path too long to quote into a sidecar refused before any work (exit 2, one line, nothing written)"
"$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --out "$T/x1" >/dev/null 2>"$T/err" || fail "e14: $(cat "$T/err")"
grep -Eq '"deterministic":[[:space:]]*false' "$T/x1/speed.json" || fail "e14: a timing CSV must say deterministic false"
E14X=seed,orders,trades,resting_mean,engine_wall_s,engine_cpu_s,engine_orders_per_s,engine_orders_per_cpu_s,liquibook_trades,liquibook_cancel_rejects,liquibook_wall_s,liquibook_cpu_s,liquibook_orders_per_s,liquibook_orders_per_cpu_s,ratio,ratio_cpu,repeats
[ "$(head -n1 "$T/x1/speed_exchange.csv")" = "$E14X" ] || fail "e14: speed_exchange.csv header: $(head -n1 "$T/x1/speed_exchange.csv")"
grep -Eq '"deterministic":[[:space:]]*false' "$T/x1/speed_exchange.json" || fail "e14: speed_exchange.json must say deterministic false"
# without a baseline: the engine's columns filled, liquibook's and the ratios empty
awk -F, 'NR == 2 && $1 == 0 && $2 == 20000 && $3 > 0 && $7 > 0 && $9 == "" && $15 == "" { good = 1 } END { exit !good }' \
  "$T/x1/speed_exchange.csv" || fail "e14: speed_exchange.csv row: $(sed -n 2p "$T/x1/speed_exchange.csv")"
ok "e14_speed runs: speed.csv and speed_exchange.csv (deterministic false, header, empty baseline columns)"
BSE_SHARED=$T/no_shared "$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --out "$T/x3" >/dev/null 2>"$T/err" ||
  fail "e14 without a BSE.py baseline: $(cat "$T/err")"
[ "$(cut -d, -f1,5,9 "$T/x3/speed.csv" | tr '\n' ' ')" = "market,bsepy_wall_s,speedup small,, standard,, large,, " ] ||
  fail "e14 without a baseline: expected small, standard, large with empty BSE.py columns: $(cat "$T/x3/speed.csv")"
ok "e14_speed without a BSE.py baseline (none in shared/): the engine's timings, BSE.py's columns empty"
# a stand-in baseline (the contract of experiments/baselines/liquibook_replay: one output line)
printf '#!/bin/sh\necho "orders 20000 trades 7000 wall_s 0.01 cpu_s 0.008 reps 1 cancel_rejects 3"\n' >"$T/fake_lq"
printf '#!/bin/sh\necho "half a line"\n' >"$T/bad_lq"
printf '#!/bin/sh\necho "liquibook_replay: broken" >&2\nexit 2\n' >"$T/fail_lq"
chmod +x "$T/fake_lq" "$T/bad_lq" "$T/fail_lq"
"$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --liquibook "$T/fake_lq" --flows "$T/flows" --out "$T/x2" \
  >/dev/null 2>"$T/err" || fail "e14 --liquibook: $(cat "$T/err")"
awk -F, 'NR == 2 && $9 == 7000 && $10 == 3 && $11 == "0.01000" && $13 == 2000000 && $15 > 0 { good = 1 } END { exit !good }' \
  "$T/x2/speed_exchange.csv" || fail "e14 --liquibook: row: $(sed -n 2p "$T/x2/speed_exchange.csv")"
[ "$(head -n1 "$T/flows/flow_seed0.txt")" = "bse-flow 1 0 20000" ] && [ "$(wc -l <"$T/flows/flow_seed0.txt")" = 20001 ] \
  || fail "e14 --flows: flow_seed0.txt: $(head -n1 "$T/flows/flow_seed0.txt")"
[ "$(ls "$T/flows")" = flow_seed0.txt ] || fail "e14 --flows: stray files: $(ls "$T/flows")"
ok "e14_speed --liquibook fills the baseline columns and the ratios; --flows keeps the flow file"
for lq in "$T/nonexistent" "$T"; do
  mkdir -p "$T/bad"
  "$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --liquibook "$lq" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
  [ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ -z "$(ls "$T/bad")" ] || fail "e14 --liquibook $lq: exit $rc, $(cat "$T/err"), left $(ls "$T/bad")"
done
for lq in "$T/bad_lq" "$T/fail_lq"; do
  "$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --liquibook "$lq" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
  [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ -z "$(ls -A "$T/bad")" ] || fail "e14 --liquibook $lq: exit $rc, $(cat "$T/err"), left $(ls -A "$T/bad")"
done
grep -q 'broken' "$T/err" || fail "e14: a failing baseline's message is not passed on: $(cat "$T/err")"
"$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --flows "$T/file/sub" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ -z "$(ls -A "$T/bad")" ] || fail "e14 --flows under a file: exit $rc, $(cat "$T/err")"
ok "e14_speed refuses a missing baseline (exit 2) and a failing one (exit 1) with one line, no CSV half-written"
# --bsepy: BSE.py itself run beside the engine, through shared/tools/pybse.py; stand-ins for
# BSE.py (a module with market_session) check the plumbing without the real one
mkdir -p "$T/fakepy" "$T/failpy" "$T/nopy"
printf 'import time\nverbose = True\ndef market_session(sid, start, end, spec, sched, dumps, v):\n    time.sleep(0.02)\n    open(sid + "_tape.csv", "w").close()\n    open(sid + "_avg_balance.csv", "w").close()\n' >"$T/fakepy/BSE.py"
printf 'verbose = True\ndef market_session(*args):\n    raise RuntimeError("stand-in BSE.py broken")\n' >"$T/failpy/BSE.py"
if "$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --bsepy "$T/fakepy" --bsepy-repeats 2 --out "$T/py" >/dev/null 2>"$T/err"; then
  [ "$(head -n1 "$T/py/speed.csv" | cut -d, -f13-)" = "bsepy_here_wall_s,speedup_here,bsepy_here_repeats" ] ||
    fail "e14 --bsepy: speed.csv header: $(head -n1 "$T/py/speed.csv")"
  awk -F, 'NR > 1 && $13 >= 0.02 && $14 > 0 && $15 == 2 { n++ } END { exit n != 3 }' "$T/py/speed.csv" ||
    fail "e14 --bsepy: BSE.py's time here (>= 0.02 s, the stand-in's sleep) and speedup_here: $(cat "$T/py/speed.csv")"
  grep -q '"bsepy_repeats":[[:space:]]*2' "$T/py/speed.json" || fail "e14 --bsepy: the sidecar does not say bsepy_repeats"
  "$BIN/e13_fidelity" --seeds 0:2 --bsepy "$T/fakepy" --bsepy-seeds 1 --out "$T/py" >/dev/null 2>"$T/err" || fail "e13 --bsepy: $(cat "$T/err")"
  [ "$(cut -d, -f1,2,9 "$T/py/fidelity_bsepy.csv" | tr '\n' ' ')" = "market,seed,identical_files zic,0,0 small,0,0 standard,0,0 large,0,0 " ] ||
    fail "e13 --bsepy with a stand-in BSE.py: $(cat "$T/py/fidelity_bsepy.csv")"
  for d in failpy nopy; do
    for e in e14 e13; do
      rm -rf "$T/bad"; mkdir -p "$T/bad"
      if [ $e = e14 ]; then "$BIN/e14_speed" --seeds 0:1 --repeats 1 --orders 20000 --bsepy "$T/$d" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
      else "$BIN/e13_fidelity" --seeds 0:2 --bsepy "$T/$d" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?; fi
      want=1; [ $d = nopy ] && want=2
      [ $rc = $want ] && [ "$(wc -l <"$T/err")" = 1 ] && [ -z "$(ls -A "$T/bad")" ] ||
        fail "$e --bsepy $d: exit $rc (want $want), $(cat "$T/err"), left $(ls -A "$T/bad")"
    done
  done
  "$BIN/e14_speed" --seeds 0:1 --bsepy "$T/failpy" --out "$T/bad" >/dev/null 2>"$T/err"
  grep -q 'stand-in BSE.py broken' "$T/err" || fail "e14 --bsepy: a failing BSE.py's message is not passed on: $(cat "$T/err")"
  "$BIN/e14_speed" --bsepy-repeats 2 --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
  [ $rc = 2 ] && [ -z "$(ls -A "$T/bad")" ] || fail "e14 --bsepy-repeats without --bsepy: exit $rc"
  ok "e14 and e13 --bsepy: BSE.py run beside the engine (time here, speedup_here; files compared); a failing or missing BSE.py: one line, exit 1 / 2, nothing written"
elif grep -q 'runner is missing' "$T/err"; then
  ok "e14 --bsepy not checked: shared/tools/pybse.py is not on this machine ($(cat "$T/err"))"
else
  fail "e14 --bsepy with a stand-in BSE.py: $(cat "$T/err")"
fi
"$BIN/e4_grinding" --in "$T/nonexistent.csv" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -e "$T/bad/grinding.csv" ] || fail "e4 with a missing input: exit $rc, $(cat "$T/err")"
ok "e4 refuses a missing input with one line, nothing written"
# E1's CSV damaged: E3 and E4 refuse it whole, naming the file, line and column
E1C=$T/a/pps_distribution.csv; mkdir -p "$T/dmg"
head -c $(($(wc -c <"$E1C") - 9)) "$E1C" >"$T/dmg/cut_mid.csv"                  # cut mid-line
sed '3s/^alpha,/zeta,/' "$E1C" >"$T/dmg/chain.csv"                              # unknown chain
sed '4s/^\([^,]*,[^,]*\),[0-9]*,/\1,x1,/' "$E1C" >"$T/dmg/seed.csv"            # not an integer
head -n 3 "$E1C" | sed '3s/,1,/,0,/' >"$T/dmg/order.csv"                         # session 0 twice
head -n $(($(wc -l <"$E1C") - 2)) "$E1C" >"$T/dmg/pps_distribution.csv"        # cut at a line's end:
cp "$T/a/pps_distribution.json" "$T/dmg/"                                      # the sidecar tells
for f in cut_mid chain seed order pps_distribution; do
  for d in e4_grinding e3_difficulty; do
    rm -rf "$T/bad"; "$BIN/$d" --in "$T/dmg/$f.csv" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
    [ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "$f.csv" "$T/err" && [ -z "$(ls -A "$T/bad")" ] ||
      fail "$d on a damaged E1 CSV ($f): exit $rc, $(cat "$T/err")"
  done
done
ok "e3 and e4 refuse a cut, mixed or hand-damaged E1 CSV with one line, nothing written"
# a session of 5e9 trader steps (E1 writes a few million per attempt): e4 names n_steps
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "n_steps") c = i } NR == 2 { $c = 5000000000 } 1' \
  "$E1C" >"$T/dmg/steps.csv"
rm -rf "$T/bad"; "$BIN/e4_grinding" --in "$T/dmg/steps.csv" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "steps.csv: line 2: n_steps" "$T/err" && [ -z "$(ls -A "$T/bad")" ] ||
  fail "e4 on an attempt of 5e9 steps: exit $rc, $(cat "$T/err")"
ok "e4 refuses an attempt with more trader steps than a session takes, naming the line and n_steps"
TOP_DIR=$(cd "$(dirname "$0")/../.." && pwd)
# E1's CSV kept gzipped (make results SCALE=paper): E3, E4, make_readme.py and det_sums.sh
# read it as the plain file; a damaged .gz is refused; E1 writing the CSV again removes it
mkdir -p "$T/gz"; cp "$T/a/pps_distribution.json" "$T/gz/"; gzip -9nc "$E1C" >"$T/gz/pps_distribution.csv.gz"
"$BIN/e3_difficulty" --in "$T/gz/pps_distribution.csv" --attempts 1 --out "$T/gz" >/dev/null 2>"$T/err" || fail "e3 on a .csv.gz: $(cat "$T/err")"
"$BIN/e4_grinding" --in "$T/gz/pps_distribution.csv.gz" --resamples 20 --out "$T/gz" >/dev/null 2>"$T/err" || fail "e4 on a .csv.gz: $(cat "$T/err")"
"$BIN/e4_grinding" --in "$E1C" --resamples 20 --out "$T/gzp" >/dev/null 2>"$T/err" || fail "e4: $(cat "$T/err")"
cmp -s "$T/gz/difficulty_curve.csv" "$T/x1/difficulty_curve.csv" && cmp -s "$T/gz/grinding.csv" "$T/gzp/grinding.csv" ||
  fail "e3 or e4 on E1's CSV kept gzipped: not the bytes of the plain file's"
[ "$(cd "$T/a" && sha256sum pps_distribution.csv)" = "$("$TOP_DIR/experiments/det_sums.sh" "$T/gz" | grep ' pps_distribution.csv$')" ] ||
  fail "det_sums.sh: a .csv.gz not summed as its CSV"
/usr/bin/python3 "$TOP_DIR/experiments/make_readme.py" "$T/gz" >/dev/null 2>"$T/err" || fail "make_readme.py on a .csv.gz: $(cat "$T/err")"
grep -q '^| alpha | equal-cost | 6 |' "$T/gz/README.md" || fail "make_readme.py: E1's .csv.gz not read: $(grep -A3 '^| chain' "$T/gz/README.md")"
head -c $(($(wc -c <"$T/gz/pps_distribution.csv.gz") / 2)) "$T/gz/pps_distribution.csv.gz" >"$T/gz/cut.csv.gz"
rm -rf "$T/bad"; "$BIN/e3_difficulty" --in "$T/gz/cut.csv.gz" --out "$T/bad" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q 'cut.csv.gz' "$T/err" && [ -z "$(ls -A "$T/bad" 2>/dev/null)" ] ||
  fail "e3 on a cut .csv.gz: exit $rc, $(cat "$T/err")"
"$BIN/e1_landscape" --chain alpha --seeds 0:6 --out "$T/gz" >/dev/null 2>"$T/err" || fail "e1 into gz: $(cat "$T/err")"
[ -s "$T/gz/pps_distribution.csv" ] && [ ! -e "$T/gz/pps_distribution.csv.gz" ] ||
  fail "e1: a stale pps_distribution.csv.gz left beside the new pps_distribution.csv"
ok "E1's CSV kept gzipped: e3, e4 and det_sums read it as the plain file; a cut .gz refused; e1 removes a stale one"
if [ -z "${SAN:-}" ] && command -v mpirun >/dev/null 2>&1; then
  mpirun --allow-run-as-root --oversubscribe -np 2 "$BIN/e13_fidelity" --seeds 0:2 --threads 1 --out "$T/m" >/dev/null 2>"$T/mpierr" \
    || fail "e13 under mpirun: $(cat "$T/mpierr")"
  for f in fidelity.csv fidelity_seeds.csv; do cmp -s "$T/x1/$f" "$T/m/$f" || fail "e13: $f differs under mpirun -np 2"; done
  ok "e13 under mpirun -np 2: the same bytes as one process"
  mpirun --allow-run-as-root --oversubscribe -np 2 "$BIN/e9_fairness" --seeds 0:2 --duration 60 --threads 1 --out "$T/m" >/dev/null 2>"$T/mpierr" \
    || fail "e9 under mpirun: $(cat "$T/mpierr")"
  "$BIN/e9_fairness" --seeds 0:2 --duration 60 --out "$T/x1" >/dev/null 2>"$T/err" || fail "e9: $(cat "$T/err")"
  cmp -s "$T/x1/fairness.csv" "$T/m/fairness.csv" || fail "e9: fairness.csv differs under mpirun -np 2"
  ok "e9 under mpirun -np 2: the same bytes as one process"
fi
# the committed notebooks are what experiments/make_notebooks.py writes
(cd "$TOP_DIR" && /usr/bin/python3 experiments/make_notebooks.py --check) 2>"$T/err" || fail "$(cat "$T/err")"
ok "notebooks/ are what experiments/make_notebooks.py writes"
# results/README.md's generator: one section per experiment, with and without CSVs (an edit
# of one section once dropped two others)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$T/readme"
for d in "$T/readme" "$T/x1"; do
  /usr/bin/python3 "$TOP/experiments/make_readme.py" "$d" >/dev/null 2>"$T/err" || fail "make_readme.py $d: $(cat "$T/err")"
  for e in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
    grep -q "^## E$e " "$d/README.md" || fail "make_readme.py $d: no section E$e"
  done
done
ok "make_readme.py writes a section for each of E1-E14"
# the committed results/README.md is what make_readme.py writes from the committed CSVs, and
# its headline numbers are there (E4 per mode with its interval, E5/E6 acceptances, ...)
mkdir -p "$T/res"
for f in "$TOP/results"/*; do [ "$(basename "$f")" = README.md ] || ln -s "$f" "$T/res/"; done
/usr/bin/python3 "$TOP/experiments/make_readme.py" "$T/res" >/dev/null 2>"$T/err" || fail "make_readme.py results: $(cat "$T/err")"
cmp -s "$T/res/README.md" "$TOP/results/README.md" \
  || fail "results/README.md is not what experiments/make_readme.py writes from results/ (run it): $(diff "$TOP/results/README.md" "$T/res/README.md" | head -5)"
for h in '^## Headline numbers' '^- \*\*E4 grinding\.\*\* Mode pps: .*\[' 'Mode lottery: .*\[' \
         '^- \*\*E5 Binding\.\*\* 0 of [1-9]' '^- \*\*E6 Lazy miner\.\*\* 0 of [1-9]' '^- \*\*E7 ' '^- \*\*E13 ' '^- \*\*E14 '; do
  grep -q "$h" "$T/res/README.md" || fail "results/README.md: no headline line matching $h"
done
ok "results/README.md is make_readme.py's output, with its headline numbers"
exit 0
