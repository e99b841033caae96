#!/usr/bin/env python3
"""Makes tests/vectors/pouw_env_vectors.h, the pinned vectors of tests/test_pouw_work.c
and tests/test_pouw_block.c.

Provenance: a second implementation, in Python, of what pouw/ computes in C, sharing
no code with it:
  - the session seed s_i = SHA-256(pre_hash || u32le(i)) and the environment seed
    SHA-256(s_i || "environment") (hashlib, struct);
  - the generated environment of spec pouw.md s3 as pouw/env.h specifies it, drawn
    with CPython's own random module (random.Random(int.from_bytes(e, "big")),
    randint, random) - the generator BSE.py itself uses;
  - the session's BSE case as canonical JSON, written here the way
    bse_case_to_json writes it (cJSON 1.7.15 print_number: "%d" for integral
    values in int range, else "%1.15g", else "%1.17g"), and its SHA-256;
  - the canonical form and digest of a committed job (pouw/env.h);
  - the coinbase transaction's bytes, id and tx_root (pouw/tx.h), with struct.
So the C test checks the C code against this script, not against its own output.

Usage (python3 >= 3.9, standard library only):
    python3 tests/vectors/make_pouw_env_vectors.py > tests/vectors/pouw_env_vectors.h
Re-running it must reproduce that file byte for byte.
"""
import hashlib
import random
import struct
import sys

TYPES = ["GVWY", "ZIC", "SHVR", "SNPR", "ZIP", "PRZI", "PRSH", "PRDE"]
N_TRADERS = 24     # POUW_ENV_TRADERS
N_RESPONDERS = 12  # POUW_ENV_RESPONDERS
MIN_PER_TYPE = 2   # POUW_ENV_MIN_PER_TYPE
K_PRSH = 4
K_PRDE = 4
INT_MAX = 2147483647
INT_MIN = -2147483648


def sha256(b):
    return hashlib.sha256(b).digest()


def cjson_num(d):
    """cJSON 1.7.15 print_number for a number made by cJSON_CreateNumber(d)."""
    d = float(d)
    if d >= INT_MAX:
        vi = INT_MAX
    elif d <= INT_MIN:
        vi = INT_MIN
    else:
        vi = int(d)  # C cast: truncation toward zero
    if d == float(vi):
        return "%d" % vi
    s = "%1.15g" % d
    t = float(s)
    if not abs(t - d) <= max(abs(t), abs(d)) * sys.float_info.epsilon:
        s = "%1.17g" % d
    return s


def jstr(s):
    assert all(0x20 <= ord(c) < 0x7F and c not in '"\\' for c in s)
    return '"' + s + '"'


def case_json(c):
    """bse_case_to_json: fixed key order, no white space."""
    out = ['{"case_id":', jstr(c["case_id"])]
    if c["seed_kind"] == "int" and len(c["seed"]) <= 15:
        out += [',"seed":', cjson_num(int(c["seed"]))]
    else:
        out += [',"seed":', jstr(c["seed"])]
    out += [',"seed_kind":', jstr(c["seed_kind"])]
    out += [',"start_time":', cjson_num(c["start_time"]), ',"end_time":', cjson_num(c["end_time"])]
    out.append(',"trader_spec":{')
    sides = []
    for side in ("buyers", "sellers", "proptraders"):
        ents = []
        for t, n, params in c["trader_spec"][side]:
            if params is None:
                ents.append("[%s,%s,null]" % (jstr(t), cjson_num(n)))
                continue
            ps = []
            if "k" in params:
                ps.append('"k":' + cjson_num(params["k"]))
            if "s_min" in params and "s_max" in params:
                ps.append('"s_min":' + cjson_num(params["s_min"]))
                ps.append('"s_max":' + cjson_num(params["s_max"]))
            ents.append("[%s,%s,{%s}]" % (jstr(t), cjson_num(n), ",".join(ps)))
        sides.append('"%s":[%s]' % (side, ",".join(ents)))
    out.append(",".join(sides))
    out.append('},"order_schedule":{')
    scheds = []
    for s in ("sup", "dem"):
        zs = []
        for z in c["order_schedule"][s]:
            rs = ",".join("[%s,%s]" % (cjson_num(lo), cjson_num(hi)) for lo, hi in z["ranges"])
            zs.append('{"from":%s,"to":%s,"ranges":[%s],"stepmode":%s}' %
                      (cjson_num(z["from"]), cjson_num(z["to"]), rs, jstr(z["stepmode"])))
        scheds.append('"%s":[%s]' % (s, ",".join(zs)))
    out.append(",".join(scheds))
    out.append(',"interval":%s,"timemode":%s}' % (cjson_num(c["order_schedule"]["interval"]),
                                                   jstr(c["order_schedule"]["timemode"])))
    df = c["dump_flags"]
    out.append(',"dump_flags":{' + ",".join('"%s":%s' % (k, "true" if df[k] else "false") for k in
                                            ("dump_blotters", "dump_lobs", "dump_strats", "dump_avgbals",
                                             "dump_tape")) + "}}")
    return "".join(out)


CONSENSUS_FLAGS = {"dump_blotters": False, "dump_lobs": False, "dump_strats": False, "dump_avgbals": False,
                   "dump_tape": True}


def session_seed(pre_hash, i):
    return sha256(pre_hash + struct.pack("<I", i))


def environment(seed, index, duration, interval, timemode):
    """pouw/env.h's generated environment, drawn with CPython's random."""
    e = sha256(seed + b"environment")
    r = random.Random(int.from_bytes(e, "big"))
    sup_lo = r.randint(20, 80)
    sup_hi = r.randint(sup_lo, 150)
    dem_lo = r.randint(sup_hi, 200)
    dem_hi = r.randint(dem_lo, 300)
    # spec s11.11: N traders per side, A of them responders (equal cost); the
    # plain group is drawn whole (presence, forced, split), then the responders
    count = {}
    forced = 0
    for types, total, adaptive in ((TYPES[:4], N_TRADERS - N_RESPONDERS, False), (TYPES[4:], N_RESPONDERS, True)):
        group = [t for t in types if r.random() < 0.5]
        if adaptive and "PRSH" not in group and "PRDE" not in group:
            group.append("PRSH" if r.random() < 0.5 else "PRDE")
            group.sort(key=TYPES.index)
            forced = 1
        elif not adaptive and not group:
            group = [types[r.randint(0, 3)]]
        for t in group:
            count[t] = MIN_PER_TYPE
        for _ in range(total - MIN_PER_TYPE * len(group)):
            count[group[r.randint(0, len(group) - 1)]] += 1
    mix = []
    for t in TYPES:
        if t in count:
            params = None
            if t == "PRZI":
                params = {"s_min": -1.0, "s_max": 1.0}
            elif t == "PRSH":
                params = {"k": K_PRSH, "s_min": -1.0, "s_max": 1.0}
            elif t == "PRDE":
                params = {"k": K_PRDE, "s_min": -1.0, "s_max": 1.0}
            mix.append((t, count[t], params))
    case = {
        "case_id": "s%d" % index, "seed": seed.hex(), "seed_kind": "hex256",
        "start_time": 0.0, "end_time": duration,
        "trader_spec": {"buyers": mix, "sellers": mix, "proptraders": []},
        "order_schedule": {
            "sup": [{"from": 0.0, "to": duration, "ranges": [(sup_lo, sup_hi)], "stepmode": "fixed"}],
            "dem": [{"from": 0.0, "to": duration, "ranges": [(dem_lo, dem_hi)], "stepmode": "fixed"}],
            "interval": interval, "timemode": timemode},
        "dump_flags": CONSENSUS_FLAGS,
    }
    draws = (sup_lo, sup_hi, dem_lo, dem_hi, [count.get(t, 0) for t in TYPES], forced)
    return e, case, draws


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    o = []
    o.append("/* tests/vectors/pouw_env_vectors.h - generated by tests/vectors/make_pouw_env_vectors.py;")
    o.append(" * do not edit. Generated environments, committed-job digests and coinbase")
    o.append(" * transactions computed in Python (hashlib, struct, CPython's random). */")
    o.append("#ifndef POUW_ENV_VECTORS_H")
    o.append("#define POUW_ENV_VECTORS_H")
    o.append("")
    o.append("#include <stdint.h>")
    o.append("")
    o.append("/* counts[] follow the draw order GVWY ZIC SHVR SNPR ZIP PRZI PRSH PRDE */")
    o.append("typedef struct pv_env {")
    o.append("    const char *pre_hash;     /* hex */")
    o.append("    uint32_t index;")
    o.append("    double duration, interval;")
    o.append("    const char *timemode;")
    o.append("    const char *seed;         /* s_i, hex */")
    o.append("    const char *env_seed;     /* SHA-256(s_i || \"environment\"), hex */")
    o.append("    int64_t sup_lo, sup_hi, dem_lo, dem_hi;")
    o.append("    int32_t counts[8];")
    o.append("    int forced;")
    o.append("    const char *case_json;    /* bse_case_to_json of the session case */")
    o.append("    const char *case_digest;  /* SHA-256 of case_json, hex */")
    o.append("} pv_env;")
    o.append("")
    o.append("static const pv_env pv_envs[] = {")
    templates = [(7200.0, 30.0, "periodic"), (60.0, 10.0, "drip-poisson"), (600.5, 7.25, "drip-jitter")]
    picks = []
    for k in range(6):
        picks.append((sha256(b"pouw-env-vector-%d" % k), k % 4, templates[k % 3]))
    # make sure the forced adaptive type (both kinds) is covered
    need = {"PRSH", "PRDE"}
    k = 0
    while need:
        pre = sha256(b"pouw-env-forced-%d" % k)
        seed = session_seed(pre, 0)
        _, case, draws = environment(seed, 0, 60.0, 10.0, "periodic")
        if draws[5]:
            t = "PRSH" if draws[4][6] else "PRDE"
            if t in need:
                need.discard(t)
                picks.append((pre, 0, (60.0, 10.0, "periodic")))
        k += 1
    for pre, idx, (dur, iv, tm) in picks:
        seed = session_seed(pre, idx)
        e, case, d = environment(seed, idx, dur, iv, tm)
        js = case_json(case)
        o.append("    {%s, %d, %r, %r, %s," % (c_str(pre.hex()), idx, dur, iv, c_str(tm)))
        o.append("     %s," % c_str(seed.hex()))
        o.append("     %s," % c_str(e.hex()))
        o.append("     %d, %d, %d, %d, {%s}, %d," % (d[0], d[1], d[2], d[3], ", ".join(str(x) for x in d[4]), d[5]))
        o.append("     %s," % c_str(js))
        o.append("     %s}," % c_str(sha256(js.encode()).hex()))
    o.append("};")
    o.append("")

    # committed job: BSE's standard market (the golden std case), canonical form
    job = {
        "case_id": "job", "seed": "0" * 64, "seed_kind": "hex256", "start_time": 0.0, "end_time": 600.0,
        "trader_spec": {"buyers": [("ZIC", 10, None), ("ZIP", 10, None), ("SHVR", 10, None), ("GVWY", 10, None)],
                        "sellers": [("ZIC", 10, None), ("ZIP", 10, None), ("SHVR", 10, None), ("GVWY", 10, None)],
                        "proptraders": []},
        "order_schedule": {"sup": [{"from": 0.0, "to": 600.0, "ranges": [(50, 150)], "stepmode": "fixed"}],
                           "dem": [{"from": 0.0, "to": 600.0, "ranges": [(50, 150)], "stepmode": "fixed"}],
                           "interval": 30.0, "timemode": "periodic"},
        "dump_flags": CONSENSUS_FLAGS,
    }
    js = case_json(job)
    o.append("/* the canonical committed job of BSE's standard market (any case_id, seed and")
    o.append(" * dump flags in the input give this) and its job_digest */")
    o.append("#define PV_JOB_CANONICAL_JSON %s" % c_str(js))
    o.append("#define PV_JOB_DIGEST %s" % c_str(sha256(js.encode()).hex()))
    o.append("")

    # coinbase transactions
    o.append("typedef struct pv_coinbase {")
    o.append("    const char *to;      /* hex */")
    o.append("    int64_t amount;")
    o.append("    uint64_t height;")
    o.append("    const char *bytes;   /* canonical encoding, hex */")
    o.append("    const char *id;      /* SHA-256 of the bytes, hex */")
    o.append("} pv_coinbase;")
    o.append("")
    o.append("static const pv_coinbase pv_coinbases[] = {")
    for to, amount, height in [(bytes(range(32)), 1000, 1), (bytes([0xff] * 32), 1000, 123456789),
                               (sha256(b"miner"), 0, 0), (sha256(b"rich"), 2**53 - 1, 2**53 - 1)]:
        enc = b"\x00" + to + struct.pack("<q", amount) + struct.pack("<Q", height)
        assert len(enc) == 49
        o.append("    {%s, %dLL, %dULL, %s, %s}," % (c_str(to.hex()), amount, height, c_str(enc.hex()),
                                                    c_str(sha256(enc).hex())))
    o.append("};")
    # the tx_root of the first two (Merkle: SHA-256(L0 || L1)) and of all four
    leaves = []
    for to, amount, height in [(bytes(range(32)), 1000, 1), (bytes([0xff] * 32), 1000, 123456789),
                               (sha256(b"miner"), 0, 0), (sha256(b"rich"), 2**53 - 1, 2**53 - 1)]:
        leaves.append(sha256(b"\x00" + to + struct.pack("<q", amount) + struct.pack("<Q", height)))
    o.append("#define PV_TX_ROOT_2 %s" % c_str(sha256(leaves[0] + leaves[1]).hex()))
    o.append("#define PV_TX_ROOT_4 %s" % c_str(sha256(sha256(leaves[0] + leaves[1]) +
                                                      sha256(leaves[2] + leaves[3])).hex()))
    o.append("")
    o.append("#endif /* POUW_ENV_VECTORS_H */")
    sys.stdout.write("\n".join(o) + "\n")


if __name__ == "__main__":
    main()
