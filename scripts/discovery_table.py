"""Discovery without training: the converging search ranked by the lookup ranker and by the no-learning baseline
(the control), from random orders, on every task; each found order's Kendall distance to the task's known friendly
order (docs/discovery.md).

    .venv/bin/python scripts/discovery_table.py [--n 8 12] [--seeds 3 4 5] [--tasks relu ...] [--rankers lookup
        baseline] [--csv results/discovery/searches.csv]

For each task, n, ranker and search seed: 8,000 training rows (seed 42) and 2,000 validation rows (seed 7) of the
task, then ``cotorder.search.search`` (depth 3 from 24 random orders drawn from the search seed, ``intra:
per_block``, the climb on: the search demo's schedule) with every round ranked by

- ``lookup``: :class:`cotorder.lookup.Lookup` fitted on the training rows, reported on the validation rows (one
  fit per task and n: its costs are kept across rounds and seeds);
- ``baseline``: the control, each ranking the no-learning baseline of the round's candidates, fitted on the
  training rows written as a mixture of them (the sample-to-order assignment drawn from the search seed, as a
  profile's), scored on the validation rows (:func:`cotorder.baseline.order_baselines`).

``--exhaustive`` (n ≤ 9): instead, every one of the n! orders scored by the lookup ranker, one line per task: the
friendly order's score and rank, the best score, and how many orders score within 0.005 nats/token of the best
(ties: orders the ranker cannot tell apart), with forward's and inverse's scores.

Otherwise prints one Markdown line per (task, n, ranker): the found orders' distances to the friendly order (of n(n−1)/2
pairs), how many seeds found it exactly, and the ranker's score of the found orders against the friendly order's
(a found order that scores below the friendly one is the ranker's failure; above it, the search's).  ``--csv``
writes every search (its order, distances, scores and CPU seconds).
"""

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cotorder.baseline import order_baselines  # noqa: E402
from cotorder.candidates import assign_orders, write_mixed  # noqa: E402
from cotorder.lookup import Lookup  # noqa: E402
from cotorder.search import kendall_distance, search  # noqa: E402
from cotorder.tasks import Task  # noqa: E402

TRAIN_ROWS, TRAIN_SEED, VALIDATION_ROWS, VALIDATION_SEED = 8000, 42, 2000, 7
SEARCH = {"depth": 3, "intra": "per_block"}  # the search demo's schedule; the climb on (the default)
EXAMPLES = ROOT / "examples" / "tasks"


def _sigma(name: str):
    """A scrambled example's ``sigma(n)``: its friendly order."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sigma


def _file(name: str, **settings) -> dict:
    return {"kind": "python", "file": str(EXAMPLES / f"{name}.py"), **settings}


def forward(n):
    return list(range(n))


# name → (the task's settings at length n, its known friendly order at length n)
TASKS = {
    "relu": (lambda n: {"kind": "relu"}, forward),
    "square": (lambda n: {"kind": "square"}, forward),
    "index": (lambda n: {"kind": "index", "m": 2}, forward),
    "prod": (lambda n: {"kind": "prod"}, forward),
    "cumsum": (lambda n: _file("cumsum", inputs=[0, 12], values=[0, 12], settings={"p": 13}), forward),
    "delay": (lambda n: _file("delay", sample="sample", values=[0, 10], settings={"p": 11}), forward),
    "scrambled_relu": (lambda n: _file("scrambled_relu", inputs=[-9, 9], values=[0, 9 * n]), _sigma("scrambled_relu")),
    "scrambled_square": (
        lambda n: _file("scrambled_square", inputs=[-9, 9], values=[-9, 9], settings={"p": 19}),
        _sigma("scrambled_square"),
    ),  # fmt: skip
    "scrambled_fibonacci": (
        lambda n: _file("scrambled_fibonacci", inputs=[0, 12], values=[0, 12], settings={"p": 13}),
        _sigma("scrambled_fibonacci"),
    ),  # fmt: skip
    # the holdout, run once after everything else was built (docs/discovery.md): not a task the tools were designed on
    "scrambled_product": (
        lambda n: _file("scrambled_product", inputs=[1, 12], values=[0, 12], settings={"p": 13}),
        _sigma("scrambled_product"),
    ),  # fmt: skip
}


def rows(task: Task, n: int):
    x = task.sample_inputs(n, TRAIN_ROWS, TRAIN_SEED)
    vx = task.sample_inputs(n, VALIDATION_ROWS, VALIDATION_SEED)
    return x, task.outputs(x), vx, task.outputs(vx)


def cases(args, largest=None):
    """(task name, n, its Task, its friendly order) for each of ``args.tasks`` and ``args.n``: prod only at even n,
    none above ``largest``."""
    for name in args.tasks:
        settings, friendly = TASKS[name]
        for n in args.n:
            if (largest is not None and n > largest) or (name == "prod" and n % 2):
                continue
            yield name, n, Task.from_settings(settings(n)), friendly(n)


def lookup_score(task: Task, n: int, x, y, vx, vy):
    return Lookup.for_task(task, n, x, y, vx, vy).score


def baseline_score(task: Task, n: int, x, y, vx, vy, seed: int):
    low, high = task.value_range(n)

    def score(orders):
        assignment = assign_orders(len(x), len(orders), seed)
        return order_baselines(write_mixed(y, orders, assignment), vy, orders, low, high).losses

    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[8, 12])
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 4, 5])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--rankers", nargs="+", default=["lookup", "baseline"], choices=["lookup", "baseline"])
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--exhaustive", action="store_true", help="score every order by the lookup ranker (n <= 9)")
    args = parser.parse_args()
    if args.exhaustive:
        return exhaustive(args)
    found = []
    print("| task | n | ranker | friendly order | found exactly | Kendall distance to it, by seed | found / friendly "
          "score (nats/token) | CPU s a search |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, n, task, target in cases(args):
        data = rows(task, n)
        lookup = lookup_score(task, n, *data) if "lookup" in args.rankers else None
        for ranker in args.rankers:
            results = []
            for seed in args.seeds:
                score = lookup if ranker == "lookup" else baseline_score(task, n, *data, seed)
                start = time.process_time()
                order = search(n, score, initial={"kind": "random", "seed": seed}, **SEARCH)["order"]
                seconds = time.process_time() - start
                scores = np.asarray(score([order, target]), dtype=float)
                results.append({"task": name, "n": n, "ranker": ranker, "seed": seed,
                                "order": " ".join(map(str, order)), "friendly": " ".join(map(str, target)),
                                "kendall_to_friendly": kendall_distance(order, target),
                                "kendall_to_forward": kendall_distance(order, forward(n)),
                                "kendall_to_inverse": kendall_distance(order, forward(n)[::-1]),
                                "pairs": n * (n - 1) // 2, "score_found": scores[0],
                                "score_friendly": scores[1], "cpu_seconds": seconds})  # fmt: skip
            table = pd.DataFrame(results)
            label = "forward" if target == forward(n) else "σ = " + " ".join(map(str, target))
            distances = ", ".join(str(d) for d in table["kendall_to_friendly"])
            print(f"| {name} | {n} | {ranker} | {label} | {int((table['kendall_to_friendly'] == 0).sum())} of "
                  f"{len(table)} | {distances} (of {n * (n - 1) // 2}) | "
                  f"{', '.join(f'{s:.3f}' for s in table['score_found'])} / {table['score_friendly'].iloc[0]:.3f}"
                  f" | {table['cpu_seconds'].mean():.1f} |", flush=True)  # fmt: skip
            found.extend(results)
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(found).to_csv(args.csv, index=False, float_format="%.6g")


TIE = 0.005  # nats per token: orders within this of the best are ties


def exhaustive(args):
    """Every order of each task scored by the lookup ranker (module docstring)."""
    import itertools

    print("| task | n | friendly order | its score | its rank (of n!) | best score | orders within 0.005 of the best "
          "| forward | inverse |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, task, target in cases(args, largest=9):
        score = lookup_score(task, n, *rows(task, n))
        orders = np.array(list(itertools.permutations(range(n))))
        scores = np.concatenate([score(orders[i : i + 20000]) for i in range(0, len(orders), 20000)])
        own = float(score([target])[0])
        rank = int((scores < own - 1e-12).sum()) + 1
        label = "forward" if target == forward(n) else " ".join(map(str, target))
        print(f"| {name} | {n} | {label} | {own:.3f} | {rank} | {scores.min():.3f} | "
              f"{int((scores <= scores.min() + TIE).sum())} | {float(score([forward(n)])[0]):.3f} | "
              f"{float(score([forward(n)[::-1]])[0]):.3f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
