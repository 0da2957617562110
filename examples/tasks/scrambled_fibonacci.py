"""A Fibonacci-like recurrence mod p computed in a fixed scrambled order σ of the places (docs/own_tasks.md): each
step needs the *two* steps before it.

σ is a permutation of the places 0 … n-1, drawn once: σ = numpy.random.default_rng(sigma_seed).permutation(n),
with sigma_seed = 2 unless the config's settings give another.  At n = 8, σ = [6, 5, 7, 2, 3, 4, 0, 1]; at n = 12,
σ = [2, 0, 9, 10, 11, 7, 5, 6, 3, 4, 8, 1].  The recurrence visits the places in the order σ:

    z_k = (z_{k-1} + z_{k-2} + x[σ_k]) mod p   (z_0 = z_{-1} = 0),   and the CoT at place σ_k is y[σ_k] = z_k.

The friendly order, known by construction, is σ (:func:`sigma`; the pipeline's order positions: out[k] = y[σ_k]):
written so, each step is a function of the two steps written just before it and one input, and of no fewer
(given one of them and any inputs, the other is uniform, so the step is too).  Forward is not friendly.  Written
in the reverse of σ, each step is also a function of the two written before it and one input (z_{k-2} =
z_k − z_{k-1} − x[σ_k]), but its first two places are not (they are sums of many inputs).

    tasks:
      scrambled_fibonacci: {kind: python, file: examples/tasks/scrambled_fibonacci.py, inputs: [0, 12],
                            values: [0, 12], settings: {p: 13}, n: [8], directions: [forward, inverse]}
"""

import numpy as np


def sigma(n: int, sigma_seed: int = 2) -> list[int]:
    """The order σ in which the places are computed: the friendly order."""
    return np.random.default_rng(sigma_seed).permutation(n).tolist()


def outputs(x: np.ndarray, p: int = 13, sigma_seed: int = 2) -> np.ndarray:
    """The forward CoT of a batch: y[:, σ_k] is the k-th step of the recurrence over the inputs in the order σ."""
    y = np.empty_like(x)
    before, last = np.zeros(len(x), dtype=x.dtype), np.zeros(len(x), dtype=x.dtype)
    for place in sigma(x.shape[1], sigma_seed):
        before, last = last, (last + before + x[:, place]) % p
        y[:, place] = last
    return y
