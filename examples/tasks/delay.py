"""A delay recurrence mod p: y_i = (y_{i-2} + y_{i-3} + x_i) mod p, with y_j = 0 for j < 1 (docs/own_tasks.md).

Each step depends on the steps two and three before it, not on the one just before: a recurrence of the user's
kind, to show the format.  The inputs are sparse kicks, drawn by the file's own `sample` function instead of a
uniform `inputs` range: each x_i is 0 with probability 1/2, else uniform in 1 … p-1.  A single kick x_1 = 1 rings
as the Padovan numbers 1 0 1 1 1 2 2 3 4 5 7 9 … (mod p).

    tasks:
      delay: {kind: python, file: examples/tasks/delay.py, sample: sample, values: [0, 10], settings: {p: 11},
              n: [8], directions: [forward, inverse]}
"""

import numpy as np


def sample(rng: np.random.Generator, count: int, n: int, p: int) -> np.ndarray:
    """count inputs of length n, from rng alone: 0 with probability 1/2, else uniform in 1 … p-1."""
    kicks = rng.integers(1, p, size=(count, n))
    return np.where(rng.random((count, n)) < 0.5, 0, kicks)


def outputs(x: np.ndarray, p: int) -> np.ndarray:
    """The forward CoT of a batch: x is (N, n) int64, the result (N, n) integers in 0 … p-1."""
    padded = np.zeros((len(x), x.shape[1] + 3), dtype=np.int64)  # y_{-2}, y_{-1}, y_0 = 0, then y_1 … y_n
    for i in range(x.shape[1]):
        padded[:, i + 3] = (padded[:, i + 1] + padded[:, i] + x[:, i]) % p
    return padded[:, 3:]
