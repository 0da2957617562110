"""Tables for a study of loss profiles: where forward and inverse rank under each criterion, over seeds (pandas only).

A study is a workflow config of many profiles (``experiments/study_*.yaml``); once it has run, every replicate's
``losses.csv`` holds each candidate's loss at every scoring point and its no-learning baseline.  The criteria are
computed from those, so one run of a profile answers for all of them:

- ``first``, ``final``, ``mean``: the loss at the first scoring point, at the end, their mean (:data:`RANK_BY`);
- ``margin``: the end-of-run loss minus the order's no-learning baseline (lower: further below it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .evidence import summarize, verdict

CRITERIA = ("first", "final", "mean", "margin")


def criterion_scores(table: pd.DataFrame, criterion: str) -> pd.Series:
    """Each order's score under ``criterion`` (lower is better) from its ``loss_step<S>`` columns (and ``baseline``)."""
    points = [column for column in table.columns if column.startswith("loss_step")]
    return {
        "first": lambda: table[points[0]],
        "final": lambda: table[points[-1]],
        "mean": lambda: table[points].mean(axis=1),
        "margin": lambda: table[points[-1]] - table["baseline"],
    }[criterion]()


def replicate_ranks(root) -> pd.DataFrame:
    """One row per profile and seed under ``root`` (a results folder): the candidate count, forward's and inverse's
    rank under every criterion (1: lowest score; ties take the best rank), forward's and the median order's margin
    below the baseline at the end, and the replicate's wall seconds (its Snakemake benchmark)."""
    rows = []
    for path in sorted(Path(root).glob("profiles/*/seed=*/losses.csv")):
        profile, seed = path.parts[-3], int(re.fullmatch(r"seed=(\d+)", path.parts[-2]).group(1))
        table = pd.read_csv(path, dtype={"label": str}, keep_default_na=False)
        row = {"profile": profile, "seed": seed, "candidates": len(table)}
        for criterion in CRITERIA:
            ranks = criterion_scores(table, criterion).rank(method="min")
            for label in ("forward", "inverse"):
                found = ranks[table["label"] == label]
                row[f"{label}_{criterion}"] = int(found.iloc[0]) if len(found) else None
        final = [column for column in table.columns if column.startswith("loss_step")][-1]
        margins = table["baseline"] - table[final]
        row["forward_below_baseline"] = float(margins[table["label"] == "forward"].iloc[0])
        row["median_below_baseline"] = float(margins.median())
        bench = Path(root) / "benchmarks" / "profile" / profile / f"seed={seed}.tsv"
        row["seconds"] = float(pd.read_csv(bench, sep="\t")["s"].iloc[0]) if bench.is_file() else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def study_table(ranks: pd.DataFrame, criterion: str, seeds=None, top: float = 0.05) -> pd.DataFrame:
    """Per profile, over ``seeds`` (default: all): forward's and inverse's rank under ``criterion`` as mean ± sd,
    each seed's forward rank, how many seeds put forward in the top ``top`` share of the candidates, the margins and
    the mean wall time of a replicate."""
    if seeds is not None:
        ranks = ranks[ranks["seed"].isin(seeds)]
    rows = []
    for profile, group in ranks.groupby("profile", sort=False):
        forward, inverse = group[f"forward_{criterion}"], group[f"inverse_{criterion}"]
        cut = max(1, int(top * group["candidates"].iloc[0]))
        rows.append({
            "profile": profile,
            "T": int(group["candidates"].iloc[0]),
            "seeds": " ".join(map(str, group["seed"])),
            "forward rank": f"{forward.mean():.1f} ± {forward.std(ddof=1):.1f}",
            "forward ranks": " ".join(str(int(r)) for r in forward),
            f"forward in top {top:.0%}": f"{int((forward <= cut).sum())} of {len(group)}",
            "inverse rank": f"{inverse.mean():.1f} ± {inverse.std(ddof=1):.1f}" if inverse.notna().all() else "",
            "forward margin": f"{group['forward_below_baseline'].mean():.3f}",
            "median margin": f"{group['median_below_baseline'].mean():.3f}",
            "seconds": f"{group['seconds'].mean():.0f}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def profile_verdicts(root, seeds=None) -> pd.DataFrame:
    """Per profile under ``root``, the verdict on its ranking over ``seeds`` (default: all of its replicates), by the
    criterion it was ranked by (:func:`cotorder.evidence.verdict`)."""
    rows = []
    for folder in sorted(path for path in Path(root).glob("profiles/*") if path.is_dir()):
        tables = {}
        for path in sorted(folder.glob("seed=*/losses.csv")):
            seed = int(re.fullmatch(r"seed=(\d+)", path.parent.name).group(1))
            if seeds is None or seed in seeds:
                tables[seed] = pd.read_csv(path, dtype={"label": str}, keep_default_na=False)
        if tables:
            found = verdict(summarize(tables), len(tables))
            rows.append({"profile": folder.name, "verdict": found["verdict"], "top margin": f"{found['margin']:.3f}",
                         "lead": f"{found['lead']:.3f}", "spread": f"{found['spread']:.3f}"})  # fmt: skip
    return pd.DataFrame(rows)
