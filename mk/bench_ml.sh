#!/bin/sh
# make bench (BENCH_EXTRA bench-ml): BSE-Trader-v0 environment steps per second through
# the Python package, one environment and a vector of N = 8 on C threads, as
# "name value unit" lines. An env step is one agent decision (on average
# ml_engine_steps_per_env_step BSE loop steps). Policy: a fixed action (quote at a
# 10 % margin), so the figure is the environment's cost, not a policy's.
# Run by mk/ml.mk with PYTHONPATH and BSEPOUW_LIB set.
set -eu
export PYTHONPATH="${PYTHONPATH:-python}"
/usr/bin/python3 - <<'PY'
import os, time
import numpy as np
import bsepouw

a1 = np.array([1.0, 0.1], np.float32)
env = bsepouw.make("BSE-Trader-v0")
n = 0; loops = 0; t0 = time.perf_counter(); seed = 0
while time.perf_counter() - t0 < 3.0:
    env.reset(seed=seed); seed += 1; done = False
    while not done:
        _, _, done, _, info = env.step(a1); n += 1
    loops += info["time"]  # session seconds
single = n / (time.perf_counter() - t0)
env.close()
for N in (8,):
    venv = bsepouw.make_vec("BSE-Trader-v0", num_envs=N)
    acts = np.tile(a1, (N, 1))
    venv.reset(seed=0)
    m = 0; t0 = time.perf_counter()
    while time.perf_counter() - t0 < 3.0:
        venv.step(acts); m += N
    vec = m / (time.perf_counter() - t0)
    venv.close()
traders = 40
engine_per_step = loops * traders / n
print(f"# BSE-Trader-v0 default market: 40 traders, 300 s sessions; {os.cpu_count()} cores; "
      f"vector threads = min(N, cores)")
print(f"ml_env_steps_per_s_single {single:.0f} steps/s")
print(f"ml_env_steps_per_s_vec8 {vec:.0f} steps/s")
print(f"ml_engine_steps_per_env_step {engine_per_step:.1f} steps")
print("# published figures of comparable Python environments (ABIDES-Gym, Amrouni et al. ICAIF 2021;"
      " mbt_gym, Jerome et al. ICAIF 2023): none found, so none printed")
PY
