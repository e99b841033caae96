"""ctypes binding of bse/env.h (build/libbsepouw.so).

The library is found at $BSEPOUW_LIB, else at <repo>/build/libbsepouw.so (this
file is <repo>/python/bsepouw/_lib.py). Every call releases the GIL (ctypes).
"""
import ctypes
import os
from pathlib import Path

OBS_DIM = 20
ACT_DIM = 2

OK, ENOMEM, EBSE, ECONFIG, EACTION, ESTATE = 0, 1, 2, 3, 4, 5

# bse_ttype values (bse/config.h)
TTYPES = {"GVWY": 0, "ZIC": 1, "SHVR": 2, "SNPR": 3, "ZIP": 4}


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("path", ctypes.c_char * 256),
                ("field", ctypes.c_char * 160), ("msg", ctypes.c_char * 320)]

    def text(self):
        parts = [p.decode("utf-8", "replace") for p in (self.path, self.field, self.msg) if p]
        return ": ".join(parts)


class Options(ctypes.Structure):
    _fields_ = [("slot", ctypes.c_int32), ("slot_type", ctypes.c_int32), ("shadow", ctypes.c_int32),
                ("autopilot", ctypes.c_int32), ("seed_stride", ctypes.c_int64)]


class Info(ctypes.Structure):
    _fields_ = [("time", ctypes.c_double), ("limit", ctypes.c_int64), ("price", ctypes.c_int64),
                ("profit", ctypes.c_int64), ("agent_trades", ctypes.c_int64), ("decisions", ctypes.c_int64),
                ("trades", ctypes.c_int64), ("seed", ctypes.c_uint64)]

    def as_dict(self):
        return {"time": self.time, "limit": int(self.limit), "price": int(self.price), "profit": int(self.profit),
                "agent_trades": int(self.agent_trades), "decisions": int(self.decisions),
                "trades": int(self.trades), "seed": int(self.seed)}


def _find():
    env = os.environ.get("BSEPOUW_LIB")
    if env:
        return env
    here = Path(__file__).resolve()
    for cand in (here.parents[2] / "build" / "libbsepouw.so", here.parent / "libbsepouw.so"):
        if cand.exists():
            return str(cand)
    raise OSError("libbsepouw.so not found: run `make` in the repository or set BSEPOUW_LIB")


_LIB = None


def lib():
    """The loaded library, with argument and result types declared (loaded once)."""
    global _LIB
    if _LIB is not None:
        return _LIB
    L = ctypes.CDLL(_find())
    P, F, D, I32, I64, U64 = ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_double), \
        ctypes.POINTER(ctypes.c_int32), ctypes.c_int64, ctypes.POINTER(ctypes.c_uint64)
    E = ctypes.POINTER(Error)
    sig = {
        "bse_env_options_default": (Options, []),
        "bse_env_obs_bounds": (None, [F, F]),
        "bse_env_create_json": (ctypes.c_int, [ctypes.POINTER(P), ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                               ctypes.c_char_p, ctypes.POINTER(Options), E]),
        "bse_env_destroy": (None, [P]),
        "bse_env_reset": (ctypes.c_int, [P, ctypes.c_uint64, F, I32, E]),
        "bse_env_step": (ctypes.c_int, [P, F, F, D, I32, E]),
        "bse_env_check_action": (ctypes.c_int, [F, E]),
        "bse_env_get_info": (None, [P, ctypes.POINTER(Info)]),
        "bse_env_write_files": (ctypes.c_int, [P, ctypes.c_char_p, E]),
        "bse_env_vec_create": (ctypes.c_int, [ctypes.POINTER(P), ctypes.POINTER(P), ctypes.c_int32, ctypes.c_int32,
                                              E]),
        "bse_env_vec_destroy": (None, [P]),
        "bse_env_vec_reset": (ctypes.c_int, [P, U64, F, I32, E]),
        "bse_env_vec_step": (ctypes.c_int, [P, F, F, D, I32, F, D, E]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(L, name)
        fn.restype = res
        fn.argtypes = args
    del I64
    _LIB = L
    return L
