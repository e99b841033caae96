"""python3 -m bsepouw.train --out results/ml/ : trains the baseline agent.

Writes OUT/policy.json (the trained LinearPolicy) and OUT/training_curve.csv
(one row per ES generation: generation, wall_s, env_steps, episodes,
centre_profit, population_mean_profit, best_profit; profits are mean profit per
session on that generation's training seeds). Training seeds are >= 10^6, so
evaluation seeds below that are held out."""
import argparse
import csv
import os
import sys
import time

from .agents import train_es


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m bsepouw.train", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--generations", type=int, default=60)
    ap.add_argument("--pairs", type=int, default=8, help="antithetic pairs per generation")
    ap.add_argument("--seeds-per-gen", type=int, default=16)
    ap.add_argument("--sigma", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0, help="seed of the ES perturbations")
    ap.add_argument("--threads", type=int, default=None, help="C threads (default: cores)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    def log(row):
        if not a.quiet and (row["generation"] % 10 == 0 or row["generation"] == a.generations - 1):
            print(f"gen {row['generation']:4d}  centre {row['centre_profit']:8.2f}  "
                  f"pop {row['population_mean_profit']:8.2f}  {row['wall_s']:7.1f} s", file=sys.stderr)

    pol, rows = train_es(generations=a.generations, pairs=a.pairs, seeds_per_gen=a.seeds_per_gen, sigma=a.sigma,
                         lr=a.lr, seed=a.seed, num_threads=a.threads, log=log)
    wall = time.time() - t0
    meta = {"env": "BSE-Trader-v0", "env_kwargs": {"slot": "B00", "slot_type": "ZIC", "shadow": True},
            "trainer": "openai-es", "generations": a.generations, "pairs": a.pairs,
            "seeds_per_gen": a.seeds_per_gen, "sigma": a.sigma, "lr": a.lr, "seed": a.seed,
            "train_wall_s": round(wall, 2), "env_steps": rows[-1]["env_steps"] if rows else 0}
    tmp = os.path.join(a.out, "policy.json.tmp")
    with open(tmp, "w") as f:
        f.write(pol.to_json(**meta) + "\n")
    os.replace(tmp, os.path.join(a.out, "policy.json"))
    tmp = os.path.join(a.out, "training_curve.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["generation"])
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, os.path.join(a.out, "training_curve.csv"))
    print(f"trained in {wall:.1f} s ({meta['env_steps']} env steps): {a.out}/policy.json, "
          f"{a.out}/training_curve.csv", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
