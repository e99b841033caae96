#!/usr/bin/env python3
"""Differential check of bin/bse against the reference BSE.py on random configs.

usage: BSE_PY_DIR=/path/to/BSE python3 tests/diff/random_cases.py [--n N] [--seed S] [--bin bin]
       python3 tests/diff/random_cases.py --against OLD/bin/bse [--n N] [--seed S] [--bin bin]

Draws N random but valid cases (trader mixes over all eleven types, one to three zones,
every step mode and time mode, int and hex256 seeds), runs each through the C engine and
through ../shared/tools/pybse.py (BSE.py v1.91), and compares the SHA-256 of every output
file and random.getrandbits(32) after the session. Not part of `make test` (it needs
BSE.py, which this project does not ship); run it by hand after engine changes.
With --against, the reference is another build of bin/bse instead of BSE.py (fast:
an optimisation must leave every byte as the previous engine wrote it), and half of
the cases get extra PRSH and PRDE traders, whose strategy tables change most.
Prints one line per case and "N passed, M failed"."""
import argparse, hashlib, json, os, random, subprocess, sys, tempfile

TYPES = ["GVWY", "ZIC", "SHVR", "SNPR", "ZIP", "ZIPSH", "PRZI", "PRSH", "PRDE"]

def params(t, r):
    if t == "ZIPSH":
        return {"k": r.randint(2, 3)} if r.random() < 0.7 else None
    if t == "PRZI":
        return {"s_min": -1.0, "s_max": 1.0}
    if t == "PRSH":
        return {"k": r.randint(2, 5), "s_min": round(r.uniform(-1, 0), 3), "s_max": round(r.uniform(0, 1), 3)}
    if t == "PRDE":
        return {"k": r.randint(4, 6), "s_min": -1.0, "s_max": 1.0}
    return None

def side(r):
    ts = r.sample(TYPES, r.randint(1, 4))
    ents = [[t, r.randint(1, 6), params(t, r)] for t in ts]
    if sum(e[1] for e in ents) < 2:
        ents[0][1] = 2
    return ents

def zones(r, end):
    cuts = sorted(r.sample(range(1, int(end)), r.randint(0, 2)))
    bounds = [0] + cuts + [int(end)]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        mode = r.choice(["fixed", "jittered", "random"])
        nr = r.randint(1, 3) if mode == "random" else 1
        rngs = []
        for _ in range(nr):
            lo = r.randint(1, 200); hi = r.randint(lo, 400)
            rngs.append([lo, hi])
        out.append({"from": float(a), "to": float(b), "ranges": rngs, "stepmode": mode})
    return out

def make_case(i, r):
    end = float(r.choice([120, 300, 600, 900]))
    if r.random() < 0.15:
        end = float(r.choice([7300, 15000]))  # long enough for PRSH/PRDE/ZIPSH adaptation
    props = []
    if r.random() < 0.3:
        props = [[r.choice(["PT1", "PT2"]), r.randint(1, 2), None]]
    hexseed = r.random() < 0.3
    return {
        "case_id": "rnd%03d" % i,
        "seed": ("%064x" % r.getrandbits(256 - 32 * r.randint(0, 2))) if hexseed else r.randint(0, 10**6),
        "seed_kind": "hex256" if hexseed else "int",
        "start_time": 0.0, "end_time": end,
        "trader_spec": {"buyers": side(r), "sellers": side(r), "proptraders": props},
        "order_schedule": {"sup": zones(r, end), "dem": zones(r, end), "interval": r.choice([10, 30, 60]),
                           "timemode": r.choice(["periodic", "drip-fixed", "drip-jitter", "drip-poisson"])},
        "dump_flags": {"dump_blotters": True, "dump_lobs": r.random() < 0.3, "dump_strats": r.random() < 0.5,
                       "dump_avgbals": True, "dump_tape": True},
    }

def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()

def run_bin(b, cf, d):
    p = subprocess.run([b, "run", cf, "--out", d, "--summary"], capture_output=True, text=True)
    files = {f: sha(os.path.join(d, f)) for f in sorted(os.listdir(d))} if os.path.isdir(d) else {}
    return p.returncode, p.stdout, files

def against(a):
    r = random.Random(a.seed)
    ok = bad = 0
    for i in range(a.n):
        c = make_case(i, r)
        if r.random() < 0.5:
            c["trader_spec"]["buyers"].append(["PRSH", r.randint(1, 5), {"k": r.randint(2, 5), "s_min": -1.0, "s_max": 1.0}])
            c["trader_spec"]["sellers"].append(["PRDE", r.randint(1, 5), {"k": r.randint(4, 6), "s_min": -1.0, "s_max": 1.0}])
        with tempfile.TemporaryDirectory() as d:
            cf = os.path.join(d, "case.json"); json.dump(c, open(cf, "w"))
            new = run_bin(os.path.join(a.bin, "bse"), cf, os.path.join(d, "new"))
            ref = run_bin(a.against, cf, os.path.join(d, "ref"))
            if new != ref:
                diffs = sorted(f for f in set(new[2]) | set(ref[2]) if new[2].get(f) != ref[2].get(f))
                print("%s MISMATCH exit %d/%d files=%s" % (c["case_id"], new[0], ref[0], diffs))
                json.dump(c, open("/tmp/%s.json" % c["case_id"], "w")); bad += 1
            else:
                print("%s ok (%d files, exit %d)" % (c["case_id"], len(new[2]), new[0])); ok += 1
    print("%d passed, %d failed" % (ok, bad))
    return 1 if bad else 0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20); ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", default="bin")
    ap.add_argument("--against", help="a reference bin/bse to compare with instead of BSE.py")
    a = ap.parse_args()
    if a.against:
        return against(a)
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pybse = os.path.join(top, "..", "shared", "tools", "pybse.py")
    r = random.Random(a.seed)
    ok = bad = 0
    for i in range(a.n):
        c = make_case(i, r)
        with tempfile.TemporaryDirectory() as d:
            cf = os.path.join(d, "case.json"); json.dump(c, open(cf, "w"))
            cres = subprocess.run([os.path.join(a.bin, "bse"), "run", cf, "--out", os.path.join(d, "c"), "--summary"],
                                  capture_output=True, text=True)
            pres = subprocess.run([sys.executable, pybse, cf, "--out", os.path.join(d, "py")], capture_output=True, text=True)
            if pres.returncode != 0:
                # BSE.py crashed: the C engine must refuse the case too
                same = cres.returncode == 2
                print("%s python crashed (%s); C exit %d: %s" % (c["case_id"], pres.stderr.strip().splitlines()[-1][:80] if pres.stderr.strip() else "?", cres.returncode, "ok" if same else "MISMATCH"))
                ok += same; bad += not same
                continue
            if cres.returncode != 0:
                print("%s C failed: %s" % (c["case_id"], cres.stderr.strip())); bad += 1; continue
            py = json.loads(pres.stdout.strip().splitlines()[-1])
            crng = int(cres.stdout.strip().split()[-1])
            diffs = [f for f, h in py["files"].items() if not os.path.exists(os.path.join(d, "c", f)) or sha(os.path.join(d, "c", f)) != h]
            extra = sorted(set(os.listdir(os.path.join(d, "c"))) - set(py["files"]))
            if diffs or extra or crng != py["rng_after_getrandbits32"]:
                print("%s MISMATCH files=%s extra=%s rng c=%d py=%d" % (c["case_id"], diffs, extra, crng, py["rng_after_getrandbits32"]))
                json.dump(c, open("/tmp/%s.json" % c["case_id"], "w")); bad += 1
            else:
                print("%s ok (%d files)" % (c["case_id"], len(py["files"]))); ok += 1
    print("%d passed, %d failed" % (ok, bad))
    return 1 if bad else 0

sys.exit(main())
