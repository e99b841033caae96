"""Whole episodes on the vector environment: one episode per seed."""
import numpy as np

from .. import make_vec


def episode_profits(act, seeds, env_kwargs=None, num_threads=None, chunk=64):
    """Profit of one episode per seed. act: a function (obs batch (n, D)) -> actions
    (n, 2), or per-env functions selected by index: act(obs, idx); None: autopilot
    (env_kwargs should then carry autopilot=True and slot_type). Returns (profits
    float64 array, env steps taken)."""
    seeds = [int(s) for s in seeds]
    kw = dict(env_kwargs or {})
    out = np.zeros(len(seeds))
    steps = 0
    for lo in range(0, len(seeds), chunk):
        part = seeds[lo:lo + chunk]
        venv = make_vec("BSE-Trader-v0", num_envs=len(part), num_threads=num_threads, **kw)
        try:
            obs, _ = venv.reset(seed=part)
            done = np.zeros(len(part), dtype=bool)
            zeros = np.zeros((len(part), 2), dtype=np.float32)
            while not done.all():
                a = zeros if act is None else act(obs)
                obs, _, term, _, info = venv.step(a)
                steps += int((~done).sum())
                newly = term & ~done
                out[lo:lo + len(part)][newly] = info["episode_profit"][newly]
                done |= term
        finally:
            venv.close()
    return out, steps
