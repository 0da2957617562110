"""A plain per-sample Python implementation of the task definitions (docs/tasks.md).

Written independently of the rest of ``cotorder`` (it imports nothing from it): the oracle the
tests compare the vectorized package against, and the baseline ``bench/bench_generate.py`` times.
Slow by design; nothing else in the package uses it.
"""

import random

import numpy as np


def relu(x, variant="seminar"):
    y = [x[0] if variant == "paper" else max(0, x[0])]
    for value in x[1:]:
        y.append(max(0, y[-1] + value))
    return y


def square(x, variant="seminar", p=19):
    y = [x[0]]
    for value in x[1:]:
        r = (value * value + y[-1] * y[-1]) % p
        if variant == "seminar":
            y.append(r - p // 2)
        else:
            y.append(r - p if r > p // 2 else r)
    return y


def index(x, m, variant="seminar"):
    n = len(x)
    y = [x[0] if variant == "paper" else x[x[0] % n]]
    for i in range(1, n):
        y.append(x[sum(y[max(0, i - m) : i]) % n])
    return y


def prod(x):
    """The digits of a·b, least significant first; x is a's digits then b's, most significant first."""
    digits = len(x) // 2
    a = int("".join(map(str, x[:digits])))
    b = int("".join(map(str, x[digits:])))
    return [int(c) for c in reversed(str(a * b).zfill(2 * digits))]


def samples(kind, n, count, seed, variant="seminar", value_min=-9, value_max=9, modulus=19, m=2):
    """Yield (x, y) forward samples exactly as the seminar's generators draw them."""
    if kind == "prod":  # digits 0 … 9; the variant and value range do not apply
        rng = np.random.default_rng(seed)
        for _ in range(count):
            x = [int(v) for v in rng.integers(0, 10, size=n)]
            yield x, prod(x)
        return
    if kind == "index":
        rng = random.Random(seed)
        for _ in range(count):
            x = [rng.randint(1, n - 1) for _ in range(n)]
            yield x, index(x, m, variant)
        return
    rng = np.random.default_rng(seed)
    for _ in range(count):
        x = [int(v) for v in rng.integers(value_min, value_max + 1, size=n)]
        yield x, (relu(x, variant) if kind == "relu" else square(x, variant, modulus))


def file_text(pairs, order=None):
    """The data file for (x, y) pairs, y written as y[order[i]]."""
    lines = []
    for x, y in pairs:
        written = y if order is None else [y[p] for p in order]
        lines.append(" ".join(map(str, x)) + " : " + " ".join(map(str, written)) + "\n")
    return "".join(lines)
