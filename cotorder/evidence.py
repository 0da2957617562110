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
- **verdict** (:func:`verdict`): ``signal`` means that the model has learned and that, on seeds held out from
  the choice, the order the model's ranking puts first has a lower loss than the order the no-learning baseline's
  ranking puts first: the ranking knows more than token statistics.  All of these must hold:

  1. *learned*: the top order's mean score is at least :data:`MIN_MARGIN` nats per token below its
     no-learning baseline (:mod:`cotorder.baseline`).  Else ``no signal`` (one seed shows that as well as many);
  2. *replicated*: at least :data:`MIN_SEEDS` seeds, else ``cannot tell``;
  3. *better than the baseline's pick on held-out seeds* (:func:`held_out_scores`): for each seed s, two orders
     are picked without it, on the k = ⌊(S − 1)/2⌋ seeds before s, taken cyclically in the seeds' order: the
     model's (the lowest mean score over those seeds) and the baseline's (the lowest mean baseline over them).
     d_s is the model's score in seed s of the model's pick less that of the baseline's pick (0 where they are
     the same order; a seed-wide shift of every loss cancels).  A one-sided one-sample t-test on the S values
     d_s (S − 1 degrees of freedom) must reject mean ≥ 0 at level :data:`ALPHA`, else ``no signal``.

  Where the model's loss is the baseline's less a constant plus noise (a ranking that is token statistics), the
  baseline's pick is the truly best order of the model's loss and d_s ≥ 0 on average; where every order has the
  same true loss, d_s has mean 0.  Of any two seeds at most one picks on the other, so no two d_s are
  correlated.  The level is 0.04, not 0.05: at three seeds an order far noisier than the rest is lowest in every
  seed by chance often enough to lift the t-test's false alarms to 5.9 % at a nominal 0.05 (measured over 1 to 8
  noisy orders of sd 0.03 to 0.15 among 32 of sd 0.015; at 0.04 the worst of these patterns gives 4.9 %, 20 000
  draws each).

  The validation rows must be the seed's own (:meth:`cotorder.runs.Profile.replicate`): an order that the rows
  of one validation split happen to favour would otherwise be favoured in every seed, and no test on the
  replicates can tell that from learning (a per-order offset of sd 0.015 shared by every seed: 28 % and 55 %
  false alarms at 3 and 5 seeds; drawn per seed, as the seeds' own rows give it: 4 %).

  The rates, measured on synthetic profiles (:func:`synthetic_profiles`) by ``bench/bench_verdict.py``, are in
  ``docs/profiling.md``; ``tests/test_evidence.py`` measures them again on fewer draws.  The order reported as
  top is the overall ranking's first.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

MIN_MARGIN = 0.05  # nats per token below the no-learning baseline
MIN_SEEDS = 3  # the fewest seeds the held-out test runs on: each needs a seed to pick on, the t-test two values
ALPHA = 0.04  # the held-out test's level: false alarms at most 5 % where a few orders are far noisier (docstring)
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
    its seed's median, rank mean and sd, each seed's rank (``rank_seed<S>``), score (``score_seed<S>``) and
    baseline (``baseline_seed<S>``), baseline (mean over seeds), ``baseline_rank`` (the orders ranked by that mean,
    1 = lowest, ties the best rank) and margin (baseline − mean score).  ``tables``: seed → ranked table."""
    first = next(iter(tables.values())).set_index("order")
    scores, ranks, baselines = _by_order(tables, "score"), _by_order(tables, "rank"), _by_order(tables, "baseline")
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
            **{f"baseline_seed{seed}": baselines[seed] for seed in tables},
            "baseline": baselines.mean(axis=1),
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


def _picked(values, picks) -> np.ndarray:
    """Per leading index, the order (axis −2) with the lowest mean of ``values`` over the seeds ``picks`` (axis −1)."""
    return values[..., picks].mean(axis=-1).argmin(axis=-1)


def held_out_scores(scores, baselines) -> np.ndarray:
    """d_s of the held-out test (module docstring) from the model's ``scores`` and the no-learning ``baselines``,
    each of shape (..., T orders, S seeds): per seed s, the model's score in s of the order the model's scores pick
    on :func:`pick_seeds` less its score in s of the order the baselines pick on them; shape (..., S).  Vectorised
    over the leading axes (many profiles at once)."""
    scores, baselines = np.asarray(scores, dtype=float), np.asarray(baselines, dtype=float)
    if scores.shape != baselines.shape:
        raise ValueError(f"held_out_scores: scores {scores.shape} and baselines {baselines.shape} differ in shape")
    held = np.empty(scores.shape[:-2] + scores.shape[-1:])
    for seed, picks in enumerate(pick_seeds(scores.shape[-1])):
        in_seed = scores[..., seed]
        model, baseline = _picked(scores, picks), _picked(baselines, picks)
        held[..., seed] = (np.take_along_axis(in_seed, model[..., None], axis=-1)[..., 0]
                           - np.take_along_axis(in_seed, baseline[..., None], axis=-1)[..., 0])  # fmt: skip
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
    p-value (S − 1 degrees of freedom); t is −inf where the S values are equal and negative (p 0), NaN where they
    are all 0 (p NaN: no evidence either way)."""
    held = np.asarray(held, dtype=float)
    seeds = held.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = held.mean(axis=-1) / (held.std(axis=-1, ddof=1) / np.sqrt(seeds))
    return t, t_cdf(t, seeds - 1)


def signal_rule(scores, baselines) -> np.ndarray:
    """Whether the verdict says ``signal`` (module docstring: learned, then the held-out test; :data:`MIN_SEEDS`
    seeds or more) for profiles given as the model's ``scores`` and the ``baselines``, each (..., T, S): the rule of
    :func:`verdict`, vectorised over the leading axes, for the synthetic profiles of ``bench/bench_verdict.py``."""
    scores, baselines = np.asarray(scores, dtype=float), np.asarray(baselines, dtype=float)
    if scores.shape[-1] < MIN_SEEDS:
        return np.zeros(scores.shape[:-2], dtype=bool)
    mean = scores.mean(axis=-1)
    top = mean.argmin(axis=-1)[..., None]
    margin = np.take_along_axis(baselines.mean(axis=-1) - mean, top, axis=-1)[..., 0]
    with np.errstate(invalid="ignore"):
        return (margin >= MIN_MARGIN) & (held_out_test(held_out_scores(scores, baselines))[1] < ALPHA)


def synthetic_profiles(rng, draws: int, seeds: int, sds, *, copy: float | None = None, offset: float = 0.0,
                       shared_offset: bool = True, effect: float = 0.0, planted: int | None = None):  # fmt: skip
    """``draws`` synthetic profiles (model scores, baselines; each draws × T × seeds, T = ``len(sds)``) for measuring
    the verdict.  Baselines: 2.5 plus a per-order level (sd 0.05, shared by the seeds: the token statistics' ranking)
    plus per-seed noise (sd 0.007, about what a change of validation split moves an order's baseline).  The model's
    score: 2.0, or with ``copy`` = δ the baseline less δ (a ranking that is token statistics), plus per-order noise of
    sd ``sds`` (one per order) and a seed-wide shift of sd 0.05; ``offset``: a per-order offset of that sd, the same
    in every seed (``shared_offset``: a quirk of validation rows every seed shares) or drawn per seed (each seed's own
    rows); ``effect``: the order ``planted`` (default: a random one per draw) that much lower in the model's score
    only."""
    sds = np.asarray(sds, dtype=float)
    orders = len(sds)
    baselines = 2.5 + rng.normal(0, 0.05, (draws, orders, 1)) + rng.normal(0, 0.007, (draws, orders, seeds))
    noise = rng.normal(size=(draws, orders, seeds)) * sds[:, None] + rng.normal(0, 0.05, (draws, 1, seeds))
    scores = (baselines - copy if copy is not None else 2.0) + noise
    if offset:
        scores = scores + rng.normal(0, offset, (draws, orders, 1 if shared_offset else seeds))
    if effect:
        where = rng.integers(0, orders, draws) if planted is None else np.full(draws, planted)
        scores[np.arange(draws), where] -= effect
    return scores, baselines


def verdict(summary: pd.DataFrame, seeds: int | None = None, control: bool = False) -> dict:
    """Whether a profile's ranking is signal (module docstring), from its :func:`summarize` table (``seeds``: how
    many seeds it is over, checked against its ``score_seed<S>`` columns; default: counted): ``verdict``, a
    one-line ``reason``, and the measured numbers: the top order's ``margin`` below its baseline, its ``lead``
    over the median order's mean score and the replicates' ``spread`` (median ``relative_sd``), all in nats per
    token and for description only; the held-out test's ``held_out_lead`` (the mean over seeds of −d_s: how far the
    model's pick scores below the baseline's), ``same_pick`` (in how many held-out seeds the two picks were one
    order), ``t`` and ``p`` (NaN below :data:`MIN_SEEDS` seeds).  ``control``: the profile is the control
    (``rank_by: baseline``), which trains no model: always no signal, and the reason says so."""
    columns = [column for column in summary.columns if column.startswith("score_seed")]
    if seeds is not None and seeds != len(columns):
        raise ValueError(f"verdict: {seeds} seeds asked for, but the summary has {len(columns)} score_seed columns")
    seeds = len(columns)
    top = summary.iloc[0]
    lead = float(summary["score_mean"].median() - top["score_mean"])
    spread = float(summary["relative_sd"].median()) if seeds > 1 else float("nan")
    scores = summary[columns].to_numpy(dtype=float)
    baselines = summary[[column.replace("score_seed", "baseline_seed") for column in columns]].to_numpy(dtype=float)
    tested = seeds >= MIN_SEEDS
    held = held_out_scores(scores, baselines) if tested else np.full(seeds, np.nan)
    with np.errstate(invalid="ignore"):
        t, p = (float(value) for value in held_out_test(held)) if tested else (float("nan"),) * 2
    same = sum(int(_picked(scores, picks) == _picked(baselines, picks)) for picks in pick_seeds(seeds)) if tested else 0
    facts = {"margin": float(top["margin"]), "lead": lead, "spread": spread,
             "held_out_lead": float(-held.mean()), "same_pick": same, "t": t, "p": p}  # fmt: skip
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
        return {"verdict": CANNOT_TELL, "reason": f"{where}, but {few} cannot compare its ranking with the baseline's "
                f"on held-out seeds (needs {MIN_SEEDS})", **facts}  # fmt: skip
    if same == seeds:
        return {"verdict": NO_SIGNAL, "reason": f"{where}, but in every held-out seed the model's ranking and the "
                "no-learning baseline's pick the same order: nothing beyond token statistics", **facts}  # fmt: skip
    test = (f"on held-out seeds the model's pick scores {facts['held_out_lead']:.3f} nats/token below the "
            f"no-learning baseline's pick (same order in {same} of {seeds}; t = {t:.2f}, p = {p:.3f})")  # fmt: skip
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
