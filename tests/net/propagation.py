#!/usr/bin/env python3
"""tests/net/propagation.py BIN ORIGIN_DIR DIR... - block propagation time across
running nodes: mines one test-alpha block in ORIGIN_DIR with a separate
`pouw mine` process (the node there announces what any process stores), notes
when ORIGIN_DIR's tip changes and when every DIR names that tip; 5 samples.
Prints "net_propagation_<N>_nodes_ms MEDIAN ms" (N = the DIRs), or exits 1 when a
block did not reach every node within 10 s."""
import sqlite3
import subprocess
import sys
import time

BIN, ORIGIN, DIRS = sys.argv[1], sys.argv[2], sys.argv[3:]


def tip(d):
    try:
        c = sqlite3.connect("file:%s/chains.db?mode=ro" % d, uri=True, timeout=5)
        r = c.execute("select tip from chains where name='test-alpha'").fetchone()
        c.close()
        return r[0] if r else None
    except sqlite3.Error:
        return None


samples = []
for _ in range(5):
    before = tip(ORIGIN)
    p = subprocess.Popen([BIN + "/pouw", "mine", "--data", ORIGIN, "--testnet", "--chain", "alpha", "--blocks", "1",
                          "--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while tip(ORIGIN) == before:
        time.sleep(0.002)
    t0 = time.monotonic()
    new = tip(ORIGIN)
    pending = [d for d in DIRS if d != ORIGIN]
    while pending and time.monotonic() - t0 < 10:
        pending = [d for d in pending if tip(d) != new]
        time.sleep(0.002)
    p.wait()
    if pending:
        print("propagation: the block did not reach %s within 10 s" % ", ".join(pending), file=sys.stderr)
        sys.exit(1)
    samples.append((time.monotonic() - t0) * 1000)
    time.sleep(0.3)
samples.sort()
print("net_propagation_%d_nodes_ms %.1f ms" % (len(DIRS), samples[len(samples) // 2]))
