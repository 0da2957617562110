"""A holdout for discovery: a running product mod p computed in a scrambled order σ (docs/discovery.md).

Written after the lookup ranker, the search and the path method were built, and run once with them unchanged: a
recurrence of another kind (multiplication in the group 1 … p−1, not a sum or a clipped sum), another σ seed (11)
and another n (10) than any they were designed or reported on.

    z_1 = x[σ_1],   z_k = (z_{k-1} · x[σ_k]) mod p,   and the CoT at place σ_k is y[σ_k] = z_k.

σ = numpy.random.default_rng(sigma_seed).permutation(n); at n = 10, σ = [8, 5, 6, 1, 9, 3, 4, 2, 7, 0]. Inputs
1 … p−1 (`inputs: [1, 12]` for p = 13): every z_k is then uniform on 1 … p−1 and any two steps are independent, so
token statistics are flat in every order (as for cumsum), and only the inputs tell σ apart.

    tasks:
      product: {kind: python, file: examples/tasks/scrambled_product.py, inputs: [1, 12], values: [0, 12],
                settings: {p: 13}, n: [10], directions: [forward, inverse]}
"""

import numpy as np


def sigma(n: int, sigma_seed: int = 11) -> list[int]:
    """The order σ in which the places are computed."""
    return np.random.default_rng(sigma_seed).permutation(n).tolist()


def outputs(x: np.ndarray, p: int = 13, sigma_seed: int = 11) -> np.ndarray:
    """The forward CoT of a batch: y[:, σ_k] is the k-th step of the running product mod p in the order σ."""
    y = np.empty_like(x)
    z = np.ones(len(x), dtype=x.dtype)
    for place in sigma(x.shape[1], sigma_seed):
        z = (z * x[:, place]) % p
        y[:, place] = z
    return y
