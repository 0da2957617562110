"""A no-learning baseline for loss profiling: what a predictor that never sees the inputs scores (numpy only).

A profile's model could rank orders by token statistics alone — how often a value follows another at
a written place — without learning any order's rule.  The baseline measures that: a predictor fitted
on the profile's training mixture (every sample in its assigned order, no order token, as the model
saw it) that knows the written place j and the token written just before, but not the inputs:

    P(v | j, u) = (c(j, u, v) + β · P(v | j)) / (c(j, u) + β),      P(v | j) = (c(j, v) + 1) / (c(j) + V)

c counts the training mixture's tokens (u is the previous written value; at j = 0 the start of the
sequence), V the task's values at length n (the model's value vocabulary), β = :data:`PRIOR` (a
context seen rarely leans on the place's frequencies; an unseen one uses them alone).  Each candidate
order's baseline is this predictor's mean cross-entropy, in nats per token, over the validation split
written in that order — the same tokens the model's score averages.  A model below its baseline by a
margin has learned something the token statistics do not give.
"""

from __future__ import annotations

import numpy as np

PRIOR = 1.0  # β: the weight of the place's frequencies in a previous-token context


def fit(written: np.ndarray, low: int, high: int) -> np.ndarray:
    """Log-probabilities ``(n, V + 1, V)``: place, previous value (index V: none, at place 0), next value.

    ``written``: ``(N, n)`` training outputs as written (each sample in its own order); values in ``low … high``.
    """
    written = np.asarray(written, dtype=np.int64) - low
    size = high - low + 1
    count, n = written.shape
    if written.min(initial=0) < 0 or written.max(initial=0) >= size:
        raise ValueError(f"values outside {low}..{high} in the training outputs")
    previous = np.concatenate([np.full((count, 1), size), written[:, :-1]], axis=1)
    places = np.broadcast_to(np.arange(n), written.shape)
    pairs = np.zeros((n, size + 1, size))
    np.add.at(pairs, (places, previous, written), 1)
    unigram = (pairs.sum(axis=1) + 1) / (count + size)  # (n, V): every sample has one token at each place
    bigram = (pairs + PRIOR * unigram[:, None, :]) / (pairs.sum(axis=2, keepdims=True) + PRIOR)
    return np.log(bigram)


def loss(table: np.ndarray, written: np.ndarray, low: int) -> float:
    """The mean cross-entropy (nats per token) of the fitted predictor on ``written`` ``(M, n)``."""
    written = np.asarray(written, dtype=np.int64) - low
    count, n = written.shape
    previous = np.concatenate([np.full((count, 1), table.shape[1] - 1), written[:, :-1]], axis=1)
    return float(-table[np.arange(n), previous, written].mean())


def order_baselines(train_written, validation_y, candidates, low: int, high: int) -> np.ndarray:
    """Each candidate's baseline: the predictor fitted on the training mixture ``train_written``, scored on the
    validation CoT ``validation_y`` (forward, ``(M, n)``) written in that candidate's order."""
    table = fit(train_written, low, high)
    validation_y = np.asarray(validation_y)
    return np.array([loss(table, validation_y[:, list(order)], low) for order in candidates])
