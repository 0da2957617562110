"""A cumulative sum mod p: y_1 = x_1 mod p, y_i = (y_{i-1} + x_i) mod p (docs/own_tasks.md).

With the inputs uniform in 0 … p-1, each y_i is uniform given any other single value of the CoT, so a predictor
that sees only the values already written (the no-learning baseline) does equally badly in every order: whatever a
loss profile ranks on this task, the model learned it from the inputs.

    tasks:
      cumsum: {kind: python, file: examples/tasks/cumsum.py, inputs: [0, 12], values: [0, 12], settings: {p: 13},
               n: [8], directions: [forward, inverse]}
"""

import numpy as np


def outputs(x: np.ndarray, p: int) -> np.ndarray:
    """The forward CoT of a batch: x is (N, n) int64, the result (N, n) integers in 0 … p-1."""
    return np.cumsum(x, axis=1) % p
