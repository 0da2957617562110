"""The path method (cotorder/paths.py): the wall time of the transition costs and of the shortest path against n,
and the order it finds on every task against the task's known friendly order.

    .venv/bin/python bench/bench_paths.py [--tasks square scrambled_relu ...] [--n 8 16 24 50 100] [--seeds 0]
        [--time-limit 5] [--csv bench_paths.csv] [--plot bench_paths.png] [--heatmaps FOLDER]
    .venv/bin/python bench/bench_paths.py --summarize bench_paths.csv [more.csv ...]   # the docs' table of them

For each task, n and data seed s: 8,000 training rows (inputs drawn from seed 1000 + s) and 2,000 validation rows
(seed 2000 + s) of the task (its settings and known friendly order: scripts/discovery_table.py's TASKS), the lookup
ranker fitted on them as ``rank_by: lookup`` and the path method fit it, then :func:`cotorder.paths.discover`
(exact up to n = 16, OR-Tools above, the continuation where one step is not enough).  Times are wall seconds of
this process (the costs: the table from a fresh ranker; the solve; the continuation).

Prints one Markdown row per (task, n, seed) as it goes — the found order (or its distance alone above n = 12), its
Kendall distance to the friendly order, the path's method and status, its one-step cost per token beside the
friendly order's, the full ranker's score of the found and of the friendly order, whether the search continued,
and the times — and writes every row to ``--csv`` (appended row by row: a long run keeps what it measured), the
times against n to ``--plot``, and each (task, n)'s cost heatmap with the found path and the friendly order to
``--heatmaps``.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from discovery_table import TASKS  # noqa: E402  (each task's settings at n and its known friendly order)

from cotorder import paths  # noqa: E402
from cotorder.lookup import Lookup  # noqa: E402
from cotorder.search import kendall_distance  # noqa: E402
from cotorder.tasks import Task  # noqa: E402

TRAIN_ROWS, VALIDATION_ROWS = 8000, 2000
TRAIN_SEED, VALIDATION_SEED = 1000, 2000  # plus the data seed


def measure(name: str, n: int, seed: int, time_limit: float, heatmaps: Path | None) -> dict:
    settings, friendly = TASKS[name]
    task = Task.from_settings(settings(n))
    x = task.sample_inputs(n, TRAIN_ROWS, TRAIN_SEED + seed)
    vx = task.sample_inputs(n, VALIDATION_ROWS, VALIDATION_SEED + seed)
    lookup = Lookup.for_task(task, n, x, task.outputs(x), vx, task.outputs(vx))  # as a path search fits it
    found = paths.discover(lookup, time_limit)
    target, path = friendly(n), found["path"]
    if heatmaps is not None and seed == 0:
        paths.plot_costs(
            found["costs"],
            heatmaps / f"{name}_n{n}.png",
            order=path["order"],
            known=target,
            title=f"{name}, n = {n}: costs, shortest path (circles), friendly order (crosses)",
        )
    return {
        "task": name, "n": n, "seed": seed, "order": " ".join(map(str, found["order"])),
        "friendly": " ".join(map(str, target)), "kendall_to_friendly": kendall_distance(found["order"], target),
        "path_kendall_to_friendly": kendall_distance(path["order"], target), "pairs": n * (n - 1) // 2,
        "method": path["method"], "status": path["status"], "optimal": path["optimal"],
        "path_cost_per_token": path["cost"] / n, "friendly_cost_per_token": paths.path_cost(found["costs"], target) / n,
        "lower_bound_per_token": path["lower_bound"] / n, "path_score": found["path_score"],
        "continued": found["continued"], "score": found["score"],
        "friendly_score": float(lookup.score([target])[0]),
        "costs_seconds": found["seconds"]["costs"], "solve_seconds": found["seconds"]["solve"],
        "continuation_seconds": found["seconds"]["continuation"],
    }  # fmt: skip


def row_text(row: dict) -> str:
    order = row["order"] if row["n"] <= 12 else "-"
    status = "optimal" if row["optimal"] else row["status"]
    return (f"| {row['task']} | {row['n']} | {row['seed']} | {order} | {row['kendall_to_friendly']} of {row['pairs']} "
            f"| {row['method']}, {status} | {row['path_cost_per_token']:.3f} / {row['friendly_cost_per_token']:.3f} "
            f"| {row['score']:.3f} / {row['friendly_score']:.3f} | {'yes' if row['continued'] else 'no'} "
            f"| {row['costs_seconds']:.1f} | {row['solve_seconds']:.2f} "
            f"| {row['continuation_seconds']:.1f} |")  # fmt: skip


def summary_table(table: pd.DataFrame) -> str:
    """The docs' table (docs/path_search.md): one Markdown row per (task, n) of the per-seed rows of ``table`` (this
    bench's CSV): seeds, how many found the friendly order exactly, each seed's Kendall distance to it, the mean
    one-step cost per token of the found and of the friendly order, the full ranker's, how many continued, the
    path's status (optimal where every seed's is), and the median wall seconds of the costs and of the solve."""
    lines = ["| task | n | friendly order | seeds | found exactly | Kendall distance to it | one-step cost / token, "
             "found / friendly | full ranker, found / friendly | continued | path | costs s | solve s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for (name, n), rows in table.groupby(["task", "n"], sort=False):
        friendly = rows["friendly"].iloc[0]
        label = "forward" if friendly == " ".join(map(str, range(n))) else ("σ = " + friendly if n <= 12 else "σ")
        pairs = zip(rows["optimal"], rows["status"], strict=True)
        statuses = sorted({"optimal" if ok else status for ok, status in pairs})
        distances = ", ".join(str(d) for d in rows["kendall_to_friendly"])
        exact = int((rows["kendall_to_friendly"] == 0).sum())
        lines.append(
            f"| {name} | {n} | {label} | {', '.join(map(str, rows['seed']))} | "
            f"{exact} of {len(rows)} | {distances} of {rows['pairs'].iloc[0]} | "
            f"{rows['path_cost_per_token'].mean():.3f} / {rows['friendly_cost_per_token'].mean():.3f} | "
            f"{rows['score'].mean():.3f} / {rows['friendly_score'].mean():.3f} | "
            f"{int(rows['continued'].sum())} of {len(rows)} | {', '.join(statuses)} | "
            f"{rows['costs_seconds'].median():.1f} | {rows['solve_seconds'].median():.2f} |"
        )
    return "\n".join(lines)


def plot_times(table: pd.DataFrame, path: Path) -> None:
    """The median wall time over seeds of the costs (solid) and of the solve (dashed) against n, one colour a task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5), layout="constrained")
    times = table.groupby(["task", "n"])[["costs_seconds", "solve_seconds"]].median().reset_index()
    for (name, rows), colour in zip(times.groupby("task", sort=False), plt.cm.tab10.colors, strict=False):
        axes.plot(rows["n"], rows["costs_seconds"], marker="o", color=colour, label=f"{name}: costs")
        axes.plot(rows["n"], rows["solve_seconds"], marker="x", linestyle="--", color=colour, label=f"{name}: solve")
    axes.axvline(paths.EXACT_MAX_N + 0.5, color="0.6", linewidth=0.8)
    axes.text(paths.EXACT_MAX_N + 1, axes.get_ylim()[1], "exact | OR-Tools", va="top", fontsize=8, color="0.4")
    axes.set(xscale="log", yscale="log", xlabel="n (steps)", ylabel="wall seconds (2 busy cores)",
             title="the path method: the lookup ranker's transition costs and their shortest path")  # fmt: skip
    ticks = sorted(table["n"].unique())
    axes.set_xticks(ticks, [str(t) for t in ticks])
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=7, ncols=2)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["square", "scrambled_relu", "scrambled_square"],
                        choices=list(TASKS))  # fmt: skip
    parser.add_argument("--n", type=int, nargs="+", default=[8, 16, 24, 50, 100])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--time-limit", type=float, default=paths.TIME_LIMIT)
    parser.add_argument("--csv", type=Path, default=Path("bench_paths.csv"))
    parser.add_argument("--plot", type=Path, default=Path("bench_paths.png"))
    parser.add_argument("--heatmaps", type=Path)
    parser.add_argument("--summarize", type=Path, nargs="+", metavar="CSV",
                        help="print the per-(task, n) table of earlier runs' CSVs; measure nothing")  # fmt: skip
    args = parser.parse_args()
    if args.summarize:
        print(summary_table(pd.concat([pd.read_csv(path, dtype={"order": str, "friendly": str})
                                       for path in args.summarize], ignore_index=True)))  # fmt: skip
        return
    if args.heatmaps:
        args.heatmaps.mkdir(parents=True, exist_ok=True)
    print("| task | n | data seed | found order | Kendall distance to the friendly order | path | one-step cost per "
          "token, found / friendly | full ranker, found / friendly | continued | costs s | solve s | "
          "continuation s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    start, rows = time.perf_counter(), []
    for n in args.n:  # every task at a small n before any at a large one
        for name in args.tasks:
            if name == "prod" and n % 2:
                continue
            for seed in args.seeds:
                row = measure(name, n, seed, args.time_limit, args.heatmaps)
                rows.append(row)
                print(row_text(row), flush=True)
                pd.DataFrame([row]).to_csv(args.csv, mode="a", header=len(rows) == 1 and not args.csv.exists(),
                                           index=False, float_format="%.6g")  # fmt: skip
    table = pd.DataFrame(rows)
    plot_times(table, args.plot)
    print(f"\n{len(rows)} searches in {time.perf_counter() - start:.0f} s; plot: {args.plot}; rows: {args.csv}")
    if len(table):
        print(
            f"exact friendly order: {int((table['kendall_to_friendly'] == 0).sum())} of {len(table)}; "
            f"median costs {np.median(table['costs_seconds']):.1f} s, solve {np.median(table['solve_seconds']):.2f} s"
        )


if __name__ == "__main__":
    main()
