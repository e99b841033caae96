"""BSE-Trader-v0: one trader of a BSE market session driven by an agent
(Gymnasium Env API; the C side is bse/env.h). See python/README.md for the
observation and action fields."""
import copy
import ctypes
import json
import os

import numpy as np

from . import _lib
from .spaces import Box

try:  # pragma: no cover
    import gymnasium
    _EnvBase = gymnasium.Env
except ImportError:
    _EnvBase = object

# The default market: 20 buyers and 20 sellers (ZIC, ZIP, SHVR, GVWY x5 each side),
# 300 s, customer limits drawn uniformly from [50, 150] (stepmode random),
# Poisson arrivals, a new order per trader every 30 s on average; no files.
DEFAULT_CONFIG = {
    "case_id": "bse-trader-v0", "seed": 0, "seed_kind": "int", "start_time": 0.0, "end_time": 300.0,
    "trader_spec": {"buyers": [["ZIC", 5, None], ["ZIP", 5, None], ["SHVR", 5, None], ["GVWY", 5, None]],
                    "sellers": [["ZIC", 5, None], ["ZIP", 5, None], ["SHVR", 5, None], ["GVWY", 5, None]],
                    "proptraders": []},
    "order_schedule": {"sup": [{"from": 0.0, "to": 300.0, "ranges": [[50, 150]], "stepmode": "random"}],
                       "dem": [{"from": 0.0, "to": 300.0, "ranges": [[50, 150]], "stepmode": "random"}],
                       "interval": 30, "timemode": "drip-poisson"},
    "dump_flags": {"dump_blotters": False, "dump_lobs": False, "dump_strats": False, "dump_avgbals": False,
                   "dump_tape": False},
}

ACTION_LOW = np.array([-1.0, 0.0], dtype=np.float32)
ACTION_HIGH = np.array([1.0, 1.0], dtype=np.float32)


def _config_text(config, case_id):
    """JSON text of a config: a dict, a path to a case/manifest file, or JSON text."""
    if config is None:
        config = DEFAULT_CONFIG
    if isinstance(config, dict):
        return json.dumps(config).encode(), "<config>", config
    if isinstance(config, (str, os.PathLike)) and os.path.exists(config):
        with open(config, "rb") as f:
            text = f.read()
        path = str(config)
    elif isinstance(config, str):
        text, path = config.encode(), "<config>"
    else:
        raise TypeError("config: a dict, a JSON text or a path to a case file")
    d = json.loads(text)
    if "cases" in d:
        cases = [c for c in d["cases"] if case_id is None or c.get("case_id") == case_id]
        if len(cases) != 1:
            raise ValueError(f"{path}: pick one case with case_id= (found {len(cases)})")
        d = cases[0]
    return text, path, d


def _slot_index(slot, case):
    nb = sum(int(e[1]) for e in case["trader_spec"]["buyers"])
    ns = sum(int(e[1]) for e in case["trader_spec"]["sellers"])
    if isinstance(slot, (int, np.integer)):
        k = int(slot)
    elif isinstance(slot, str) and len(slot) >= 2 and slot[0] in "BS" and slot[1:].isdigit():
        k = int(slot[1:]) + (0 if slot[0] == "B" else nb)
        if (slot[0] == "B" and int(slot[1:]) >= nb) or (slot[0] == "S" and int(slot[1:]) >= ns):
            raise ValueError(f"slot {slot!r}: the market has {nb} buyers and {ns} sellers")
    else:
        raise ValueError(f"slot {slot!r}: a trader id such as 'B00' or 'S03', or a key index")
    if not 0 <= k < nb + ns:
        raise ValueError(f"slot {slot!r}: out of range (0..{nb + ns - 1})")
    return k


def _options(case, slot, slot_type, shadow, autopilot, stride=1):
    L = _lib.lib()
    o = L.bse_env_options_default()
    o.slot = _slot_index(slot, case)
    if slot_type is None:
        o.slot_type = -1
    elif slot_type in _lib.TTYPES:
        o.slot_type = _lib.TTYPES[slot_type]
    else:
        raise ValueError(f"slot_type {slot_type!r}: one of {sorted(_lib.TTYPES)} or None")
    o.shadow = 1 if shadow else 0
    o.autopilot = 1 if autopilot else 0
    o.seed_stride = int(stride)
    return o


def _create(text, path, case_id, opts):
    L = _lib.lib()
    h = ctypes.c_void_p()
    err = _lib.Error()
    rc = L.bse_env_create_json(ctypes.byref(h), text, len(text), path.encode(),
                               case_id.encode() if case_id else None, ctypes.byref(opts), ctypes.byref(err))
    if rc != _lib.OK:
        raise ValueError(f"BSE-Trader-v0: {err.text()}")
    return h


def _fptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


def _dptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def _iptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))


def observation_space(shape=None):
    L = _lib.lib()
    lo = np.zeros(_lib.OBS_DIM, dtype=np.float32)
    hi = np.zeros(_lib.OBS_DIM, dtype=np.float32)
    L.bse_env_obs_bounds(_fptr(lo), _fptr(hi))
    if shape is not None:
        lo, hi = np.broadcast_to(lo, shape + lo.shape).copy(), np.broadcast_to(hi, shape + hi.shape).copy()
    return Box(lo, hi, lo.shape, np.float32)


def action_space(shape=None):
    lo, hi = ACTION_LOW, ACTION_HIGH
    if shape is not None:
        lo, hi = np.broadcast_to(lo, shape + lo.shape).copy(), np.broadcast_to(hi, shape + hi.shape).copy()
    return Box(lo, hi, lo.shape, np.float32)


def check_action(action, space):
    """The action as a float32 array of the space's shape; ValueError otherwise."""
    try:
        a = np.asarray(action, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(f"action must be numeric, shape {space.shape}: {e}") from None
    if a.shape != space.shape:
        raise ValueError(f"action shape {a.shape}, expected {space.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"action has NaN or infinite values: {a.tolist()}")
    if np.any(a < space.low) or np.any(a > space.high):
        raise ValueError(f"action {a.tolist()} outside [{space.low.tolist()}, {space.high.tolist()}]")
    return np.ascontiguousarray(a)


class BSETraderEnv(_EnvBase):
    """One agent trader in a BSE market session.

    config: a case dict (the `bse run` format), a JSON text or a path to a case or
    manifest file (then case_id picks one); default DEFAULT_CONFIG.
    slot: the agent's trader id ('B00', 'S03') or key index.
    slot_type: the type the slot's trader is constructed as ('ZIC' default; None keeps
    the case's trader). shadow: the slot type's own getorder still draws at each
    decision (the market's random stream is that of the slot type's session).
    autopilot: the slot type trades itself and actions are ignored (baselines).
    """

    metadata = {"render_modes": []}

    def __init__(self, config=None, case_id=None, slot="B00", slot_type="ZIC", shadow=True, autopilot=False,
                 render_mode=None):
        text, path, case = _config_text(config, case_id)
        self._case = copy.deepcopy(case)
        self._opts = _options(case, slot, slot_type, shadow, autopilot)
        self._h = _create(text, path, case_id, self._opts)
        self.observation_space = observation_space()
        self.action_space = action_space()
        self.render_mode = render_mode
        self.autopilot = bool(autopilot)
        self._seed = int(case.get("seed", 0)) if str(case.get("seed", "0")).isdigit() else 0
        self._next_seed = None
        self._obs = np.zeros(_lib.OBS_DIM, dtype=np.float32)
        self._running = False
        self._err = _lib.Error()
        self.np_random = np.random.default_rng(self._seed)

    def _info(self):
        info = _lib.Info()
        _lib.lib().bse_env_get_info(self._h, ctypes.byref(info))
        return info.as_dict()

    def _live(self):
        if self._h is None:
            raise RuntimeError("the environment is closed")

    def reset(self, *, seed=None, options=None):
        """Starts an episode (one market session) with seed (default: the config's
        seed, then the previous episode's seed + 1). Returns (obs, info)."""
        self._live()
        if seed is not None:
            if int(seed) < 0:
                raise ValueError("seed must be a non-negative integer")
            s = int(seed)
        else:
            s = self._next_seed if self._next_seed is not None else self._seed
        self._next_seed = s + 1
        self.np_random = np.random.default_rng(s)
        term = ctypes.c_int32(0)
        rc = _lib.lib().bse_env_reset(self._h, s, _fptr(self._obs), ctypes.byref(term), ctypes.byref(self._err))
        if rc != _lib.OK:
            raise RuntimeError(f"reset: {self._err.text()}")
        self._running = True
        info = self._info()
        info["empty"] = bool(term.value)
        return self._obs.copy(), info

    def step(self, action):
        """Applies action; returns (obs, reward, terminated, truncated, info).
        reward: the agent's profit until its next decision; terminated at the session end."""
        self._live()
        if not self._running:
            raise RuntimeError("step() before reset() or after the episode ended: call reset()")
        a = np.zeros(_lib.ACT_DIM, dtype=np.float32) if self.autopilot and action is None \
            else check_action(action, self.action_space)
        rew = ctypes.c_double(0)
        term = ctypes.c_int32(0)
        rc = _lib.lib().bse_env_step(self._h, _fptr(a), _fptr(self._obs), ctypes.byref(rew), ctypes.byref(term),
                                     ctypes.byref(self._err))
        if rc == _lib.EACTION:
            raise ValueError(f"action refused: {self._err.text()}")
        if rc != _lib.OK:
            self._running = False
            raise RuntimeError(f"step: {self._err.text()}")
        if term.value:
            self._running = False
        return self._obs.copy(), float(rew.value), bool(term.value), False, self._info()

    def write_files(self, directory):
        """After an episode: writes its output files (the config's dump_flags) into directory."""
        self._live()
        rc = _lib.lib().bse_env_write_files(self._h, os.fsencode(directory), ctypes.byref(self._err))
        if rc != _lib.OK:
            raise RuntimeError(f"write_files: {self._err.text()}")

    def render(self):
        return None

    def close(self):
        """Frees the C side; idempotent."""
        h, self._h = getattr(self, "_h", None), None
        if h is not None:
            _lib.lib().bse_env_destroy(h)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class VecBSETraderEnv:
    """num_envs BSETraderEnv stepped in one C call on num_threads threads.

    Same-step autoreset: a finished env is reset at once with its next seed (env i
    of reset(seed=s) plays seeds s+i, s+i+N, s+i+2N, ...); its last observation is
    in info["final_obs"][i] (mask info["_final_obs"]) and its episode profit in
    info["episode_profit"][i]."""

    def __init__(self, num_envs=8, num_threads=None, config=None, case_id=None, slot="B00", slot_type="ZIC",
                 shadow=True, autopilot=False):
        if int(num_envs) < 1:
            raise ValueError("num_envs must be >= 1")
        self.num_envs = n = int(num_envs)
        if num_threads is None:
            num_threads = min(n, os.cpu_count() or 1)
        text, path, case = _config_text(config, case_id)
        opts = _options(case, slot, slot_type, shadow, autopilot, stride=n)
        self._hs = []
        self._vec = None
        for _ in range(n):
            self._hs.append(_create(text, path, case_id, opts))
        arr = (ctypes.c_void_p * n)(*[h.value for h in self._hs])
        vec = ctypes.c_void_p()
        err = _lib.Error()
        if _lib.lib().bse_env_vec_create(ctypes.byref(vec), arr, n, int(num_threads), ctypes.byref(err)) != _lib.OK:
            self.close()
            raise RuntimeError(err.text())
        self._vec = vec
        self.single_observation_space = observation_space()
        self.single_action_space = action_space()
        self.observation_space = observation_space((n,))
        self.action_space = action_space((n,))
        self._seed = int(case.get("seed", 0)) if str(case.get("seed", "0")).isdigit() else 0
        self._next = None
        self._obs = np.zeros((n, _lib.OBS_DIM), dtype=np.float32)
        self._final = np.zeros((n, _lib.OBS_DIM), dtype=np.float32)
        self._rew = np.zeros(n, dtype=np.float64)
        self._term = np.zeros(n, dtype=np.int32)
        self._profit = np.zeros(n, dtype=np.float64)
        self._err = _lib.Error()
        self._started = False

    def reset(self, *, seed=None, options=None):
        if self._vec is None:
            raise RuntimeError("the environment is closed")
        if seed is not None and np.ndim(seed) == 1:  # one seed per env (Gymnasium's list form)
            seeds = np.asarray(seed, dtype=np.int64)
            if seeds.shape != (self.num_envs,) or np.any(seeds < 0):
                raise ValueError(f"seed list: {self.num_envs} non-negative integers")
            seeds = seeds.astype(np.uint64)
            self._next = int(seeds.max()) + 1
        else:
            s = int(seed) if seed is not None else (self._next if self._next is not None else self._seed)
            if s < 0:
                raise ValueError("seed must be a non-negative integer")
            self._next = s + self.num_envs
            seeds = np.arange(s, s + self.num_envs, dtype=np.uint64)
        rc = _lib.lib().bse_env_vec_reset(self._vec, seeds.ctypes.data_as(ctypes.POINTER(ctypes.c_uint64)),
                                          _fptr(self._obs), _iptr(self._term), ctypes.byref(self._err))
        if rc != _lib.OK:
            raise RuntimeError(f"reset: {self._err.text()}")
        self._started = True
        return self._obs.copy(), {"seed": seeds.astype(np.int64)}

    def step(self, actions):
        if self._vec is None:
            raise RuntimeError("the environment is closed")
        if not self._started:
            raise RuntimeError("step() before reset()")
        a = check_action(actions, self.action_space)
        rc = _lib.lib().bse_env_vec_step(self._vec, _fptr(a), _fptr(self._obs), _dptr(self._rew), _iptr(self._term),
                                         _fptr(self._final), _dptr(self._profit), ctypes.byref(self._err))
        if rc == _lib.EACTION:
            raise ValueError(f"action refused: {self._err.text()}")
        if rc != _lib.OK:
            raise RuntimeError(f"step: {self._err.text()}")
        term = self._term.astype(bool)
        info = {"final_obs": self._final.copy(), "_final_obs": term.copy(), "episode_profit": self._profit.copy()}
        return self._obs.copy(), self._rew.copy(), term, np.zeros(self.num_envs, dtype=bool), info

    def close(self):
        vec, self._vec = getattr(self, "_vec", None), None
        L = _lib.lib()
        if vec is not None:
            L.bse_env_vec_destroy(vec)
        for h in getattr(self, "_hs", []):
            L.bse_env_destroy(h)
        self._hs = []

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
