"""Baseline learning agents for BSE-Trader-v0 (numpy only).

LinearPolicy: a deterministic linear policy (quote flag through tanh, margin
through a sigmoid) trained by evolution strategies (OpenAI-ES: antithetic
Gaussian perturbations, centred-rank fitness shaping, Adam), evaluated on common
seeds per generation. rollout.episode_profits runs whole episodes on make_vec.
"""
from .linear import LinearPolicy, train_es
from .rollout import episode_profits

__all__ = ["LinearPolicy", "train_es", "episode_profits"]
