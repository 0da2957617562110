"""Ground truth for a loss profile: train some of its candidates as ordinary runs and ask whether the ranking predicted
their success (pandas and numpy only).

A profile with ``validate: {orders: K}`` trains K of its candidates with the task's own training settings, each as a
direction of the task at the profile's n (the same rules as any run: generate, train, evaluate, one replicate per
training seed of the task).  Which K (:func:`pick_positions`, :func:`picked_orders`):

- forward and inverse, where they are candidates (as the plain directions ``forward`` and ``inverse``);
- the rest, the *picks* ``<profile>_pick<k>``, from the other candidates by their place in the profile's ranking
  (mean over seeds, the profile's criterion): the top ⌈m/4⌉, the bottom ⌈m/6⌉, and the others spread evenly over
  the ranks between, m = K less forward and inverse.  A pick's order is known once the profile's summary is:
  each pick's job reads it (``picks/pick<k>.json``).

Then :func:`validation_table` writes per trained order its profile rank and score, its baseline rank and score, its
score under every criterion, and its success rate, token and final-step accuracy (mean and sd over the training
seeds); :func:`correlations` gives, per ranking, Spearman's ρ between success and the ranking (positive: the orders
ranked better trained to higher success) with a bootstrap interval over the trained orders, ρ less the baseline's ρ
with a paired bootstrap interval (the same resampled orders for both), and the success rank among the trained orders
of the ranking's top trained order (ties split; a random pick's expectation is (K + 1)/2 of K).  The rankings
compared: the profile's own, each criterion's (:data:`cotorder.study.CRITERIA`: first point, end of run, mean, margin
over the baseline) and the no-learning baseline's (:mod:`cotorder.baseline`), so that a ranking that is only token
statistics shows as one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .evidence import spearman
from .study import CRITERIA, criterion_scores

LABELLED = ("forward", "inverse")  # trained as the plain directions of that name
BOOTSTRAP = 2000  # resamples of the trained orders for ρ's interval
BOOTSTRAP_SEED = 0


def pick_count(orders: int, labelled: int) -> int:
    """How many picks a profile validating ``orders`` orders has, ``labelled`` of its candidates being forward or
    inverse (trained under their own names)."""
    return max(0, orders - labelled)


def pick_positions(picks: int, others: int) -> list[tuple[int, str]]:
    """``(position, why)`` of each pick among ``others`` candidates in ranking order (0: the best), best first:
    the top ⌈picks/4⌉ (``top``), the bottom ⌈picks/6⌉ (``bottom``), the rest evenly spread between (``spread``)."""
    if picks >= others:
        return [(position, "all") for position in range(others)]
    top = min(picks, math.ceil(picks / 4))
    bottom = min(picks - top, math.ceil(picks / 6))
    spread = picks - top - bottom
    middle = range(top, others - bottom)
    chosen = np.linspace(middle.start, middle.stop - 1, spread + 2)[1:-1] if spread else []
    positions = [(p, "top") for p in range(top)]
    taken = {p for p, _ in positions} | set(range(others - bottom, others))
    for value in chosen:  # evenly spread; a rounding clash takes the nearest free rank
        position = int(round(value))
        free = sorted((p for p in middle if p not in taken), key=lambda p: (abs(p - value), p))
        position = position if position not in taken else free[0]
        positions.append((position, "spread"))
        taken.add(position)
    positions += [(p, "bottom") for p in range(others - bottom, others)]
    return sorted(positions)


def picked_orders(summary: pd.DataFrame, picks: int) -> list[dict]:
    """The picks of a profile's ``summary`` (ranked, with ``order`` and ``label``): per pick its ``order`` (the
    forward position written at each place), its profile ``rank`` and ``why`` it was picked."""
    others = summary[~summary["label"].isin(LABELLED)].sort_values("rank")
    return [
        {"order": [int(p) for p in others["order"].iloc[position].split()], "rank": int(others["rank"].iloc[position]),
         "why": why}
        for position, why in pick_positions(picks, len(others))
    ]  # fmt: skip


def _ranks(scores: pd.Series) -> pd.Series:
    return scores.rank(method="min").astype(int)


def validation_table(summary: pd.DataFrame, tables: dict, metrics: dict) -> pd.DataFrame:
    """One row per trained order, by profile rank: ``order``, ``label``, ``profile_rank``, ``profile_score``,
    ``baseline_rank``, ``baseline``, each criterion's score (``score_<criterion>``, mean over the profile's seeds)
    and rank among all candidates, and ``success`` / ``token_accuracy`` / ``final_accuracy`` (mean and ``_sd``
    over the training seeds, ``seeds`` their count).

    ``summary``: the profile's summary; ``tables``: seed → the replicate's ``losses.csv``; ``metrics``: order text →
    list of the trained replicates' ``metrics.json`` (one per training seed)."""
    by_order = summary.set_index("order")
    candidates = pd.DataFrame(index=by_order.index)
    for criterion in CRITERIA:
        per_seed = [replicate_scores(table, criterion) for table in tables.values()]
        candidates[f"score_{criterion}"] = pd.concat(per_seed, axis=1).mean(axis=1)
        candidates[f"rank_{criterion}"] = _ranks(candidates[f"score_{criterion}"])
    candidates["baseline"] = by_order["baseline"]
    candidates["baseline_rank"] = _ranks(candidates["baseline"])
    rows = []
    for order, runs in metrics.items():
        if order not in by_order.index:
            raise ValueError(f"trained order {order!r} is not among the profile's candidates")
        row = {
            "order": order,
            "label": by_order.loc[order, "label"],
            "profile_rank": int(by_order.loc[order, "rank"]),
            "profile_score": float(by_order.loc[order, "score_mean"]),
            **candidates.loc[order].to_dict(),
        }
        for key in ("success_rate", "token_accuracy", "final_accuracy"):
            values = np.array([float(run[key]) for run in runs])
            name = "success" if key == "success_rate" else key
            row[name] = float(values.mean())
            row[f"{name}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
        row["seeds"] = len(runs)
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("profile_rank", kind="stable").reset_index(drop=True)
    for column in [c for c in table if c.startswith("rank_") or c == "baseline_rank"]:
        table[column] = table[column].astype(int)
    return table


# The rankings whose prediction of success is measured: name → the score column it ranks by (lower: better).
RANKINGS = {"profile": "profile_score", **{c: f"score_{c}" for c in CRITERIA}, "baseline": "baseline"}


def _spearman_rows(x, y) -> np.ndarray:
    """Spearman's ρ of each row of ``x`` with the same row of ``y`` (both R × K; ties take their mean rank), NaN where
    either row is constant: :func:`cotorder.evidence.spearman` for many resamples at once."""
    rx, ry = (pd.DataFrame(np.asarray(v, dtype=float)).rank(axis=1).to_numpy() for v in (x, y))
    rx, ry = rx - rx.mean(axis=1, keepdims=True), ry - ry.mean(axis=1, keepdims=True)
    scale = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, (rx * ry).sum(axis=1) / scale, np.nan)


def _resamples(orders: int, resamples: int, seed: int) -> np.ndarray:
    """The bootstrap's resamples of ``orders`` trained orders (rows of indices), the same for every ranking."""
    return np.random.default_rng(seed).integers(0, orders, size=(resamples, orders))


def _percentiles(values) -> tuple[float, float]:
    values = np.asarray(values)[~np.isnan(values)]
    if not len(values):
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def bootstrap_interval(x, y, resamples: int = BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """A 95 % percentile interval of Spearman's ρ between ``x`` and ``y`` over ``resamples`` resamples of the pairs
    (resamples where either side is constant are left out)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rows = _resamples(len(x), resamples, seed)
    return _percentiles(_spearman_rows(x[rows], y[rows]))


def paired_difference_interval(x, baseline, y, resamples: int = BOOTSTRAP, seed: int = BOOTSTRAP_SEED):
    """A 95 % percentile interval of ρ(``x``, ``y``) − ρ(``baseline``, ``y``), both Spearman's ρ computed on the same
    resampled orders (a paired bootstrap: what the two rankings share cancels), over ``resamples`` resamples; those
    where any side is constant are left out."""
    x, baseline, y = (np.asarray(v, dtype=float) for v in (x, baseline, y))
    rows = _resamples(len(x), resamples, seed)
    return _percentiles(_spearman_rows(x[rows], y[rows]) - _spearman_rows(baseline[rows], y[rows]))


def success_rank(success, order: str) -> float:
    """The success rank of ``order`` among the trained orders (``success``: order → success; 1 = the highest
    success, ties split: tied orders share their mean rank).  A pick at random among K orders has expectation
    (K + 1)/2 whatever the ties, so the rank means something where most orders fail alike (and a median does
    not: where most success is 0, every order reaches the median)."""
    return float(pd.Series(success, dtype=float).rank(ascending=False, method="average")[order])


def replicate_scores(table: pd.DataFrame, ranking: str) -> pd.Series:
    """One replicate's ``losses.csv`` ``table``: each order's score under ``ranking`` (a name of :data:`RANKINGS`),
    indexed by order."""
    scores = table["score"] if ranking == "profile" else criterion_scores(table, ranking)
    return pd.Series(scores.to_numpy(dtype=float), index=table["order"])


def seed_correlations(table: pd.DataFrame, tables: dict) -> pd.DataFrame:
    """Per ranking and replicate seed (``tables``: seed → the replicate's ``losses.csv``): Spearman's ρ between the
    trained orders' success (``table``: :func:`validation_table`) and that replicate's ranking alone, and the
    :func:`success_rank` of its top trained order: how much the prediction varies between replicates."""
    success = table.set_index("order")["success"]
    rows = []
    for name in RANKINGS:
        for seed, replicate in tables.items():
            scores = replicate_scores(replicate, name).loc[success.index]
            rows.append({"ranking": name, "seed": seed, "spearman": spearman(-scores.to_numpy(), success.to_numpy()),
                         "top_success_rank": success_rank(success, scores.idxmin())})  # fmt: skip
    return pd.DataFrame(rows)


def correlations(table: pd.DataFrame, tables: dict | None = None) -> pd.DataFrame:
    """Per ranking (:data:`RANKINGS`): Spearman's ρ between the trained orders' success and the ranking's goodness
    (minus the score: ρ > 0 when the orders ranked better trained to higher success), its bootstrap interval; ρ less
    the baseline's ρ (``minus_baseline``) with a paired bootstrap interval over the same resampled orders
    (``minus_baseline_low``, ``minus_baseline_high``: where it is clear of 0, the ranking predicted success better, or
    worse, than token statistics); ρ with the token accuracy instead (it still ranks when every order's success is 0
    or 1), the number of orders; and the ranking's top trained order, its success and its :func:`success_rank`
    (``top_success_rank``) beside a random pick's expectation (``random_rank``, (K + 1)/2).  ρ is empty (NaN) where
    success is the same for every trained order: there is nothing to predict.  With the replicates' ``tables`` (seed
    → ``losses.csv``), also per replicate (:func:`seed_correlations`): ρ's mean and sd over the replicates
    (``seed_spearman_mean``, ``seed_spearman_sd``) and the mean of their top trained orders' success ranks
    (``seed_top_success_rank``)."""
    rows = []
    success = table.set_index("order")["success"]
    baseline = -table[RANKINGS["baseline"]].to_numpy(dtype=float)
    per_seed = seed_correlations(table, tables).groupby("ranking", sort=False) if tables else None
    for name, column in RANKINGS.items():
        goodness = -table[column].to_numpy(dtype=float)
        low, high = bootstrap_interval(goodness, table["success"])
        gap_low, gap_high = paired_difference_interval(goodness, baseline, table["success"])
        top = table.loc[table[column].idxmin()]
        seeds = {}
        if per_seed is not None:
            found = per_seed.get_group(name)
            seeds = {
                "seed_spearman_mean": float(found["spearman"].mean()),
                "seed_spearman_sd": float(found["spearman"].std(ddof=1)) if len(found) > 1 else float("nan"),
                "seed_top_success_rank": float(found["top_success_rank"].mean()),
            }
        rho = spearman(goodness, table["success"])
        rows.append({
            "ranking": name,
            "spearman": rho,
            "ci_low": low,
            "ci_high": high,
            "minus_baseline": rho - spearman(baseline, table["success"]),
            "minus_baseline_low": gap_low,
            "minus_baseline_high": gap_high,
            "spearman_token_accuracy": spearman(goodness, table["token_accuracy"]),
            "orders": len(table),
            "top_order": top["order"],
            "top_success": float(top["success"]),
            "top_success_rank": success_rank(success, top["order"]),
            "random_rank": (len(table) + 1) / 2,
            **seeds,
        })  # fmt: skip
    return pd.DataFrame(rows)


def plot_validation(table: pd.DataFrame, correlation: pd.DataFrame, path, title: str = "") -> None:
    """Success (mean ± sd over training seeds) against the profile's rank (left) and the no-learning baseline's
    rank (right) among all candidates, forward and inverse marked, ρ with its interval in each title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .datafiles import atomic_write

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.3), layout="constrained", sharey=True)
    by_name = correlation.set_index("ranking")
    for axis, (name, column) in zip(axes, (("profile", "profile_rank"), ("baseline", "baseline_rank")), strict=True):
        axis.errorbar(table[column], table["success"], yerr=table["success_sd"].fillna(0), fmt="o", color="0.35",
                      ecolor="0.75", label="trained order")  # fmt: skip
        for label, colour in (("forward", "tab:green"), ("inverse", "tab:red")):
            found = table[table["label"] == label]
            axis.plot(found[column], found["success"], "o", markersize=10, color=colour, label=label)
        row = by_name.loc[name]
        rho = f"Spearman's ρ {row['spearman']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
        axis.set(xlabel=f"{name} rank (1 = lowest loss)", ylim=(-0.05, 1.05), title=f"{name}: {rho}")
        axis.legend(fontsize=8)
    axes[0].set_ylabel("success rate after training (mean ± sd over seeds)")
    figure.suptitle(title or "ground truth", fontsize=10)
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)


def ground_truth_table(correlation_by_profile: dict) -> pd.DataFrame:
    """Every validated profile's ``validation_correlation.csv`` (``correlation_by_profile``: profile name → its
    table) in one long table, the profile's name first: one row per profile and ranking."""
    frames = [table.assign(profile=name) for name, table in correlation_by_profile.items()]
    table = pd.concat(frames, ignore_index=True)
    return table[["profile", *[column for column in table if column != "profile"]]]


def _rho(row) -> str:
    text = f"{row['spearman']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"
    if "seed_spearman_mean" in row and not pd.isna(row["seed_spearman_mean"]):
        text += f"; {row['seed_spearman_mean']:+.2f} ± {row['seed_spearman_sd']:.2f}"
    return text


def _top_rank(row) -> str:
    text = f"{row['top_success_rank']:.1f}"
    if "seed_top_success_rank" in row and not pd.isna(row["seed_top_success_rank"]):
        text += f"; {row['seed_top_success_rank']:.1f}"
    return text


def ground_truth_markdown(table: pd.DataFrame) -> str:
    """:func:`ground_truth_table` as a Markdown table, one line per profile: Spearman's ρ between trained success and
    the profile's own ranking (ρ of the mean over replicates [bootstrap 95 % interval over the trained orders];
    per-replicate ρ mean ± sd), its ρ less the baseline's [paired bootstrap 95 %], the success rank among the trained
    orders of its top trained order (the mean ranking's; the replicates' mean) beside a random pick's expectation,
    each criterion's ρ, and the no-learning baseline's ρ and top rank."""
    lines = [
        "| profile | orders | model ρ [95 %]; per replicate | model − baseline ρ [paired 95 %] | model's top: success "
        "rank; per replicate (random) | criteria: ρ | baseline ρ [95 %]; per replicate | baseline's top: success rank "
        "|",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, rows in table.groupby("profile", sort=False):
        by = rows.set_index("ranking")
        own, baseline = by.loc["profile"], by.loc["baseline"]
        criteria = ", ".join(f"{c} {by.loc[c, 'spearman']:+.2f}" for c in CRITERIA)
        gap = f"{own['minus_baseline']:+.2f} [{own['minus_baseline_low']:+.2f}, {own['minus_baseline_high']:+.2f}]"
        top = f"{_top_rank(own)} ({own['random_rank']:.1f})"
        lines.append(f"| {name} | {int(own['orders'])} | {_rho(own)} | {gap} | {top} | {criteria} | {_rho(baseline)} "
                     f"| {_top_rank(baseline)} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def plot_ground_truth(table: pd.DataFrame, path) -> None:
    """Per profile, Spearman's ρ between trained success and the model's ranking beside the baseline's, with the
    bootstrap intervals and the replicates' mean ρ as a dash, and the model's ρ less the baseline's with its paired
    bootstrap interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .datafiles import atomic_write

    names = list(dict.fromkeys(table["profile"]))
    figure, axis = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 4.2), layout="constrained")
    for offset, (ranking, colour) in ((-0.15, ("profile", "tab:blue")), (0.15, ("baseline", "tab:gray"))):
        rows = table[table["ranking"] == ranking].set_index("profile").loc[names]
        x = np.arange(len(names)) + offset
        errors = np.clip([rows["spearman"] - rows["ci_low"], rows["ci_high"] - rows["spearman"]], 0, None)
        label = "model (the profile's ranking)" if ranking == "profile" else "no-learning baseline"
        axis.errorbar(x, rows["spearman"], yerr=errors, fmt="o", color=colour, capsize=3, label=label)
        if "seed_spearman_mean" in rows:
            axis.plot(x, rows["seed_spearman_mean"], "_", color=colour, markersize=12)
    rows = table[table["ranking"] == "profile"].set_index("profile").loc[names]
    gap = [rows["minus_baseline"] - rows["minus_baseline_low"], rows["minus_baseline_high"] - rows["minus_baseline"]]
    errors = np.clip(gap, 0, None)  # a percentile interval may leave out the estimate: its bar then ends at it
    axis.errorbar(np.arange(len(names)) + 0.45, rows["minus_baseline"], yerr=errors, fmt="D", color="tab:red",
                  capsize=3, markersize=4, label="model − baseline (paired bootstrap)")  # fmt: skip
    axis.axhline(0, color="0.7", linewidth=0.8)
    axis.set_xticks(np.arange(len(names)), names, rotation=30, ha="right", fontsize=8)
    axis.set(ylim=(-2.05, 2.05), ylabel="Spearman's ρ: success vs ranking")
    axis.set_title("ground truth: does the ranking predict trained success? (bars: 95 % bootstrap over orders; "
                   "dash: mean over replicates)", fontsize=9)  # fmt: skip
    axis.legend(fontsize=8)
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)
