"""Summary tables and plots over all runs (pandas, matplotlib).

Two tables: :func:`replicate_table`, one row per replicate (a run's training seed) with every
scalar metric; :func:`aggregate`, one row per run (task, n, direction) with the mean, standard
deviation, min and max of the success rate and the final-step accuracy over its replicates.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import textwrap
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .datafiles import atomic_write

RUN_KEYS = ["task", "n", "direction"]
REPLICATE_COLUMNS = [*RUN_KEYS, "seed", "success_rate", "final_accuracy", "token_accuracy", "num_samples"]
SPREAD = ("success_rate", "final_accuracy")  # metrics with mean, std, min and max per run


def replicate_table(replicates: list[dict], metrics_paths: list[str]) -> pd.DataFrame:
    """One row per replicate: its wildcards, its scalar metrics and its per-position accuracy (JSON)."""
    rows = []
    for replicate, path in zip(replicates, metrics_paths, strict=True):
        with open(path) as handle:
            metrics = json.load(handle)
        scalars = {key: value for key, value in metrics.items() if not isinstance(value, (list, dict))}
        rows.append({**replicate, **scalars, "position_accuracy": json.dumps(metrics["position_accuracy"])})
    table = pd.DataFrame(rows)
    rest = [column for column in table.columns if column not in REPLICATE_COLUMNS]
    return table[[column for column in REPLICATE_COLUMNS if column in table.columns] + rest]


def aggregate(replicates: pd.DataFrame) -> pd.DataFrame:
    """One row per run, in the replicates' order: ``replicates`` (their number), the mean of each metric under its
    own name, ``<metric>_std`` (sample standard deviation; empty for one replicate), ``_min`` and ``_max`` for
    the success rate and the final accuracy, and the mean per-position accuracy (JSON)."""
    rows = []
    for key, group in replicates.groupby(RUN_KEYS, sort=False):
        row = dict(zip(RUN_KEYS, key, strict=True)) | {"replicates": len(group)}
        for metric in SPREAD:
            values = group[metric]
            row |= {
                metric: values.mean(),
                f"{metric}_std": values.std(ddof=1),
                f"{metric}_min": values.min(),
                f"{metric}_max": values.max(),
            }
        row |= {"token_accuracy": group["token_accuracy"].mean(), "num_samples": group["num_samples"].iloc[0]}
        positions = np.array([json.loads(value) for value in group["position_accuracy"]])
        row["position_accuracy"] = json.dumps([round(float(v), 6) for v in positions.mean(axis=0)])
        rows.append(row)
    return pd.DataFrame(rows)


NUMBER_FORMAT = "%.3f"  # the summary's numbers as the README's tables print them: 1.000, 0.990, 0.413


def write_csv(table: pd.DataFrame, path: str) -> None:
    """``table`` as CSV, every float with three decimals (:data:`NUMBER_FORMAT`); a missing value empty."""
    with atomic_write(path, "w") as handle:
        table.to_csv(handle, index=False, float_format=NUMBER_FORMAT)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: str) -> None:
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=120, bbox_inches="tight")
    _pyplot().close(figure)


def figure_title(configs: list[str], results: str, seeds) -> str:
    """A figure's title: the config it plots (:func:`cotorder.schema.config_names`), its results folder and the
    training seeds."""
    seeds = sorted({int(seed) for seed in seeds})
    shown = ", ".join(map(str, seeds[:8])) + (", …" if len(seeds) > 8 else "")
    text = f"{' + '.join(configs)} → {results}/; training seed{'s' if len(seeds) > 1 else ''} {shown}"
    return textwrap.fill(text, 100)


def success_figure(summary: pd.DataFrame, replicates: pd.DataFrame, title: str | None = None):
    """Success rate against n, one panel per task, one line per direction (the mean over replicates), one legend.

    With more than one replicate per run, each replicate is drawn as a point and the mean carries an
    error bar of one standard deviation.
    """
    plt = _pyplot()
    several = summary["replicates"].max() > 1
    tasks = list(dict.fromkeys(summary["task"]))
    colours = {direction: f"C{i % 10}" for i, direction in enumerate(dict.fromkeys(summary["direction"]))}
    figure, axes = plt.subplots(
        1, len(tasks), figsize=(4.5 * len(tasks), 3.6), squeeze=False, sharey=True, layout="constrained"
    )
    for ax, task in zip(axes[0], tasks, strict=True):
        for direction, runs in summary[summary["task"] == task].groupby("direction", sort=False):
            runs = runs.sort_values("n")
            if several:
                ax.errorbar(
                    runs["n"], runs["success_rate"], yerr=runs["success_rate_std"], marker="o", capsize=3,
                    label=direction, color=colours[direction],
                )  # fmt: skip
                points = replicates[(replicates["task"] == task) & (replicates["direction"] == direction)]
                ax.scatter(points["n"], points["success_rate"], s=10, alpha=0.5, color=colours[direction])
            else:
                ax.plot(runs["n"], runs["success_rate"], marker="o", label=direction, color=colours[direction])
        ax.set(title=task, xlabel="sequence length n", ylim=(-0.03, 1.03))
        ax.set_xticks(sorted(set(summary.loc[summary["task"] == task, "n"])))
        ax.grid(alpha=0.3)
    handles = {}  # one legend for all panels, one colour per direction: every direction once, as first drawn
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(handles.values(), handles.keys(), title="direction", loc="outside right center")
    label = "success rate (exact match)"
    axes[0][0].set_ylabel(f"{label}\nmean ± sd over seeds, points: seeds" if several else label)
    if title:
        figure.suptitle(title, fontsize="medium")
    return figure


def plot_success(summary: pd.DataFrame, replicates: pd.DataFrame, path: str, title: str | None = None) -> None:
    _save(success_figure(summary, replicates, title), path)


MAX_POSITION_LABELS = 25  # x tick labels of a heatmap row at most: every k-th position beyond


def positions_figure(summary: pd.DataFrame, title: str | None = None):
    """Accuracy of each CoT step (forward position) per run, one heatmap per task (the mean over replicates),
    one colour bar for all."""
    plt = _pyplot()
    tasks = list(dict.fromkeys(summary["task"]))
    heights = [max(1.5, 0.35 * (summary["task"] == task).sum() + 1) for task in tasks]
    figure, axes = plt.subplots(
        len(tasks),
        1,
        figsize=(9, sum(heights)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
    )
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        runs = summary[summary["task"] == task].sort_values(["n", "direction"])
        accuracy = [json.loads(value) for value in runs["position_accuracy"]]
        grid = np.full((len(accuracy), max(map(len, accuracy))), np.nan)
        for row, values in enumerate(accuracy):
            grid[row, : len(values)] = values
        image = ax.imshow(grid, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        labels = [
            f"n={n} {d}" + (f" ({k} seeds)" if k > 1 else "")
            for n, d, k in zip(runs["n"], runs["direction"], runs["replicates"], strict=True)
        ]
        ax.set_yticks(range(len(runs)), labels)
        ax.set(title=task, xlabel="forward position i of y_i (1-based)")
        step = math.ceil(grid.shape[1] / MAX_POSITION_LABELS)
        ax.set_xticks(range(0, grid.shape[1], step), [str(i + 1) for i in range(0, grid.shape[1], step)])
    figure.colorbar(image, ax=axes[:, 0], label="accuracy (mean over seeds)", aspect=30)  # one scale, 0 to 1
    if title:
        figure.suptitle(title, fontsize="medium")
    return figure


def plot_positions(summary: pd.DataFrame, path: str, title: str | None = None) -> None:
    _save(positions_figure(summary, title), path)


# ---- Where a finished run's results are ----

RESULT_FILES = ("summary.csv", "replicates.csv", "plots/success_rate.png", "plots/position_accuracy.png",
                "ground_truth.md")  # fmt: skip
PER_NAME = re.compile(r"(profiles|searches)/([^/]+)/summary\.csv")  # a profile's or a search's summary
SHOWN_NAMES = 6  # profiles or searches named at most; beyond, their number


def report_command(program: str, results: str, config_files: Iterable, settings: dict) -> str:
    """The command that makes the HTML report of a run: ``program`` (``sys.argv[0]`` of the Snakemake that ran: as
    the user called it, ``snakemake`` where run as ``python -m snakemake``) with the run's --configfile files and
    --config ``settings`` (:func:`cotorder.schema.command_line_settings`), its report in the results folder."""
    words = [program if os.path.basename(program) == "snakemake" else "snakemake"]
    words += ["--report", f"{results}/report.html"]
    files = [
        os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path) for path in config_files
    ]
    words += ["--configfile", *files] if files else []
    given = [f"{key}={value if isinstance(value, str) else json.dumps(value, separators=(',', ':'))}"
             for key, value in settings.items()]  # fmt: skip
    words += ["--config", *given] if given else []
    return shlex.join(words)


def where_results_are(results: str, built: Iterable[str], whole: bool, report: str) -> str:
    """What a successful run says at its end: its results folder and, of the files this run's jobs made or found up
    to date (``built``), the summaries and plots a user opens first; the ``report`` command where the run built the
    whole config (``whole``: its default target), as the report covers it. A run of single targets names no summary
    it did not build."""
    results = os.path.normpath(results)
    inside = []
    for path in built:
        relative = os.path.relpath(os.path.normpath(path), results)
        if not relative.startswith(".."):
            inside.append(relative.replace(os.sep, "/"))
    files = [name for name in RESULT_FILES if name in inside]
    shown = [", ".join(files)] if files else []
    for kind in ("profiles", "searches"):
        names = sorted({match[2] for match in map(PER_NAME.fullmatch, inside) if match and match[1] == kind})
        if names:
            listed = ", ".join(names[:SHOWN_NAMES]) + (f", … ({len(names)} in all)" if len(names) > SHOWN_NAMES else "")
            shown.append(f"{kind}/<name>/summary.csv for {listed}")
    if shown:
        lines = [f"Results in {results}/: {'; '.join(shown)} (every output: docs/results.md)"]
    elif whole:
        lines = [f"Results in {results}/"]
    else:
        lines = [f"Results in {results}/ (this run built part of the config: no summary, plots or report)"]
    return "\n".join(lines + ([f"Report: {report}"] if whole else []))
