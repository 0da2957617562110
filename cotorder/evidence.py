"""A profile's replicates together: per-order spread, rank agreement, and a verdict on the ranking (pandas only).

A loss profile ranks its candidates; whether that ranking means anything is measured here, from the
replicates' ranked tables (one ``losses.csv`` per seed: ``order``, ``label``, ``score``, ``baseline``):

- **spread**: per order, the score's and the rank's mean and standard deviation over the seeds
  (:func:`summarize`); the orders are ranked by their mean score;
- **agreement**: Spearman's ρ between the rankings of every pair of seeds (:func:`agreement`);
- **verdict** (:func:`verdict`): ``signal`` when all of these hold, else ``no signal``:

  1. *learned*: the top order's mean score is at least :data:`MIN_MARGIN` nats per token below its
     no-learning baseline (:mod:`cotorder.baseline`): the model knows more than token statistics;
  2. *separated*: the top order's mean score is below the median order's by more than
     :data:`SEPARATION` times the replicates' spread: it stands out from the typical order by more than
     the seed moves it.  The spread is the median over orders of ``relative_sd``, the standard deviation
     over seeds of the order's score less its seed's median score: a seed moves every order's loss
     together (one model simply learns faster), which changes no ranking, so that shift is left out;
  3. *replicated*: at least two seeds — one seed cannot tell (``cannot tell``), unless the model did not
     learn (1 fails), which one seed shows as well as many.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

MIN_MARGIN = 0.05  # nats per token below the no-learning baseline
SEPARATION = 2.0  # the top order's lead over the median order, in replicate standard deviations
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
    its seed's median, rank mean and sd, each seed's rank, baseline (mean over seeds) and margin (baseline − mean
    score).  ``tables``: seed → ranked table."""
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
            "baseline": _by_order(tables, "baseline").mean(axis=1),
        }
    )
    summary["margin"] = summary["baseline"] - summary["score_mean"]
    summary = summary.rename_axis("order").reset_index().sort_values("score_mean", kind="stable")
    summary.insert(0, "rank", np.arange(1, len(summary) + 1))
    return summary.reset_index(drop=True)


def verdict(summary: pd.DataFrame, seeds: int) -> dict:
    """Whether a profile's ranking is signal (module docstring): ``verdict``, a one-line ``reason``, and the
    measured ``margin``, ``lead`` and ``spread`` (nats per token)."""
    top = summary.iloc[0]
    lead = float(summary["score_mean"].median() - top["score_mean"])
    spread = float(summary["relative_sd"].median()) if seeds > 1 else float("nan")
    facts = {"margin": float(top["margin"]), "lead": lead, "spread": spread}
    where = f"the top order ({top['order']}) is {top['margin']:.3f} nats/token below its no-learning baseline"
    if top["margin"] < MIN_MARGIN:
        return {"verdict": NO_SIGNAL, "reason": f"{where} (needs {MIN_MARGIN}): the model has not learned", **facts}
    if seeds < 2:
        return {"verdict": CANNOT_TELL, "reason": f"{where}, but one seed cannot tell a ranking from noise", **facts}
    lead_text = f"it leads the median order by {lead:.3f}, the replicates' spread is {spread:.3f}"
    if lead <= SEPARATION * spread:
        return {"verdict": NO_SIGNAL, "reason": f"{lead_text}: within {SEPARATION:g} spreads", **facts}
    return {"verdict": SIGNAL, "reason": f"{where}; {lead_text}", **facts}
