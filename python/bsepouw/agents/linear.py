"""A linear policy for BSE-Trader-v0 and its evolution-strategies trainer."""
import json
import time

import numpy as np

from .. import make_vec
from .._lib import OBS_DIM


class LinearPolicy:
    """action[0] = tanh(w0 . obs + b0) (quote when > 0); action[1] = sigmoid(w1 . obs + b1)
    (the margin). theta: (2, OBS_DIM + 1), the last column the biases."""

    def __init__(self, theta=None):
        if theta is None:
            theta = np.zeros((2, OBS_DIM + 1))
            theta[0, -1] = 1.0            # quote
            theta[1, -1] = np.log(0.02 / 0.98)  # a 2 % margin: near GVWY, learning must find better
        self.theta = np.asarray(theta, dtype=np.float64).reshape(2, OBS_DIM + 1)

    @staticmethod
    def act_batch(thetas, obs):
        """thetas (n, 2, D+1), obs (n, D) -> actions (n, 2) float32 inside the action box."""
        z = np.einsum("nkd,nd->nk", thetas[:, :, :-1], obs.astype(np.float64)) + thetas[:, :, -1]
        a = np.empty_like(z)
        a[:, 0] = np.tanh(z[:, 0])
        a[:, 1] = 1.0 / (1.0 + np.exp(-np.clip(z[:, 1], -30, 30)))
        a = a.astype(np.float32)
        np.clip(a[:, 0], -1, 1, out=a[:, 0])
        np.clip(a[:, 1], 0, 1, out=a[:, 1])
        return a

    def __call__(self, obs):
        obs = np.asarray(obs, dtype=np.float32)
        single = obs.ndim == 1
        o = obs.reshape(-1, OBS_DIM)
        a = self.act_batch(np.broadcast_to(self.theta, (len(o),) + self.theta.shape), o)
        return a[0] if single else a

    def to_json(self, **meta):
        return json.dumps({"kind": "bsepouw.linear-es", "obs_dim": OBS_DIM, "theta": self.theta.tolist(), **meta},
                          indent=1)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            d = json.load(f)
        if d.get("kind") != "bsepouw.linear-es" or d.get("obs_dim") != OBS_DIM:
            raise ValueError(f"{path}: not a bsepouw linear-es policy for obs_dim {OBS_DIM}")
        return cls(np.array(d["theta"])), d


def _ranks(x):
    """Centred ranks in [-0.5, 0.5] (Salimans et al. 2017 fitness shaping)."""
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(len(x))
    return r / max(len(x) - 1, 1) - 0.5


def train_es(generations=100, pairs=8, seeds_per_gen=4, sigma=0.1, lr=0.05, seed=0, env_kwargs=None,
             num_threads=None, seed_base=1_000_000, log=None):
    """Trains a LinearPolicy. Generation g evaluates the centre and 2*pairs
    antithetic perturbations on the same seeds_per_gen training seeds
    (seed_base + g * seeds_per_gen + k: never the evaluation seeds below 10^6).
    log(row) gets one dict per generation. Returns (policy, rows)."""
    rng = np.random.default_rng(seed)
    pol = LinearPolicy()
    theta = pol.theta.ravel().copy()
    dim = theta.size
    m = np.zeros(dim)
    v = np.zeros(dim)
    b1, b2, eps_adam = 0.9, 0.999, 1e-8
    ncand = 1 + 2 * pairs
    n = ncand * seeds_per_gen
    venv = make_vec("BSE-Trader-v0", num_envs=n, num_threads=num_threads, **(env_kwargs or {}))
    rows = []
    t0 = time.time()
    total_steps = 0
    try:
        for g in range(generations):
            eps = rng.standard_normal((pairs, dim))
            cands = np.concatenate([theta[None], theta + sigma * eps, theta - sigma * eps])
            thetas = np.repeat(cands, seeds_per_gen, axis=0).reshape(n, 2, OBS_DIM + 1)
            gseeds = [seed_base + g * seeds_per_gen + k for k in range(seeds_per_gen)] * ncand
            obs, _ = venv.reset(seed=gseeds)
            done = np.zeros(n, dtype=bool)
            prof = np.zeros(n)
            while not done.all():
                obs, _, term, _, info = venv.step(LinearPolicy.act_batch(thetas, obs))
                total_steps += int((~done).sum())
                newly = term & ~done
                prof[newly] = info["episode_profit"][newly]
                done |= term
            fit = prof.reshape(ncand, seeds_per_gen).mean(axis=1)
            shaped = _ranks(fit[1:])
            grad = ((shaped[:pairs] - shaped[pairs:]) @ eps) / (2 * pairs * sigma)
            m = b1 * m + (1 - b1) * grad
            v = b2 * v + (1 - b2) * grad * grad
            mh = m / (1 - b1 ** (g + 1))
            vh = v / (1 - b2 ** (g + 1))
            theta = theta + lr * mh / (np.sqrt(vh) + eps_adam)  # ascent
            row = {"generation": g, "wall_s": round(time.time() - t0, 3), "env_steps": total_steps,
                   "episodes": (g + 1) * n, "centre_profit": float(fit[0]), "population_mean_profit": float(fit.mean()),
                   "best_profit": float(fit.max())}
            rows.append(row)
            if log:
                log(row)
    finally:
        venv.close()
    return LinearPolicy(theta.reshape(2, OBS_DIM + 1)), rows
