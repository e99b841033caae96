"""python3 -m bsepouw.evaluate --policy FILE --seeds A:B : one JSON line.

For each seed in [A, B) one BSE-Trader-v0 session is run with the agent in
slot B00 (a ZIC-constructed trader whose quotes the policy sets, shadow draws
on), and the same seeds with ZIC, GVWY, SHVR and ZIP constructed in that slot and
trading themselves. Prints mean profit per session with a 95% confidence
interval (mean +- 1.96 sd / sqrt(n)) for each, and whether the agent's interval
lies wholly above each baseline's."""
import argparse
import json
import math
import sys

import numpy as np

from .agents import LinearPolicy, episode_profits

BASELINES = ("ZIC", "GVWY", "SHVR", "ZIP")


def summary(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    half = 1.96 * sd / math.sqrt(n) if n > 1 else float("inf")
    m = float(x.mean())
    return {"mean": round(m, 4), "ci95": [round(m - half, 4), round(m + half, 4)], "sd": round(sd, 4)}


def parse_seeds(text):
    try:
        a, b = (int(p) for p in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds {text!r}: A:B, non-negative integers, A < B") from None
    if a < 0 or b <= a:
        raise argparse.ArgumentTypeError(f"--seeds {text!r}: need 0 <= A < B")
    return a, b


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m bsepouw.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--policy", required=True, help="policy.json written by bsepouw.train")
    ap.add_argument("--seeds", required=True, type=parse_seeds, help="A:B, seeds A..B-1 (held out: < 10^6)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default=None, help="also write the JSON line to this file")
    a = ap.parse_args(argv)
    try:
        pol, meta = LinearPolicy.load(a.policy)
    except (OSError, ValueError, KeyError) as e:
        print(f"bsepouw.evaluate: {a.policy}: {e}", file=sys.stderr)
        return 2
    seeds = range(a.seeds[0], a.seeds[1])
    res = {"env": "BSE-Trader-v0", "slot": "B00", "seeds": f"{a.seeds[0]}:{a.seeds[1]}", "n": len(seeds),
           "unit": "profit per session"}
    prof, steps = episode_profits(pol, seeds, {"slot": "B00", "slot_type": "ZIC", "shadow": True}, a.threads)
    res["agent"] = summary(prof)
    for t in BASELINES:
        p, _ = episode_profits(None, seeds, {"slot": "B00", "slot_type": t, "autopilot": True}, a.threads)
        res[t] = summary(p)
    res["agent_above"] = {t: res["agent"]["ci95"][0] > res[t]["ci95"][1] for t in BASELINES}
    line = json.dumps(res, separators=(", ", ": "))
    print(line)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
