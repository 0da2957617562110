"""Summary table and plots over all runs (pandas, matplotlib)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .datafiles import atomic_write

COLUMNS = ["task", "n", "direction", "success_rate", "final_accuracy", "token_accuracy", "num_samples"]


def summarize(runs: list[dict], metrics_paths: list[str]) -> pd.DataFrame:
    """One row per run: its wildcards, its scalar metrics and its per-position accuracy (JSON)."""
    rows = []
    for run, path in zip(runs, metrics_paths, strict=True):
        with open(path) as handle:
            metrics = json.load(handle)
        scalars = {key: value for key, value in metrics.items() if not isinstance(value, (list, dict))}
        rows.append({**run, **scalars, "position_accuracy": json.dumps(metrics["position_accuracy"])})
    table = pd.DataFrame(rows)
    rest = [column for column in table.columns if column not in COLUMNS]
    return table[[column for column in COLUMNS if column in table.columns] + rest]


def write_csv(table: pd.DataFrame, path: str) -> None:
    with atomic_write(path, "w") as handle:
        table.to_csv(handle, index=False, float_format="%.6g")


def _save(figure, path: str) -> None:
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=120, bbox_inches="tight")


def plot_success(table: pd.DataFrame, path: str) -> None:
    """Success rate against n, one panel per task, one line per direction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(table["task"]))
    figure, axes = plt.subplots(
        1, len(tasks), figsize=(4.5 * len(tasks), 3.6), squeeze=False, sharey=True, layout="constrained"
    )
    for ax, task in zip(axes[0], tasks, strict=True):
        for direction, runs in table[table["task"] == task].groupby("direction", sort=False):
            runs = runs.sort_values("n")
            ax.plot(runs["n"], runs["success_rate"], marker="o", label=direction)
        ax.set(title=task, xlabel="sequence length n", ylim=(-0.03, 1.03))
        ax.set_xticks(sorted(set(table.loc[table["task"] == task, "n"])))
        ax.grid(alpha=0.3)
        ax.legend(title="direction")
    axes[0][0].set_ylabel("success rate (exact match)")
    _save(figure, path)
    plt.close(figure)


def plot_positions(table: pd.DataFrame, path: str) -> None:
    """Accuracy of each CoT step (forward position) per run, one heatmap per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(table["task"]))
    heights = [max(1.5, 0.35 * (table["task"] == task).sum() + 1) for task in tasks]
    figure, axes = plt.subplots(
        len(tasks),
        1,
        figsize=(9, sum(heights)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
    )
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        runs = table[table["task"] == task].sort_values(["n", "direction"])
        accuracy = [json.loads(value) for value in runs["position_accuracy"]]
        grid = np.full((len(accuracy), max(map(len, accuracy))), np.nan)
        for row, values in enumerate(accuracy):
            grid[row, : len(values)] = values
        image = ax.imshow(grid, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(len(runs)), [f"n={n} {d}" for n, d in zip(runs["n"], runs["direction"], strict=True)])
        ax.set(title=task, xlabel="forward position i of y_i (1-based)")
        ax.set_xticks(range(grid.shape[1]), [str(i + 1) for i in range(grid.shape[1])], fontsize=7)
        figure.colorbar(image, ax=ax, label="accuracy")
    _save(figure, path)
    plt.close(figure)
