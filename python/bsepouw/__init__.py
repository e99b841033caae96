"""bsepouw: learning agents over the BSE-PoUW C engine (shared/spec/ml.md).

    import bsepouw
    env = bsepouw.make("BSE-Trader-v0")            # Gymnasium Env API
    obs, info = env.reset(seed=1)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    venv = bsepouw.make_vec("BSE-Trader-v0", num_envs=8)   # N envs per C call, on threads
"""
from .envs import DEFAULT_CONFIG, BSETraderEnv, VecBSETraderEnv
from .spaces import GYMNASIUM, Box, Discrete

__all__ = ["make", "make_vec", "BSETraderEnv", "VecBSETraderEnv", "DEFAULT_CONFIG", "Box", "Discrete", "GYMNASIUM",
           "ENV_IDS"]
__version__ = "0.1.0"

ENV_IDS = ("BSE-Trader-v0",)


def _check_id(env_id):
    if env_id not in ENV_IDS:
        raise ValueError(f"unknown environment {env_id!r}: one of {ENV_IDS} (Coin-Exchange-v0 is not built yet)")


def make(env_id, **kwargs):
    """A new environment; kwargs as BSETraderEnv (config, case_id, slot, slot_type, shadow, autopilot)."""
    _check_id(env_id)
    return BSETraderEnv(**kwargs)


def make_vec(env_id, num_envs=8, num_threads=None, **kwargs):
    """num_envs environments stepped together on num_threads C threads (default min(N, cores))."""
    _check_id(env_id)
    return VecBSETraderEnv(num_envs=num_envs, num_threads=num_threads, **kwargs)
