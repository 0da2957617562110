"""Orders in which the CoT steps are written ("directions").

An order is a permutation ``perm`` of the positions ``0 … L-1``: the written
output is the gather ``out[i] = y[perm[i]]``.  Forward is the identity,
inverse the reversal.  Only the output is reordered, never the input.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np


def parse_permutation(text: str) -> list[int]:
    """``"1,0,2"`` -> ``[1, 0, 2]``; a ``ValueError`` names the bad item."""
    items = [item.strip() for item in str(text).split(",")]
    try:
        return [int(item) for item in items]
    except ValueError:
        bad = next(item for item in items if not item.lstrip("-").isdigit())
        raise ValueError(f"permutation {text!r}: {bad!r} is not an integer") from None


def parse_order(text: str) -> str | list[int]:
    """``"forward"``, ``"inverse"``, or a permutation written ``"1,0,2"``."""
    return text if text in ("forward", "inverse") else parse_permutation(text)


def check_permutation(perm: Sequence[int], n: int) -> list[int]:
    """Return ``perm`` as a list if it holds each of ``0 … n-1`` exactly once."""
    perm = [int(p) for p in perm]
    if len(perm) != n:
        raise ValueError(f"permutation {perm} has length {len(perm)}, expected n = {n}")
    outside = [p for p in perm if not 0 <= p < n]
    if outside:
        raise ValueError(f"permutation {perm}: position {outside[0]} is out of range 0..{n - 1}")
    if len(set(perm)) != n:
        repeated = next(p for p in perm if perm.count(p) > 1)
        raise ValueError(f"permutation {perm}: position {repeated} appears more than once")
    return perm


def random_permutation(n: int, seed: int) -> list[int]:
    """A random permutation of ``0 … n-1``, the same for the same seed."""
    return np.random.default_rng(seed).permutation(n).tolist()


def order_positions(direction: str | Sequence[int], n: int) -> list[int]:
    """The forward position written at each place: ``forward``, ``inverse`` or a permutation."""
    if isinstance(direction, str):
        if direction == "forward":
            return list(range(n))
        if direction == "inverse":
            return list(range(n - 1, -1, -1))
        raise ValueError(f"unknown direction {direction!r} (expected forward, inverse or a permutation)")
    return check_permutation(direction, n)


def apply_order(y: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """Write the forward CoT ``y`` (``(N, L)``) in the given order."""
    return np.asarray(y)[:, list(positions)]


def unrank(index: int, n: int) -> list[int]:
    """The ``index``-th permutation of ``0 … n-1`` in lexicographic order (its Lehmer code), without listing any.

    The code's digits are the remainders of dividing by 1, 2, …, n in turn (no factorial is formed): an order
    at n = 20,000 takes about a second, not minutes."""
    digits = []
    for radix in range(1, n + 1):
        index, digit = divmod(index, radix)
        digits.append(digit)
    left = list(range(n))
    return [left.pop(digit) for digit in reversed(digits)]


def rank_of(order: Sequence[int]) -> int:
    """The lexicographic index of a permutation (the inverse of :func:`unrank`)."""
    left, index = sorted(order), 0
    for place, value in enumerate(order):  # Horner's rule over the Lehmer code: no factorial formed
        at = bisect.bisect_left(left, value)
        index = index * (len(order) - place) + at
        del left[at]
    return index


def sample_distinct(total: int, count: int, rng: np.random.Generator) -> list[int]:
    """``count`` distinct integers of ``0 … total-1``, drawn without rejection and without listing the range."""
    if count > total:
        raise ValueError(f"{count} distinct items asked for, but there are only {total}")
    if total < 2**62:
        return [int(i) for i in rng.choice(total, size=count, replace=False)]
    # Beyond int64 (n ≥ 21 for permutations): independent uniform draws, whose collisions (probability below
    # count² / total) are refused rather than redrawn.
    digits = math.ceil(math.log2(total)) + 64
    drawn = [int.from_bytes(rng.bytes(digits // 8 + 1), "little") % total for _ in range(count)]
    if len(set(drawn)) < count:
        raise RuntimeError("two identical draws from more than 2**62 items")  # pragma: no cover
    return drawn


def random_orders(n: int, count: int, seed: int, exclude=()) -> list[list[int]]:
    """``count`` distinct uniform random orders of n steps, none of them in ``exclude``, drawn from ``seed``.

    Up to n = 20 (n! below 2**62): distinct lexicographic indices drawn without rejection, unranked.  Above: each
    order a uniform shuffle of its own (numpy's ``permuted``, in blocks), a repeat or an excluded order drawn again
    (two equal among 21! are as rare as two equal indices): at n = 4,000, 5,040 orders take a second, not minutes
    of unranking 4,000-digit indices."""
    if n > DRAWN_BY_INDEX:
        return _shuffled_orders(n, count, seed, exclude)
    excluded = {rank_of(order) for order in exclude}
    total = math.factorial(n)
    if count > total - len(excluded):
        raise ValueError(f"{count + len(excluded)} distinct orders asked for, but n = {n} has only {total}")
    drawn = sample_distinct(total, min(total, count + len(excluded)), np.random.default_rng(seed))
    return [unrank(index, n) for index in drawn if index not in excluded][:count]


DRAWN_BY_INDEX = 20  # the largest n whose random orders are drawn as indices (20! < 2**62 < 21!)


def _shuffled_orders(n: int, count: int, seed: int, exclude=()) -> list[list[int]]:
    """:func:`random_orders` above :data:`DRAWN_BY_INDEX`: ``count`` shuffles of 0 … n-1, distinct and none in
    ``exclude``, drawn in blocks of at most 2**22 values from ``seed``."""
    rng = np.random.default_rng(seed)
    seen = {np.asarray(order, dtype=np.int64).tobytes() for order in exclude}
    blocks, drawn = [], 0
    while drawn < count:
        rows = min(count - drawn, max(1, 2**22 // n))
        block = rng.permuted(np.tile(np.arange(n, dtype=np.int64), (rows, 1)), axis=1)
        fresh = []
        for index, row in enumerate(block):
            key = row.tobytes()
            if key not in seen:
                seen.add(key)
                fresh.append(index)
        blocks.append(block[fresh])
        drawn += len(fresh)
    return np.concatenate(blocks).tolist()
