"""The three chain-of-thought tasks: random inputs and their recurrences.

Every function works on a whole split at once: ``x`` is an ``(N, L)`` int64
array and the result ``y`` has the same shape, ``y[:, i]`` being the (i+1)-th
CoT step in forward order.  The definitions and random streams are the ones in
``shared/DESIGN.md``; the two variants are ``seminar`` (the default) and
``paper``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

KINDS = ("relu", "square", "index")
VARIANTS = ("seminar", "paper")


@dataclass(frozen=True)
class Task:
    """One task kind with its generation parameters."""

    kind: str
    variant: str = "seminar"
    value_min: int = -9  # relu, square
    value_max: int = 9  # relu, square
    modulus: int = 19  # square
    m: int = 2  # index: window of previous outputs

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown task kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r} (expected one of {', '.join(VARIANTS)})")
        if self.value_min > self.value_max:
            raise ValueError(f"value_min {self.value_min} > value_max {self.value_max}")
        if self.modulus < 2:
            raise ValueError(f"modulus {self.modulus} < 2")
        if self.m < 1:
            raise ValueError(f"m {self.m} < 1")

    def sample_inputs(self, n: int, count: int, seed: int) -> np.ndarray:
        """The ``(count, n)`` inputs the seminar's generators draw from ``seed``."""
        if n < 2:
            raise ValueError(f"sequence length n {n} < 2")
        if count < 1:
            raise ValueError(f"sample count {count} < 1")
        if self.kind == "index":
            return _python_randint_matrix(seed, 1, n - 1, count, n)
        # One call draws the same numbers as one call of size n per sample:
        # for ranges below 2**32, numpy draws 32-bit words from a stream that
        # keeps the second half of each 64-bit output across calls.
        rng = np.random.default_rng(seed)
        return rng.integers(self.value_min, self.value_max + 1, size=(count, n), dtype=np.int64)

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """The forward CoT ``y`` for inputs ``x`` (shape ``(N, L)``)."""
        x = np.asarray(x, dtype=np.int64)
        return {"relu": self._relu, "square": self._square, "index": self._index}[self.kind](x)

    def _relu(self, x):
        y = np.empty_like(x)
        y[:, 0] = x[:, 0] if self.variant == "paper" else np.maximum(0, x[:, 0])
        for i in range(1, x.shape[1]):
            y[:, i] = np.maximum(0, y[:, i - 1] + x[:, i])
        return y

    def _square(self, x):
        p = self.modulus
        y = np.empty_like(x)
        y[:, 0] = x[:, 0]
        for i in range(1, x.shape[1]):
            r = (x[:, i] ** 2 + y[:, i - 1] ** 2) % p
            # seminar: shift by floor(p/2); paper: symmetric residue.
            y[:, i] = r - p // 2 if self.variant == "seminar" else np.where(r > p // 2, r - p, r)
        return y

    def _index(self, x):
        n = x.shape[1]
        rows = np.arange(x.shape[0])
        y = np.empty_like(x)
        y[:, 0] = x[:, 0] if self.variant == "paper" else x[rows, x[:, 0] % n]
        for i in range(1, n):
            window = y[:, max(0, i - self.m) : i].sum(axis=1)
            y[:, i] = x[rows, window % n]
        return y

    def value_range(self, n: int) -> tuple[int, int]:
        """Smallest and largest integer an input or output can hold at length n."""
        if self.kind == "index":
            return 1, n - 1
        if self.kind == "relu":
            return min(self.value_min, 0), max(self.value_max, 0) * n
        p = self.modulus
        low, high = (-(p // 2), p - 1 - p // 2) if self.variant == "seminar" else (-((p - 1) // 2), p // 2)
        return min(low, self.value_min), max(high, self.value_max)


def _python_randint_matrix(seed: int, low: int, high: int, count: int, n: int) -> np.ndarray:
    """``[[random.Random(seed).randint(low, high) for _ in range(n)] for _ in range(count)]``, in bulk.

    Python's ``randint`` takes ``getrandbits(k) = word >> (32 - k)`` of the next
    32-bit Mersenne Twister word, with ``k = (high - low + 1).bit_length()``,
    and draws again while the result is out of range.  numpy's MT19937, given
    the same state, yields the same words, so the stream is reproduced by
    drawing words in bulk and dropping the rejected ones.
    """
    span = high - low + 1
    k = span.bit_length()
    if k > 32:
        raise ValueError(f"range {low}..{high} too wide for the bulk Mersenne Twister stream")
    state = random.Random(seed).getstate()[1]
    mt = np.random.MT19937()
    mt.state = {"bit_generator": "MT19937", "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]}}
    need = count * n
    values = np.empty(0, dtype=np.int64)
    while values.size < need:
        words = mt.random_raw(int((need - values.size) * (1 << k) / span) + 1024)
        draws = (words >> np.uint64(32 - k)).astype(np.int64)
        values = np.concatenate([values, draws[draws < span]])
    return values[:need].reshape(count, n) + low
