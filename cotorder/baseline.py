"""A no-learning baseline for loss profiling: what a predictor that never sees the inputs scores (numpy only).

A profile's model could rank orders by token statistics alone — how often a value follows another at
a written place — without learning any order's rule.  The baseline measures that: a predictor fitted
on the profile's training mixture (every sample in its assigned order, as the model saw it) that knows
the written place j and the token written just before, but not the inputs:

    P(v | j, u) = (c(j, u, v) + β · P(v | j)) / (c(j, u) + β),      P(v | j) = (c(j, v) + 1) / (c(j) + V)

c counts the training mixture's tokens (u is the previous written value; at j = 0 the start of the
sequence), V the task's values at length n (the model's value vocabulary).  β weighs the place's
frequencies in a previous-token context (a context seen rarely leans on them; an unseen one uses them
alone); it is chosen on held-out rows, not by hand (:func:`choose_prior`): the training rows are split
(seeded), the predictor fitted on the larger part for each β of :data:`PRIORS`, and the β with the lowest
cross-entropy on the held-out part is refitted on all rows.

The model knows the order of a sample only when it is told (``conditioning: prefix``); then so does the
baseline: each candidate order k has its own predictor, fitted on the training samples assigned that order,
that backs off to the pooled one (a context order k saw rarely leans on the whole mixture's statistics):

    P_k(v | j, u) = (c_k(j, u, v) + β_k · P(v | j, u)) / (c_k(j, u) + β_k)

with one β_k for all orders, chosen on their held-out rows together once the pooled β is chosen.  (Backing
off to the place's frequencies of order k alone, its few hundred rows over V values, scores worse than the
pooled predictor.)  Without the order token the pooled predictor alone is fitted, on the whole mixture.

Each candidate order's baseline is its predictor's mean cross-entropy, in nats per token, over the
validation split written in that order — the same tokens the model's score averages.  A model below its
baseline by a margin has learned something the token statistics do not give.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# The ``rank_by`` of the control: a profile or search whose candidates are ranked by this baseline alone (no model
# trained: cotorder.profiling.run_profile), to show what token statistics alone would pick.
CONTROL = "baseline"
PRIOR = 1.0  # β when the training rows are too few to hold some out
PRIORS = np.logspace(-3, 4, 29)  # the β searched: 0.001 … 10,000, four a decade
HELD_OUT = 0.15  # the share of training rows held out to choose β
SPLIT_SEED = 0  # the seed of that split (the same rows give the same split and the same β)


def _shifted(written, low: int, high: int) -> np.ndarray:
    """``written`` as integers ``0 … high - low`` (``(N, n)``); values outside the range are an error."""
    written = np.asarray(written, dtype=np.int64) - low
    if written.min(initial=0) < 0 or written.max(initial=0) > high - low:
        raise ValueError(f"values outside {low}..{high} in the training outputs")
    return written


def _previous(written: np.ndarray, start: int) -> np.ndarray:
    """The value written before each token of ``written`` (``(..., n)``; ``start`` at place 0)."""
    return np.concatenate([np.full(written.shape[:-1] + (1,), start), written[..., :-1]], axis=-1)


def _counts(written: np.ndarray, groups: np.ndarray, count: int, size: int) -> np.ndarray:
    """``c(g, j, u, v)``, shape ``(count, n, size + 1, size)``: of each group ``g`` (``groups``: one a row), how
    often value v is written at place j after value u (u = size: the start)."""
    rows, n = written.shape
    places = np.broadcast_to(np.arange(n), written.shape)
    index = ((groups[:, None] * n + places) * (size + 1) + _previous(written, size)) * size + written
    return np.bincount(index.ravel(), minlength=count * n * (size + 1) * size).reshape(count, n, size + 1, size)


def _unigram(pairs: np.ndarray) -> np.ndarray:
    """``P(v | j)`` of each group, ``(G, n, V)``: add-one frequencies of the values at each place."""
    places = pairs.sum(axis=2)
    return (places + 1) / (places.sum(axis=2, keepdims=True) + pairs.shape[-1])


def _smoothed(pairs: np.ndarray, prior: float, backoff: np.ndarray) -> np.ndarray:
    """``(c(j, u, v) + β · backoff) / (c(j, u) + β)`` of each group's counts ``pairs`` (``(G, n, V + 1, V)``)."""
    return (pairs + prior * backoff) / (pairs.sum(axis=3, keepdims=True) + prior)


def _pooled(pairs: np.ndarray, prior: float) -> np.ndarray:
    """The probabilities ``(1, n, V + 1, V)`` of one predictor fitted on all groups' counts ``pairs``."""
    pooled = pairs.sum(axis=0, keepdims=True)
    return _smoothed(pooled, prior, _unigram(pooled)[:, :, None, :])


def fit(written: np.ndarray, low: int, high: int, prior: float = PRIOR) -> np.ndarray:
    """Log-probabilities ``(n, V + 1, V)``: place, previous value (index V: none, at place 0), next value, with
    β = ``prior``.

    ``written``: ``(N, n)`` training outputs as written (each sample in its own order); values in ``low … high``.
    """
    written = _shifted(written, low, high)
    return np.log(_pooled(_counts(written, np.zeros(len(written), np.int64), 1, high - low + 1), prior))[0]


def loss(table: np.ndarray, written: np.ndarray, low: int) -> float:
    """The mean cross-entropy (nats per token) of the fitted predictor on ``written`` ``(M, n)``."""
    written = np.asarray(written, dtype=np.int64) - low
    n = written.shape[1]
    return float(-table[np.arange(n), _previous(written, table.shape[1] - 1), written].mean())


def held_out_losses(
    written,
    low: int,
    high: int,
    groups=None,
    *,
    pooled_prior: float | None = None,
    priors=PRIORS,
    held_out: float = HELD_OUT,
    seed: int = SPLIT_SEED,
) -> np.ndarray:
    """The held-out cross-entropy (nats per token) for each β of ``priors``: the rows of ``written`` split by
    ``seed`` (a share ``held_out`` held out), the predictor fitted on the rest and scored on the held-out rows.

    ``groups`` ``None``: one predictor for all rows, its β varied.  ``groups`` (``(N,)`` integers, e.g. each row's
    assigned order): one predictor a group, on its own counts, backing off to the pooled predictor (fitted on the
    same rows, β = ``pooled_prior``; ``None``: chosen first, as :func:`choose_prior` without groups); their common
    β varied.  ``NaN`` everywhere when either part of the split is empty."""
    written = _shifted(written, low, high)
    rows, size = len(written), high - low + 1
    priors = np.asarray(priors, dtype=float)
    held = np.zeros(rows, bool)
    held[np.random.default_rng(seed).permutation(rows)[: int(round(held_out * rows))]] = True
    if held.all() or not held.any():
        return np.full(len(priors), np.nan)
    pooled = groups is None
    groups = np.zeros(rows, np.int64) if pooled else np.unique(np.asarray(groups), return_inverse=True)[1]
    pairs = _counts(written[~held], groups[~held], groups.max() + 1, size)
    tokens = written[held]
    places, previous = np.broadcast_to(np.arange(written.shape[1]), tokens.shape), _previous(tokens, size)
    g = np.broadcast_to(groups[held][:, None], tokens.shape)
    pair, context = pairs[g, places, previous, tokens].ravel(), pairs.sum(axis=3)[g, places, previous].ravel()
    if pooled:
        backoff = _unigram(pairs)[g, places, tokens].ravel()
    else:
        if pooled_prior is None:
            pooled_prior = choose_prior(written + low, low, high, priors=priors, held_out=held_out, seed=seed)
        backoff = _pooled(pairs, pooled_prior)[0, places, previous, tokens].ravel()
    beta = priors[:, None]
    return -np.log((pair + beta * backoff) / (context + beta)).mean(axis=1)


def choose_prior(written, low: int, high: int, groups=None, **split) -> float:
    """The β of :data:`PRIORS` with the lowest :func:`held_out_losses` (the smallest such, on a tie); :data:`PRIOR`
    when the rows are too few to hold any out.  ``split``: ``pooled_prior``, ``priors``, ``held_out``, ``seed`` as
    there."""
    priors = np.asarray(split.get("priors", PRIORS), dtype=float)
    losses = held_out_losses(written, low, high, groups, **split)
    return PRIOR if np.isnan(losses).all() else float(priors[np.argmin(losses)])


class Baselines(NamedTuple):
    """Each candidate's baseline (nats per token) and the β used: ``prior`` of the pooled predictor,
    ``order_prior`` of the per-order ones (``NaN`` without them)."""

    losses: np.ndarray
    prior: float
    order_prior: float


def order_baselines(
    train_written,
    validation_y,
    candidates,
    low: int,
    high: int,
    assignment=None,
    prior: float | None = None,
    order_prior: float | None = None,
) -> Baselines:
    """Each candidate's baseline: the predictor fitted on the training mixture ``train_written``, scored on the
    validation CoT ``validation_y`` (forward, ``(M, n)``) written in that candidate's order.

    ``assignment``: each training row's candidate index, when the model is told the order (``conditioning:
    prefix``): each candidate is then scored by its own predictor, fitted on its own rows and backing off to the
    pooled one, β = ``order_prior``; ``None``: the pooled predictor alone, fitted on the whole mixture, β =
    ``prior``.  A β left ``None`` is chosen on held-out training rows (:func:`choose_prior`)."""
    written = _shifted(train_written, low, high)
    size = high - low + 1
    orders = np.asarray(candidates, dtype=np.int64).reshape(len(candidates), -1)
    if prior is None:
        prior = choose_prior(written + low, low, high)
    if assignment is None:
        tables, order_prior = _pooled(_counts(written, np.zeros(len(written), np.int64), 1, size), prior), np.nan
        table = 0
    else:
        assignment = np.asarray(assignment, dtype=np.int64)
        if order_prior is None:
            order_prior = choose_prior(written + low, low, high, assignment, pooled_prior=prior)
        pairs = _counts(written, assignment, len(orders), size)
        tables, table = _smoothed(pairs, order_prior, _pooled(pairs, prior)), np.arange(len(orders))[:, None, None]
    validation = np.asarray(validation_y, dtype=np.int64)[:, orders].transpose(1, 0, 2) - low  # (T, M, n)
    previous = _previous(validation, size)
    losses = -np.log(tables[table, np.arange(validation.shape[2]), previous, validation]).mean(axis=(1, 2))
    return Baselines(losses, float(prior), float(order_prior))
