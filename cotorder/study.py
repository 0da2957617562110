"""Tables for a study of loss profiles: where forward and inverse rank under each criterion, over seeds (pandas only).

A study is a workflow config of many profiles (``experiments/study_*.yaml``); once it has run, every replicate's
``losses.csv`` holds each candidate's loss at every scoring point and its no-learning baseline.  The criteria are
computed from those, so one run of a profile answers for all of them:

- ``first``, ``final``, ``mean``: the loss at the first scoring point, at the end, their mean (:data:`RANK_BY`);
- ``margin``: the end-of-run loss minus the order's no-learning baseline (lower: further below it).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .baseline import CONTROL
from .evidence import summarize, verdict

CRITERIA = ("first", "final", "mean", "margin")
RANKED = ("rank", "score", "baseline")  # a ranked table's number columns besides its loss_step<S> columns


class ReplicateTableError(ValueError):
    """A replicate's ``losses.csv`` that cannot be used: the message (one line) names the file, and the line where
    one is to blame."""


def read_replicate_table(path, numbers=RANKED) -> pd.DataFrame:
    """One replicate's ``losses.csv``: columns ``order``, ``label``, ``numbers`` and at least one ``loss_step<S>``,
    at least one row, every ``numbers`` and loss value a number, no order twice; else :class:`ReplicateTableError`."""
    path = Path(path)
    if not path.is_file():
        raise ReplicateTableError(f"{path}: {'not a file' if path.exists() else 'missing'}")
    try:
        table = pd.read_csv(path, dtype={"order": str, "label": str}, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ReplicateTableError(f"{path}: empty (no header, no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ReplicateTableError(f"{path}: not a CSV table ({str(error).strip().splitlines()[-1]})") from None
    points = [column for column in table.columns if column.startswith("loss_step")]
    missing = [column for column in ("order", "label", *numbers) if column not in table.columns]
    if missing or not points:
        raise ReplicateTableError(f"{path}: no {missing[0] if missing else 'loss_step<S>'} column")
    if table.empty:
        raise ReplicateTableError(f"{path}: a header and no rows (no candidate orders)")
    for column in (*numbers, *points):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~values.abs().lt(float("inf"))
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise ReplicateTableError(f"{path}:{row + 2}: {column} {table[column].iloc[row]!r} is not a finite number")
        table[column] = values
    twice = table["order"].duplicated()
    if twice.any():
        row = int(twice.to_numpy().argmax())
        raise ReplicateTableError(f"{path}:{row + 2}: order {table['order'].iloc[row]!r} is given twice")
    if "rank" in numbers:
        table["rank"] = table["rank"].astype(int)
    return table


def read_replicate_tables(paths_by_seed: dict, numbers=RANKED) -> dict:
    """seed → table of every replicate's ``losses.csv`` (:func:`read_replicate_table`), all of them with the same
    candidate orders (the first seed's); else :class:`ReplicateTableError` naming the file that differs."""
    tables, first = {}, None
    for seed, path in paths_by_seed.items():
        table = tables[seed] = read_replicate_table(path, numbers)
        if first is None:
            first = seed, path, set(table["order"])
            continue
        orders = set(table["order"])
        if orders != first[2]:
            lacking, extra = sorted(first[2] - orders), sorted(orders - first[2])
            what = f"lacks {lacking[0]!r}" if lacking else f"has {extra[0]!r}"
            raise ReplicateTableError(
                f"{path}: {len(orders)} orders, not the {len(first[2])} of seed {first[0]}'s {first[1]}: it {what}"
            )
    return tables


def criterion_scores(table: pd.DataFrame, criterion: str) -> pd.Series:
    """Each order's score under ``criterion`` (lower is better) from its ``loss_step<S>`` columns (and ``baseline``);
    ``baseline`` (the control's, :data:`cotorder.baseline.CONTROL`): the no-learning baseline itself."""
    points = [column for column in table.columns if column.startswith("loss_step")]
    return {
        "first": lambda: table[points[0]],
        "final": lambda: table[points[-1]],
        "mean": lambda: table[points].mean(axis=1),
        "margin": lambda: table[points[-1]] - table["baseline"],
        CONTROL: lambda: table["baseline"],
    }[criterion]()


def replicate_paths(root, profiles=None) -> dict:
    """profile → seed → its ``losses.csv`` under ``root`` (a results folder): of ``profiles`` (name → seeds, e.g. a
    config's; every one's file expected) or, without them, of every ``profiles/<name>/seed=<S>/losses.csv`` there."""
    if profiles is not None:
        return {
            name: {seed: Path(root) / "profiles" / name / f"seed={seed}" / "losses.csv" for seed in seeds}
            for name, seeds in profiles.items()
        }
    found = {}
    for path in sorted(Path(root).glob("profiles/*/seed=*/losses.csv")):
        match = re.fullmatch(r"seed=(\d+)", path.parent.name)
        if match:
            found.setdefault(path.parts[-3], {})[int(match.group(1))] = path
    return {name: dict(sorted(seeds.items())) for name, seeds in found.items()}


def replicate_ranks(root, profiles=None) -> pd.DataFrame:
    """One row per profile and seed under ``root`` (a results folder; ``profiles``: :func:`replicate_paths`): the
    candidate count, forward's and inverse's rank under every criterion (1: lowest score; ties take the best rank;
    None where the candidates lack it), forward's (NaN where absent) and the median order's margin below the baseline
    at the end, and the replicate's wall seconds (its Snakemake benchmark).  Each profile's tables are checked
    (:func:`read_replicate_tables`): :class:`ReplicateTableError` names the file."""
    rows = []
    for profile, paths in replicate_paths(root, profiles).items():
        for seed, table in read_replicate_tables(paths, numbers=("baseline",)).items():
            control = "rank_by" in table and bool((table["rank_by"] == CONTROL).all())
            row = {"profile": profile, "seed": seed, "candidates": len(table), "control": control}
            for criterion in CRITERIA:
                ranks = criterion_scores(table, criterion).rank(method="min")
                for label in ("forward", "inverse"):
                    found = ranks[table["label"] == label]
                    row[f"{label}_{criterion}"] = int(found.iloc[0]) if len(found) else None
            final = [column for column in table.columns if column.startswith("loss_step")][-1]
            margins = table["baseline"] - table[final]
            forward = margins[table["label"] == "forward"]
            row["forward_below_baseline"] = float(forward.iloc[0]) if len(forward) else float("nan")
            row["median_below_baseline"] = float(margins.median())
            bench = Path(root) / "benchmarks" / "profile" / profile / f"seed={seed}.tsv"
            row["seconds"] = float(pd.read_csv(bench, sep="\t")["s"].iloc[0]) if bench.is_file() else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def _mean_sd(ranks: pd.Series) -> str:
    """``mean ± sd`` of a label's ranks over seeds; empty where the label is not among the candidates."""
    return f"{ranks.mean():.1f} ± {ranks.std(ddof=1):.1f}" if ranks.notna().all() else ""


def study_table(ranks: pd.DataFrame, criterion: str, seeds=None, top: float = 0.05) -> pd.DataFrame:
    """Per profile, over ``seeds`` (default: all): forward's and inverse's rank under ``criterion`` as mean ± sd,
    each seed's forward rank, how many seeds put forward in the top ``top`` share of the candidates (rank at most
    ⌈top · T⌉: 2 of 32 at 5 %), the margins and the mean wall time of a replicate."""
    if seeds is not None:
        ranks = ranks[ranks["seed"].isin(seeds)]
    rows = []
    for profile, group in ranks.groupby("profile", sort=False):
        forward, inverse = group[f"forward_{criterion}"], group[f"inverse_{criterion}"]
        cut = math.ceil(top * group["candidates"].iloc[0])
        if "control" in group and group["control"].all():  # no model: its ranks are the baseline's, its margins 0
            rows.append(_control_row(profile, group, criterion, top))
            continue
        rows.append({
            "profile": profile,
            "T": int(group["candidates"].iloc[0]),
            "seeds": " ".join(map(str, group["seed"])),
            "forward rank": _mean_sd(forward),
            "forward ranks": " ".join(str(int(r)) for r in forward) if forward.notna().all() else "",
            f"forward in top {top:.0%}": f"{int((forward <= cut).sum())} of {len(group)}" if _mean_sd(forward) else "",
            "inverse rank": _mean_sd(inverse),
            "forward margin": f"{group['forward_below_baseline'].mean():.3f}" if _mean_sd(forward) else "",
            "median margin": f"{group['median_below_baseline'].mean():.3f}",
            "seconds": f"{group['seconds'].mean():.0f}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def _control_row(profile: str, group: pd.DataFrame, criterion: str, top: float) -> dict:
    """A control profile's row (``rank_by: baseline``, no model trained): its every loss is the no-learning
    baseline, so its ranks under ``first``, ``final`` and ``mean`` are the baseline's ranking, its margins 0 and
    ``margin`` ties every order: each cell that would read as learning says CONTROL."""
    baseline = criterion != "margin"
    forward, inverse = group[f"forward_{criterion}"], group[f"inverse_{criterion}"]
    return {
        "profile": profile,
        "T": int(group["candidates"].iloc[0]),
        "seeds": " ".join(map(str, group["seed"])),
        "forward rank": _mean_sd(forward) if baseline else "CONTROL",
        "forward ranks": " ".join(str(int(r)) for r in forward) if baseline and forward.notna().all() else "",
        f"forward in top {top:.0%}": "CONTROL (no model: the baseline's ranking)",
        "inverse rank": _mean_sd(inverse) if baseline else "CONTROL",
        "forward margin": "CONTROL",
        "median margin": "CONTROL",
        "seconds": f"{group['seconds'].mean():.0f}",
    }


def profile_verdicts(root, seeds=None, profiles=None) -> pd.DataFrame:
    """Per profile under ``root`` (``profiles``: :func:`replicate_paths`), the verdict on its ranking over ``seeds``
    (default: all of its replicates), by the criterion it was ranked by (:func:`cotorder.evidence.verdict`), and the
    seeds it was read from.  The tables are checked (:func:`read_replicate_tables`)."""
    rows = []
    for profile, paths in replicate_paths(root, profiles).items():
        tables = read_replicate_tables({seed: path for seed, path in paths.items() if seeds is None or seed in seeds})
        if tables:
            found = verdict(summarize(tables), len(tables))
            rows.append({"profile": profile, "seeds": " ".join(map(str, tables)), "verdict": found["verdict"],
                         "top margin": f"{found['margin']:.3f}", "lead": f"{found['lead']:.3f}",
                         "spread": f"{found['spread']:.3f}"})  # fmt: skip
    return pd.DataFrame(rows)
