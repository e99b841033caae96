"""Box and Discrete: gymnasium's own classes when gymnasium is importable, else
small stand-ins with the same attributes (shape, dtype, low/high, n) and methods
(sample, contains, seed)."""
import numpy as np

try:  # pragma: no cover - gymnasium is not in Debian 12
    from gymnasium.spaces import Box, Discrete  # noqa: F401
    GYMNASIUM = True
except ImportError:
    GYMNASIUM = False

    class Space:
        def __init__(self, shape, dtype, seed=None):
            self.shape = tuple(shape) if shape is not None else None
            self.dtype = np.dtype(dtype) if dtype is not None else None
            self._np_random = None
            if seed is not None:
                self.seed(seed)

        @property
        def np_random(self):
            if self._np_random is None:
                self.seed()
            return self._np_random

        def seed(self, seed=None):
            """Seeds the space's own generator (numpy PCG64); returns [seed]."""
            self._np_random = np.random.default_rng(seed)
            return [seed]

        def __contains__(self, x):
            return self.contains(x)

    class Box(Space):
        """A box in R^shape: low <= x <= high elementwise."""

        def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
            dtype = np.dtype(dtype)
            if shape is None:
                shape = np.shape(low) if np.ndim(low) else np.shape(high)
            self.low = np.broadcast_to(np.asarray(low, dtype=dtype), shape).copy()
            self.high = np.broadcast_to(np.asarray(high, dtype=dtype), shape).copy()
            super().__init__(shape, dtype, seed)

        def sample(self, mask=None):
            """A uniform sample of the (bounded) box."""
            x = self.np_random.uniform(self.low, self.high, size=self.shape)
            return np.clip(x.astype(self.dtype), self.low, self.high)

        def contains(self, x):
            x = np.asarray(x)
            if x.shape != self.shape or not np.can_cast(x.dtype, self.dtype, casting="same_kind"):
                return False
            x = x.astype(self.dtype)
            return bool(np.all(np.isfinite(x)) and np.all(x >= self.low) and np.all(x <= self.high))

        def __repr__(self):
            return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"

        def __eq__(self, other):
            return isinstance(other, Box) and self.shape == other.shape and np.array_equal(self.low, other.low) \
                and np.array_equal(self.high, other.high)

    class Discrete(Space):
        """{start, ..., start + n - 1}."""

        def __init__(self, n, seed=None, start=0):
            self.n = int(n)
            self.start = int(start)
            super().__init__((), np.int64, seed)

        def sample(self, mask=None):
            return np.int64(self.start + self.np_random.integers(self.n))

        def contains(self, x):
            if isinstance(x, (int, np.integer)) or (isinstance(x, np.ndarray) and x.shape == ()
                                                    and np.issubdtype(x.dtype, np.integer)):
                return self.start <= int(x) < self.start + self.n
            return False

        def __repr__(self):
            return f"Discrete({self.n})"
