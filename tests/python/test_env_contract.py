"""The Gymnasium environment contract of BSE-Trader-v0 (spec/ml.md): reproducible
resets, observations inside observation_space, sampled actions accepted, bad
actions refused with ValueError leaving the env usable, termination, close()."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import bsepouw
from bsepouw.agents import LinearPolicy, episode_profits

SHORT = json.loads(json.dumps(bsepouw.DEFAULT_CONFIG))
SHORT["end_time"] = 60.0
for side in ("sup", "dem"):
    SHORT["order_schedule"][side][0]["to"] = 60.0


@pytest.fixture
def env():
    e = bsepouw.make("BSE-Trader-v0", config=SHORT)
    yield e
    e.close()


def rollout(env, seed, actions_rng_seed=0):
    obs, info = env.reset(seed=seed)
    env.action_space.seed(actions_rng_seed)
    traj = [obs]
    rewards = []
    done = False
    while not done:
        obs, r, done, trunc, info = env.step(env.action_space.sample())
        assert trunc is False
        traj.append(obs)
        rewards.append(r)
    return np.array(traj), np.array(rewards), info


def test_reset_with_the_same_seed_gives_identical_observations_and_trajectories(env):
    o1, _ = env.reset(seed=5)
    o2, _ = env.reset(seed=5)
    assert np.array_equal(o1, o2)
    t1, r1, i1 = rollout(env, 5)
    t2, r2, i2 = rollout(env, 5)
    assert np.array_equal(t1, t2) and np.array_equal(r1, r2)
    assert i1["profit"] == i2["profit"] == int(r1.sum())
    t3, _, _ = rollout(env, 6)
    assert t3.shape != t1.shape or not np.array_equal(t3, t1)


def test_every_observation_is_inside_observation_space(env):
    space = env.observation_space
    assert space.shape == (20,) and space.dtype == np.float32
    for seed in range(3):
        traj, _, _ = rollout(env, seed, seed)
        for o in traj:
            assert space.contains(o), o


def test_sampled_actions_are_accepted_and_episodes_terminate(env):
    space = env.action_space
    assert space.shape == (2,) and space.dtype == np.float32
    assert np.array_equal(space.low, [-1, 0]) and np.array_equal(space.high, [1, 1])
    for seed in range(3):
        traj, rewards, info = rollout(env, seed, seed)
        assert len(rewards) > 0
        assert np.all(rewards >= 0)
        assert info["decisions"] == len(rewards)


@pytest.mark.parametrize("bad", [np.zeros(3, np.float32), np.zeros((2, 1), np.float32), [np.nan, 0.5],
                                 [1.0, np.inf], [2.0, 0.1], [0.5, -0.1], [0.5, 1.01], "x", None])
def test_bad_actions_raise_value_error_and_leave_the_env_usable(env, bad):
    obs, info = env.reset(seed=1)
    with pytest.raises(ValueError, match="action"):
        env.step(bad)
    obs2, _, _, _, info2 = env.step(np.array([1.0, 0.1], np.float32))
    assert info2["decisions"] == 1
    assert env.observation_space.contains(obs2)


def test_step_after_the_end_or_before_reset_says_reset(env):
    with pytest.raises(RuntimeError, match="reset"):
        env.step([1.0, 0.1])
    rollout(env, 2)
    with pytest.raises(RuntimeError, match="reset"):
        env.step([1.0, 0.1])


def test_close_frees_the_c_side_and_is_idempotent():
    e = bsepouw.make("BSE-Trader-v0", config=SHORT)
    e.reset(seed=0)
    e.close()
    e.close()
    with pytest.raises(RuntimeError, match="closed"):
        e.reset(seed=0)


def test_bad_configs_and_slots_name_the_problem():
    bad = json.loads(json.dumps(SHORT))
    bad["trader_spec"]["buyers"] = [["ZIC", 1, None]]
    with pytest.raises(ValueError, match="BSE-Trader-v0"):
        bsepouw.make("BSE-Trader-v0", config=bad)
    with pytest.raises(ValueError, match="slot"):
        bsepouw.make("BSE-Trader-v0", config=SHORT, slot="B99")
    with pytest.raises(ValueError, match="slot_type"):
        bsepouw.make("BSE-Trader-v0", config=SHORT, slot_type="PRDE")
    with pytest.raises(ValueError, match="unknown environment"):
        bsepouw.make("Coin-Exchange-v0")


def test_spaces_have_the_gymnasium_attributes():
    b = bsepouw.Box(np.zeros(3), np.ones(3), (3,), np.float32, seed=1)
    x = b.sample()
    assert b.contains(x) and x in b and x.dtype == np.float32
    b.seed(4)
    y1 = b.sample()
    b.seed(4)
    assert np.array_equal(y1, b.sample())
    assert not b.contains(np.array([0.5, 2.0, 0.5], np.float32))
    d = bsepouw.Discrete(5, seed=2)
    assert d.n == 5 and d.contains(d.sample()) and not d.contains(5)


def test_vector_env_matches_single_envs_and_autoresets():
    n = 4
    venv = bsepouw.make_vec("BSE-Trader-v0", num_envs=n, num_threads=2, config=SHORT)
    assert venv.observation_space.shape == (n, 20) and venv.action_space.shape == (n, 2)
    obs, _ = venv.reset(seed=10)
    pol = LinearPolicy()
    first = [None] * n
    steps = 0
    while any(f is None for f in first):
        obs, rew, term, trunc, info = venv.step(pol(obs))
        steps += 1
        assert venv.observation_space.contains(obs)
        for i in np.flatnonzero(term):
            if first[i] is None:
                first[i] = info["episode_profit"][i]
    with pytest.raises(ValueError, match="action"):
        venv.step(np.full((n, 2), np.nan, np.float32))
    venv.close()
    env = bsepouw.make("BSE-Trader-v0", config=SHORT)
    for i in range(n):
        obs, _ = env.reset(seed=10 + i)
        done = False
        while not done:
            obs, r, done, _, info = env.step(pol(obs))
        assert info["profit"] == first[i]
    env.close()


def test_autopilot_baselines_are_deterministic():
    a, _ = episode_profits(None, [1, 2, 3], {"config": SHORT, "slot_type": "ZIC", "autopilot": True})
    b, _ = episode_profits(None, [1, 2, 3], {"config": SHORT, "slot_type": "ZIC", "autopilot": True})
    assert np.array_equal(a, b)


def test_write_files_after_an_episode(tmp_path):
    cfg = json.loads(json.dumps(SHORT))
    cfg["dump_flags"]["dump_tape"] = True
    env = bsepouw.make("BSE-Trader-v0", config=cfg)
    rollout(env, 3)
    env.write_files(str(tmp_path))
    assert (tmp_path / "bse-trader-v0_tape.csv").read_text().startswith("TRD, ")
    env.close()


def test_train_and_evaluate_smoke(tmp_path):
    """A tiny training run and an evaluation through the command lines."""
    envv = dict(os.environ)
    out = tmp_path / "ml"
    subprocess.run([sys.executable, "-m", "bsepouw.train", "--out", str(out), "--generations", "2", "--pairs", "2",
                    "--seeds-per-gen", "1", "--quiet"], check=True, env=envv, timeout=120)
    assert (out / "policy.json").exists()
    lines = (out / "training_curve.csv").read_text().splitlines()
    assert lines[0].startswith("generation,") and len(lines) == 3
    r = subprocess.run([sys.executable, "-m", "bsepouw.evaluate", "--policy", str(out / "policy.json"),
                        "--seeds", "0:3"], check=True, env=envv, capture_output=True, text=True, timeout=120)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    for k in ("agent", "ZIC", "GVWY", "SHVR", "ZIP"):
        assert res[k]["ci95"][0] <= res[k]["mean"] <= res[k]["ci95"][1]
    assert res["n"] == 3
    bad = subprocess.run([sys.executable, "-m", "bsepouw.evaluate", "--policy", str(out / "policy.json"),
                          "--seeds", "5:2"], env=envv, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--seeds" in bad.stderr
