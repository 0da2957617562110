"""The global–local order search's moves and schedule (Sato, Kawamoto and Kera), each round a loss profile.

Orders are permutations in the project's convention: ``order[i]`` is the forward position written at
place i.  A *block* is a contiguous run of places of an order; moving blocks moves what they hold.

- **Global stage**, depth K, T = (K+1)! candidates a round: round k (1 … K) cuts every surviving order
  into k contiguous blocks (when k does not divide n, the first n mod k blocks are one longer), forms
  all k! block orders of every survivor, and keeps the best ⌊T/(k+1)!⌋ (:func:`global_candidates`,
  :func:`global_keep`).  The last round keeps one order.  Survivors that are block moves of each other
  and cut at the same places give the same candidates; those are profiled once, so such a round
  profiles fewer than T.
- **Local stage**, from that order, for block length l = 2 … ⌊n/2⌋ (capped by ``max_block``):
  (a) intra-block: for every block of length l (contiguous from the left, a shorter leftover block at
  the end), all l! reorderings inside it with everything else fixed (:func:`intra_block_candidates`);
  (b) inter-block: the ⌊n/l⌋ cyclic rotations of the sequence of full blocks, the leftover block kept
  last (:func:`inter_block_candidates`; the paper leaves this move set open, rotations fit its results).
  Each move set is profiled and the best order kept.

Every candidate list is distinct orders in a fixed, reproducible order; the schedule
(:func:`schedule`) names each round.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np

from .orders import order_positions


def blocks(order, count: int) -> list[list[int]]:
    """``order`` cut into ``count`` contiguous blocks; the first ``len(order) % count`` are one longer."""
    n = len(order)
    if not 1 <= count <= n:
        raise ValueError(f"cannot cut an order of length {n} into {count} blocks")
    size, longer = divmod(n, count)
    cuts = np.cumsum([0] + [size + (i < longer) for i in range(count)])
    return [list(order[a:b]) for a, b in itertools.pairwise(cuts)]


def _distinct(orders) -> list[list[int]]:
    return [list(order) for order in dict.fromkeys(tuple(order) for order in orders)]


def global_candidates(survivors, k: int) -> list[list[int]]:
    """Every one of the k! block orders of every survivor cut into k blocks (distinct, survivors in turn)."""
    found = []
    for order in survivors:
        parts = blocks(order, k)
        found.extend([value for part in arrangement for value in part] for arrangement in itertools.permutations(parts))
    return _distinct(found)


def global_keep(depth: int, k: int) -> int:
    """How many orders round k of a depth-``depth`` global stage keeps: ⌊T/(k+1)!⌋ with T = (depth+1)!."""
    return math.factorial(depth + 1) // math.factorial(k + 1)


def local_blocks(n: int, length: int) -> list[range]:
    """The places of each block of ``length`` (contiguous from the left), a shorter leftover block last."""
    return [range(start, min(start + length, n)) for start in range(0, n, length)]


def intra_block_candidates(order, length: int) -> list[list[int]]:
    """For every block of ``length`` places, all reorderings inside it with the rest fixed (distinct; the order
    itself first)."""
    order = list(order)
    found = [order]
    for places in local_blocks(len(order), length):
        for arrangement in itertools.permutations([order[p] for p in places]):
            changed = list(order)
            for place, value in zip(places, arrangement, strict=True):
                changed[place] = value
            found.append(changed)
    return _distinct(found)


def inter_block_candidates(order, length: int) -> list[list[int]]:
    """The ⌊n/length⌋ cyclic rotations of the full blocks of ``length`` (the leftover block kept last)."""
    order = list(order)
    full = len(order) // length
    parts = [order[i * length : (i + 1) * length] for i in range(full)]
    rest = order[full * length :]
    return _distinct(
        [value for part in parts[shift:] + parts[:shift] for value in part] + rest for shift in range(full)
    )


def schedule(n: int, depth: int, local: bool = True, max_block: int | None = None) -> list[tuple[str, int]]:
    """The rounds of a search: ``("global", k)`` for k = 1 … depth, then ``("intra", l)``, ``("inter", l)`` for
    l = 2 … ⌊n/2⌋ (at most ``max_block``) when the local stage runs."""
    if not 1 <= depth < n:
        raise ValueError(f"depth K = {depth} must be between 1 and n - 1 = {n - 1}")
    rounds = [("global", k) for k in range(1, depth + 1)]
    if local:
        top = n // 2 if max_block is None else min(n // 2, max_block)
        rounds += [(move, length) for length in range(2, top + 1) for move in ("intra", "inter")]
    return rounds


def initial_blocks(n: int, size: int, count: int, seed: int) -> list[list[int]]:
    """Forward and inverse cut into blocks of ``size`` places (a shorter last block), the blocks permuted: all
    such orders when there are at most ``count``, else ``count`` of them drawn from ``seed`` (the structured start)."""
    pool = []
    for direction in ("forward", "inverse"):
        order = order_positions(direction, n)
        parts = [order[p.start : p.stop] for p in local_blocks(n, size)]
        pool.extend([v for part in arrangement for v in part] for arrangement in itertools.permutations(parts))
    pool = _distinct(pool)
    if len(pool) <= count:
        return pool
    chosen = np.random.default_rng(seed).choice(len(pool), size=count, replace=False)
    return [pool[i] for i in sorted(chosen)]


MOVES = {"global": global_candidates, "intra": intra_block_candidates, "inter": inter_block_candidates}


def round_candidates(move: str, size: int, survivors) -> list[list[int]]:
    """A round's candidates: the global move applies to every survivor, a local move to the best one."""
    if move not in MOVES:
        raise ValueError(f"unknown search move {move!r} (expected {', '.join(MOVES)})")
    return MOVES[move](survivors, size) if move == "global" else MOVES[move](survivors[0], size)


def run_round(profile: dict, move: str, size: int, keep: int, survivors, folder, num_threads=None) -> dict:
    """One search round: profile the round's candidates (``profile`` as :class:`cotorder.runs.Profile`'s parts, its
    candidates replaced) in ``folder`` and keep the best ``keep`` orders, best first."""
    from .candidates import write_profile_data
    from .profiling import run_profile  # torch: only when a round runs

    folder = Path(folder)
    candidates = round_candidates(move, size, survivors)
    profile = {**profile, "data": {**profile["data"], "candidates": candidates}}
    paths = {"train_path": folder / "data.train", "validation_path": folder / "data.valid"}
    write_profile_data(profile["data"], **paths)
    table = run_profile(profile, **paths, output_dir=folder / "model", checkpoint_dir=folder / "checkpoints",
                        losses_path=folder / "losses.csv", num_threads=num_threads)  # fmt: skip
    best = table.head(keep)
    return {
        "move": move,
        "size": size,
        "candidates": len(candidates),
        "kept": [[int(p) for p in order.split()] for order in best["order"]],
        "scores": best["score"].tolist(),
    }


def search_trace(rounds: list[dict]) -> dict:
    """The search's result from its rounds' records (:func:`run_round`, in order): the order the last round kept
    first, and every round's move, candidate count, kept orders and best score."""
    trace = [{"round": i, **record} for i, record in enumerate(rounds, start=1)]
    return {"order": trace[-1]["kept"][0], "n": len(trace[-1]["kept"][0]), "rounds": trace}


def plot_search(result: dict, path, title: str = "") -> None:
    """Left: the best score after each round.  Right: the best order after each round, one row each (the forward
    position written at each place), so the order can be seen taking shape."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .datafiles import atomic_write

    rounds = result["rounds"]
    labels = [f"{r['round']}: {r['move']} {r['size']}" for r in rounds]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 0.35 * len(rounds) + 3), layout="constrained")
    left.plot(range(1, len(rounds) + 1), [r["scores"][0] for r in rounds], marker="o")
    left.set_xticks(range(1, len(rounds) + 1), labels, rotation=60, ha="right", fontsize=8)
    left.set(ylabel="best score (validation loss)", title=title or "order search")
    left.grid(alpha=0.3)
    grid = np.array([r["kept"][0] for r in rounds])
    image = right.imshow(grid, aspect="auto", cmap="viridis", interpolation="nearest")
    for (row, place), value in np.ndenumerate(grid):
        right.text(place, row, str(value), ha="center", va="center", fontsize=7, color="white")
    right.set_yticks(range(len(rounds)), labels, fontsize=8)
    right.set_xticks(range(grid.shape[1]), [str(i + 1) for i in range(grid.shape[1])], fontsize=7)
    right.set(xlabel="written place", title="best order after each round (forward index written there)")
    figure.colorbar(image, ax=right, label="forward index (0-based)")
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)


def read_order(paths) -> list[int] | None:
    """The order a search found, from its ``order.json`` (the first of ``paths``); None when there is none."""
    import json

    paths = [paths] if isinstance(paths, str | Path) else list(paths)  # Snakemake gives one file as a string
    return json.loads(Path(paths[0]).read_text())["order"] if paths else None
