"""A profile's replicates together: per-order spread, rank agreement, token statistics, and a verdict on the
ranking (numpy and pandas only).

A loss profile ranks its candidates; whether that ranking means anything is measured here, from the
replicates' ranked tables (one ``losses.csv`` per seed: ``order``, ``label``, ``score``, ``baseline``):

- **spread**: per order, the score's and the rank's mean and standard deviation over the seeds, each seed's
  score and rank, and the no-learning baseline's mean and rank (:func:`summarize`); the orders are ranked by
  their mean score;
- **agreement**: Spearman's ρ between the rankings of every pair of seeds (:func:`agreement`);
- **token statistics**: Spearman's ρ, per seed, between the model's scores and the no-learning baseline's
  (:func:`baseline_agreement`).  The ranking *follows the token statistics* when ρ ≥ :data:`TOKEN_RHO` in every
  seed (:func:`token_statement`): then a predictor that only counts tokens orders the candidates much as the
  model does, and the ranking says little about what the model learned beyond them;
- **verdict** (:func:`verdict`): ``signal`` when all of these hold:

  1. *learned*: the top order's mean score is at least :data:`MIN_MARGIN` nats per token below its
     no-learning baseline (:mod:`cotorder.baseline`): the model knows more than token statistics.  Else
     ``no signal`` (one seed shows that as well as many);
  2. *replicated*: at least :data:`MIN_SEEDS` seeds, else ``cannot tell``;
  3. *confirmed on held-out seeds* (:func:`held_out_scores`): each seed s is scored on an order picked
     without it: the order with the lowest mean relative score (score less its seed's median score, so that
     a seed that moves every order's loss together changes nothing) over the k = ⌊(S − 1)/2⌋ seeds before s,
     taken cyclically in the seeds' order.  d_s, that order's relative score in seed s, has mean 0 when
     every order has the same true loss, whatever that order's own variance, and no two d_s are correlated
     (of any two seeds, at most one picks on the other).  A one-sided one-sample t-test on the S values d_s
     (S − 1 degrees of freedom) must reject mean 0 at level :data:`ALPHA`, else ``no signal``.

  The order reported as top is the overall ranking's first.  Why this test and not a simpler one, measured
  on synthetic profiles (T = 32 orders, a seed-wide shift of sd 0.05 added to every order of a seed; 20 000
  draws per case, ``numpy.random.default_rng(0)``; "relu pattern": two orders with noise sd 0.07 and 30 with
  0.015, as forward and inverse in the relu demo):

  ====================================  =======  =======  =======  =======
  rate of ``signal`` (α = 0.05)         3 seeds  4 seeds  5 seeds  7 seeds
  ====================================  =======  =======  =======  =======
  null, every order sd 0.015            4.4 %    4.7 %    4.9 %    4.9 %
  null, relu pattern                    6.0 %    4.1 %    4.8 %    4.9 %
  one order 0.1 better, sd 0.015        100 %    100 %    100 %    100 %
  one order 0.1 better, relu pattern    70 %     73 %     93 %     99 %
  ====================================  =======  =======  =======  =======

  The former rule (the top order's lead over the median order above twice the median ``relative_sd``) said
  ``signal`` in 11 % and 49 % of the null draws at 3 seeds (0.2 % and 33 % at 5): it picks the top order by
  the same scores that measure its lead, and compares the lead with the typical order's spread, not the top
  order's own.
  Leave-one-seed-out (picking on all the other seeds) has more power (88 % on the relu pattern at 3 seeds)
  but its d_s are correlated, each picked partly on the others' seeds: 9.6 % and 9.5 % false alarms at 3
  seeds, 14 % and 11 % at 5.  Picking on one seed at 3 (and 4) seeds is what a valid test costs: where a
  noisy order wins a pick seed, that seed's d_s is noise and the t-test rarely rejects.
  ``tests/test_evidence.py`` measures these rates again on fewer draws.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

MIN_MARGIN = 0.05  # nats per token below the no-learning baseline
MIN_SEEDS = 3  # the fewest seeds the held-out test runs on: each needs a seed to pick on, the t-test two values
ALPHA = 0.05  # the held-out test's level: its false-alarm rate where every order has the same true loss
TOKEN_RHO = 0.5  # Spearman's ρ, in every seed, at which the model's ranking follows the baseline's
SIGNAL, NO_SIGNAL, CANNOT_TELL = "signal", "no signal", "cannot tell"


def spearman(a, b) -> float:
    """Spearman's ρ of two rankings (or scores) of the same items: Pearson's correlation of their ranks."""
    ra, rb = (pd.Series(np.asarray(v, dtype=float)).rank().to_numpy() for v in (a, b))
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _by_order(tables: dict, column: str) -> pd.DataFrame:
    """``column`` of every seed's table, one row per order (the first seed's row order), one column per seed."""
    return pd.DataFrame({seed: table.set_index("order")[column] for seed, table in tables.items()})


def agreement(tables: dict) -> pd.DataFrame:
    """Spearman's ρ between the rankings of every pair of seeds: columns ``seed_a``, ``seed_b``, ``spearman``."""
    ranks = _by_order(tables, "rank")
    rows = [{"seed_a": a, "seed_b": b, "spearman": spearman(ranks[a], ranks[b])}
            for a, b in itertools.combinations(ranks.columns, 2)]  # fmt: skip
    return pd.DataFrame(rows, columns=["seed_a", "seed_b", "spearman"])


def summarize(tables: dict) -> pd.DataFrame:
    """One row per order, by mean score: rank, order, label, score mean and sd, the sd of the score relative to
    its seed's median, rank mean and sd, each seed's rank (``rank_seed<S>``) and score (``score_seed<S>``),
    baseline (mean over seeds), ``baseline_rank`` (the orders ranked by that mean, 1 = lowest, ties the best rank)
    and margin (baseline − mean score).  ``tables``: seed → ranked table."""
    first = next(iter(tables.values())).set_index("order")
    scores, ranks = _by_order(tables, "score"), _by_order(tables, "rank")
    relative = scores - scores.median(axis=0)  # each seed's scores less that seed's median
    summary = pd.DataFrame(
        {
            "label": first["label"],
            "score_mean": scores.mean(axis=1),
            "score_sd": scores.std(axis=1, ddof=1) if len(tables) > 1 else np.nan,
            "relative_sd": relative.std(axis=1, ddof=1) if len(tables) > 1 else np.nan,
            "rank_mean": ranks.mean(axis=1),
            "rank_sd": ranks.std(axis=1, ddof=1) if len(tables) > 1 else np.nan,
            **{f"rank_seed{seed}": ranks[seed] for seed in tables},
            **{f"score_seed{seed}": scores[seed] for seed in tables},
            "baseline": _by_order(tables, "baseline").mean(axis=1),
        }
    )
    summary["baseline_rank"] = summary["baseline"].rank(method="min").astype(int)
    summary["margin"] = summary["baseline"] - summary["score_mean"]
    summary = summary.rename_axis("order").reset_index().sort_values("score_mean", kind="stable")
    summary.insert(0, "rank", np.arange(1, len(summary) + 1))
    return summary.reset_index(drop=True)


def pick_seeds(seeds: int) -> list[list[int]]:
    """For each of ``seeds`` seeds (by position), the seeds its held-out order is picked on: the k = ⌊(seeds − 1)/2⌋
    before it, cyclically.  Of any two seeds at most one is among the other's, so no two held-out scores share
    the data they were picked on and scored on."""
    k = (seeds - 1) // 2
    return [[(s - j) % seeds for j in range(1, k + 1)] for s in range(seeds)]


def held_out_scores(scores) -> np.ndarray:
    """d_s of the held-out test (module docstring) from ``scores`` of shape (..., T orders, S seeds): per seed, the
    relative score (less the seed's median over orders) of the order with the lowest mean relative score over its
    :func:`pick_seeds`; shape (..., S).  Vectorised over the leading axes (many profiles at once)."""
    scores = np.asarray(scores, dtype=float)
    relative = scores - np.median(scores, axis=-2, keepdims=True)
    held = np.empty(relative.shape[:-2] + relative.shape[-1:])
    for seed, picks in enumerate(pick_seeds(relative.shape[-1])):
        pick = relative[..., picks].mean(axis=-1).argmin(axis=-1)
        held[..., seed] = np.take_along_axis(relative[..., seed], pick[..., None], axis=-1)[..., 0]
    return held


def t_cdf(t, df: int):
    """P(T ≤ t) for Student's t with ``df`` (a positive integer) degrees of freedom: the closed form of Abramowitz and
    Stegun 26.7.3–4, elementwise."""
    theta = np.arctan(np.asarray(t, dtype=float) / np.sqrt(df))
    sin, cos2 = np.sin(theta), np.cos(theta) ** 2
    if df % 2:  # odd: (2/π)(θ + sin θ (cos θ + 2/3 cos³θ + … )), the sum empty at df = 1
        term = total = np.cos(theta) * (df > 1)
        for j in range(1, (df - 1) // 2):
            term = term * cos2 * (2 * j) / (2 * j + 1)
            total = total + term
        inside = 2 / np.pi * (theta + sin * total)
    else:  # even: sin θ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + … )
        term = total = np.ones_like(theta)
        for j in range(1, df // 2):
            term = term * cos2 * (2 * j - 1) / (2 * j)
            total = total + term
        inside = sin * total
    return (1 + inside) / 2  # inside = P(|T| ≤ t), signed like t


def held_out_test(held) -> tuple[np.ndarray, np.ndarray]:
    """The one-sided one-sample t-test that the held-out scores ``held`` (..., S) have mean below 0: ``t`` and its
    p-value (S − 1 degrees of freedom); t is −inf where the S values are equal and negative (p 0)."""
    held = np.asarray(held, dtype=float)
    seeds = held.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = held.mean(axis=-1) / (held.std(axis=-1, ddof=1) / np.sqrt(seeds))
    return t, t_cdf(t, seeds - 1)


def verdict(summary: pd.DataFrame, seeds: int | None = None, control: bool = False) -> dict:
    """Whether a profile's ranking is signal (module docstring), from its :func:`summarize` table (``seeds``: how
    many seeds it is over, checked against its ``score_seed<S>`` columns; default: counted): ``verdict``, a
    one-line ``reason``, and the measured numbers: the top order's ``margin`` below its baseline, its ``lead``
    over the median order's mean score and the replicates' ``spread`` (median ``relative_sd``), all in nats per
    token and for description only; the held-out test's ``held_out_lead`` (the mean over seeds of −d_s), ``t``
    and ``p`` (NaN below :data:`MIN_SEEDS` seeds).  ``control``: the profile is the control (``rank_by:
    baseline``), which trains no model: always no signal, and the reason says so."""
    columns = [column for column in summary.columns if column.startswith("score_seed")]
    if seeds is not None and seeds != len(columns):
        raise ValueError(f"verdict: {seeds} seeds asked for, but the summary has {len(columns)} score_seed columns")
    seeds = len(columns)
    top = summary.iloc[0]
    lead = float(summary["score_mean"].median() - top["score_mean"])
    spread = float(summary["relative_sd"].median()) if seeds > 1 else float("nan")
    held = held_out_scores(summary[columns].to_numpy()) if seeds >= MIN_SEEDS else np.full(seeds, np.nan)
    t, p = (float(value) for value in held_out_test(held)) if seeds >= MIN_SEEDS else (float("nan"),) * 2
    facts = {"margin": float(top["margin"]), "lead": lead, "spread": spread,
             "held_out_lead": float(-held.mean()), "t": t, "p": p}  # fmt: skip
    side = "below" if top["margin"] >= 0 else "above"
    where = f"the top order ({top['order']}) is {abs(top['margin']):.3f} nats/token {side} its no-learning baseline"
    if control:
        return {"verdict": NO_SIGNAL, "reason": "the control (rank_by: baseline): no model trained, its ranking is the "
                "no-learning baseline's (token statistics only)", **facts}  # fmt: skip
    if top["margin"] < MIN_MARGIN:
        needs = f"needs {MIN_MARGIN} below"
        return {"verdict": NO_SIGNAL, "reason": f"{where} ({needs}): the model has not learned", **facts}
    if seeds < MIN_SEEDS:
        few = f"{seeds} seed{'s' if seeds > 1 else ''}"
        return {"verdict": CANNOT_TELL, "reason": f"{where}, but {few} cannot confirm a ranking on held-out seeds "
                f"(needs {MIN_SEEDS})", **facts}  # fmt: skip
    test = (f"on held-out seeds the order picked without them leads its seed's median by {facts['held_out_lead']:.3f} "
            f"(t = {t:.2f}, p = {p:.3f})")  # fmt: skip
    if not p < ALPHA:
        return {"verdict": NO_SIGNAL, "reason": f"{where}, but {test}: not confirmed at {ALPHA}", **facts}
    return {"verdict": SIGNAL, "reason": f"{where}; {test}", **facts}


def baseline_agreement(tables: dict) -> pd.DataFrame:
    """Per seed, Spearman's ρ between the model's ranking of the orders (its scores) and the no-learning baseline's
    (its losses) in that seed: columns ``seed``, ``spearman`` (NaN where either ranks nothing: all equal)."""
    rows = [{"seed": seed, "spearman": spearman(table["score"], table["baseline"])} for seed, table in tables.items()]
    return pd.DataFrame(rows, columns=["seed", "spearman"])


def token_statement(rows: pd.DataFrame) -> dict:
    """Whether the model's ranking follows the token statistics (module docstring), from
    :func:`baseline_agreement`'s ``rows``: ``explained`` (ρ ≥ :data:`TOKEN_RHO` in every seed) and a one-line
    ``statement`` with each seed's ρ."""
    rhos = rows["spearman"].to_numpy(dtype=float)
    listed = ", ".join(f"{rho:.2f}" for rho in rhos)
    explained = bool(len(rhos)) and bool((rhos >= TOKEN_RHO).all())
    if explained:
        statement = (f"the ranking follows the token statistics: Spearman's ρ with the no-learning baseline's "
                     f"ranking {listed} (≥ {TOKEN_RHO} in every seed)")  # fmt: skip
    else:
        statement = (f"the ranking is not the token statistics': Spearman's ρ with the no-learning baseline's "
                     f"ranking {listed} (not ≥ {TOKEN_RHO} in every seed)")  # fmt: skip
    return {"explained": explained, "statement": statement}
