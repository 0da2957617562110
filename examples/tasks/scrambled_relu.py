"""relu's recurrence computed in a fixed scrambled order σ of the places (docs/own_tasks.md).

σ is a permutation of the places 0 … n-1, drawn once: σ = numpy.random.default_rng(sigma_seed).permutation(n),
with sigma_seed = 0 unless the config's settings give another.  At n = 8, σ = [2, 4, 3, 6, 5, 0, 1, 7]; at n = 4,
σ = [2, 0, 1, 3].  The recurrence visits the places in the order σ, the seminar's relu on the inputs met there:

    z_1 = max(0, x[σ_1]),   z_k = max(0, z_{k-1} + x[σ_k]),   and the CoT at place σ_k is y[σ_k] = z_k.

Written forward (y_1 … y_n), the CoT jumps about the recurrence; written in the order σ (out[k] = y[σ_k], the
pipeline's order positions σ) it is the plain relu recurrence, step after step.  A search should find σ.

    tasks:
      scrambled: {kind: python, file: examples/tasks/scrambled_relu.py, inputs: [-9, 9], values: [0, 72],
                  n: [8], directions: [forward, inverse]}

values [0, 72]: the recurrence never exceeds 9 n, so [0, 72] holds every n up to 8.
"""

import numpy as np


def sigma(n: int, sigma_seed: int = 0) -> list[int]:
    """The order σ in which the places are computed."""
    return np.random.default_rng(sigma_seed).permutation(n).tolist()


def outputs(x: np.ndarray, sigma_seed: int = 0) -> np.ndarray:
    """The forward CoT of a batch: y[:, σ_k] is the k-th step of relu's recurrence over the inputs in the order σ."""
    y = np.empty_like(x)
    z = np.zeros(len(x), dtype=x.dtype)
    for place in sigma(x.shape[1], sigma_seed):
        z = np.maximum(0, z + x[:, place])
        y[:, place] = z
    return y
