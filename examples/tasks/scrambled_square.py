"""square's recurrence (seminar variant) computed in a fixed scrambled order σ of the places (docs/own_tasks.md).

σ is a permutation of the places 0 … n-1, drawn once: σ = numpy.random.default_rng(sigma_seed).permutation(n),
with sigma_seed = 1 unless the config's settings give another (scrambled relu's σ uses 0).  At n = 8,
σ = [5, 0, 1, 4, 2, 6, 3, 7]; at n = 12, σ = [8, 11, 4, 7, 5, 0, 1, 9, 2, 10, 6, 3].  The recurrence visits the
places in the order σ, square's step on the inputs met there (p the modulus):

    z_1 = x[σ_1],   z_k = ((x[σ_k]² + z_{k-1}²) mod p) - ⌊p/2⌋,   and the CoT at place σ_k is y[σ_k] = z_k.

The friendly order, known by construction, is σ (:func:`sigma`; the pipeline's order positions: out[k] = y[σ_k]):
written so, each step is a function of the step written just before it and one input.  Forward is not friendly
(it jumps about the recurrence).  Written in the reverse of σ, each step is known from the next only up to its sign.

    tasks:
      scrambled_square: {kind: python, file: examples/tasks/scrambled_square.py, inputs: [-9, 9], values: [-9, 9],
                         settings: {p: 19}, n: [8], directions: [forward, inverse]}

values [-9, 9]: with p = 19 every step after the first is in -9 … 9, and the first is an input.
"""

import numpy as np


def sigma(n: int, sigma_seed: int = 1) -> list[int]:
    """The order σ in which the places are computed: the friendly order."""
    return np.random.default_rng(sigma_seed).permutation(n).tolist()


def outputs(x: np.ndarray, p: int = 19, sigma_seed: int = 1) -> np.ndarray:
    """The forward CoT of a batch: y[:, σ_k] is the k-th step of square's recurrence over the inputs in the order σ."""
    y = np.empty_like(x)
    z = None
    for place in sigma(x.shape[1], sigma_seed):
        z = x[:, place].copy() if z is None else (x[:, place] ** 2 + z**2) % p - p // 2
        y[:, place] = z
    return y
