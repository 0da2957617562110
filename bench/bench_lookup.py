"""The lookup ranker's speed: orders scored per second at n = 8, 16, 32, cold and warm, and its transition costs.

    .venv/bin/python bench/bench_lookup.py [--n 8 16 32] [--task relu] [--orders 200]

For each n: the ranker fitted on the task's first 8,000 training rows (cotorder.lookup.ROWS), then ``--orders``
random orders scored (cold: every place's context chosen as it is first met), the same orders again (warm: a gather
from the kept tables), and orders one insertion move away from those (what a search scores: most of their places
are kept), then the (n + 1) × n transition costs of a fresh fit (from nothing).  CPU seconds
(``time.process_time``: the machine may be shared), so the rates of one run compare with each other, not with
another machine's.
"""

import argparse
import time

import numpy as np

from cotorder.lookup import Lookup
from cotorder.tasks import Task


def timed(action):
    start = time.process_time()
    result = action()
    return result, time.process_time() - start


def insertion(order, rng):
    """``order`` with one step taken out and put back at another place."""
    order = list(order)
    step = order.pop(int(rng.integers(len(order))))
    order.insert(int(rng.integers(len(order) + 1)), step)
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--task", default="relu", help="a built-in kind (index takes m = 1)")
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    task = Task.from_settings({"kind": args.task, **({"m": 1} if args.task == "index" else {})})
    print(f"{args.task}: orders per CPU second ({args.orders} random orders; moved: one insertion away)")
    print(f"{'n':>4} {'fit s':>7} {'cold /s':>9} {'warm /s':>9} {'moved /s':>9} {'transition s':>13}")
    for n in args.n:
        x = task.sample_inputs(n, 8000, 42)
        low, high = task.value_range(n)
        lookup, fit = timed(lambda: Lookup(x, task.outputs(x), values=high - low + 1))  # noqa: B023
        rng = np.random.default_rng(0)
        orders = [rng.permutation(n).tolist() for _ in range(args.orders)]
        moved = [insertion(order, rng) for order in orders]
        _, cold = timed(lambda: lookup.score(orders))  # noqa: B023
        _, warm = timed(lambda: lookup.score(orders))  # noqa: B023
        _, near = timed(lambda: lookup.score(moved))  # noqa: B023
        fresh = Lookup(x, task.outputs(x), values=high - low + 1)
        _, transition = timed(fresh.transition_costs)
        print(f"{n:>4} {fit:7.2f} {len(orders) / cold:9.1f} {len(orders) / warm:9.0f} {len(moved) / near:9.0f} "
              f"{transition:13.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
