"""The search's moves alone: the real driver (cotorder.search.search) with an oracle ranker, exact hits against noise.

    nice -n 15 .venv/bin/python bench/bench_search_oracle.py [--targets 20] [--n 8 12 16 24]

The oracle's score of an order is its Kendall distance to a hidden target (cotorder.search.oracle), plus normal
noise of sd s pairs, drawn once per order (``fixed``: the same order always scores the same) or afresh at every
call (``fresh``).  For each n and noise, ``--targets`` random targets (target i drawn from seed (n, i), the search's
24 initial random orders from seed i, the noise from seed i) are searched by: the paper's schedule (``climb:
false``: K = 3, 24 random starts, the local stage with l = 2 … ⌊n/2⌋ capped where a round would profile more than
the workflow's cap of candidates), the same then the climb re-scoring its best move once (``confirm: 1``), and the
default climb (``confirm: 3``); the climb's rounds capped at n (its default).  Prints a markdown table, one row per
n and noise, one column per search: exact hits of the targets, the found order's mean Kendall distance to the target
± its sd over targets, the orders scored per search (every candidate of every round and every re-scoring) and the
climb rounds played (mean and most; passed-through rounds not counted); then the wall time.
"""

import argparse
import time

import numpy as np

from cotorder.candidates import MAX_CANDIDATES
from cotorder.search import kendall_distance, oracle, round_size, search

NOISE = [(0.0, "none"), (0.5, "fixed"), (0.5, "fresh"), (1.0, "fixed"), (1.0, "fresh"), (2.0, "fixed"),
         (2.0, "fresh"), (4.0, "fixed"), (4.0, "fresh")]  # fmt: skip
METHODS = {"paper (climb: false)": False, "climb, confirm 1": {"confirm": 1}, "climb, confirm 3 (default)": True}
DEPTH = 3


def largest_block(n: int) -> int:
    """The paper's ⌊n/2⌋, or less where an intra round would profile more than the workflow's cap."""
    return max(length for length in range(2, n // 2 + 1) if round_size(n, "intra", length, DEPTH) <= MAX_CANDIDATES)


def cell(distances, scored, climbs) -> str:
    """One search's column of a row: exact hits, mean distance ± sd, orders scored, climb rounds (mean, most)."""
    hits = f"{sum(d == 0 for d in distances)}/{len(distances)}"
    rounds = f"; {np.mean(climbs):.1f}, {max(climbs)} rounds" if any(climbs) else ""
    return f"{hits}, {np.mean(distances):.2f} ± {np.std(distances):.2f}, {np.mean(scored):,.0f}{rounds}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--n", type=int, nargs="+", default=[8, 12, 16, 24])
    args = parser.parse_args()
    start = time.perf_counter()
    print("| n | noise sd | noise | " + " | ".join(METHODS) + " |")
    print("|---|---|---|" + "---|" * len(METHODS))
    for n in args.n:
        targets = [np.random.default_rng([n, i]).permutation(n).tolist() for i in range(args.targets)]
        for sd, noise in NOISE:
            cells = []
            for climb in METHODS.values():
                distances, scored, climbs = [], [], []
                for i, target in enumerate(targets):
                    score = oracle(target, sd, fresh=noise == "fresh", seed=i)
                    found = search(n, score, depth=DEPTH, initial={"kind": "random", "seed": i},
                                   max_block=largest_block(n), climb=climb)  # fmt: skip
                    distances.append(kendall_distance(found["order"], target))
                    scored.append(sum(r["candidates"] for r in found["rounds"]))
                    climbs.append(sum(r["move"] == "climb" and not r.get("passed") for r in found["rounds"]))
                cells.append(cell(distances, scored, climbs))
            print(f"| {n} | {sd:g} | {noise} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nwall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
