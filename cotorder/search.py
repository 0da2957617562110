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
  Each move set is profiled and the best order kept.  With ``intra: per_block`` (this project's option; the paper
  profiles a round's candidates together) an intra round profiles each block's arrangements in a mixture of their
  own, so that every arrangement of that block has the same share of the training samples, and applies every
  block's best arrangement at once (:func:`cotorder.profiling.run_round`).

Every candidate list is distinct orders in a fixed, reproducible order; the schedule
(:func:`schedule`) names each round.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .baseline import CONTROL
from .orders import check_permutation, order_positions, sample_distinct, unrank


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


def block_arrangements(order, places) -> list[list[int]]:
    """All reorderings of ``order`` inside ``places`` with the rest fixed (distinct; the order itself first)."""
    order = list(order)
    found = [order]
    for arrangement in itertools.permutations([order[p] for p in places]):
        changed = list(order)
        for place, value in zip(places, arrangement, strict=True):
            changed[place] = value
        found.append(changed)
    return _distinct(found)


def intra_block_candidates(order, length: int) -> list[list[int]]:
    """For every block of ``length`` places, all reorderings inside it with the rest fixed (distinct; the order
    itself first)."""
    return _distinct(
        [arranged for places in local_blocks(len(order), length) for arranged in block_arrangements(order, places)]
    )


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
    such orders when there are at most ``count``, else ``count`` of them drawn from ``seed`` (the structured
    start).  With m blocks there are 2·m! such orders (m! when ``size`` is 1: both cuts give the same blocks);
    a draw picks their indices without listing them."""
    directions = ("forward",) if size == 1 else ("forward", "inverse")
    cuts = [[order[p.start : p.stop] for p in local_blocks(n, size)] for order in
            (order_positions(direction, n) for direction in directions)]  # fmt: skip
    arrangements = math.factorial(len(cuts[0]))
    total = len(cuts) * arrangements
    if total <= count:
        chosen = range(total)
    else:
        chosen = sorted(sample_distinct(total, count, np.random.default_rng(seed)))
    return [[v for block in unrank(i % arrangements, len(cuts[0])) for v in cuts[i // arrangements][block]]
            for i in chosen]  # fmt: skip


# The largest factorial a round's size is worked out with: 20! (about 2.4e18), far above any cap on candidates.
# Above it a size is not computed (20000! alone takes a while, and a schedule holds thousands of such rounds).
LARGEST_FACTORIAL = 20


def round_size(n: int, move: str, size: int, depth: int) -> int | None:
    """How many candidates one round profiles at most, computed without forming them (in constant time); None
    where that needs a factorial above ``LARGEST_FACTORIAL``! (far above any cap)."""
    if move == "global":
        return math.factorial(depth + 1) if depth + 1 <= LARGEST_FACTORIAL else None
    if move == "intra":  # ⌊n/size⌋ full blocks and a shorter leftover, each's arrangements less the order itself
        if size > LARGEST_FACTORIAL:
            return None
        full, rest = divmod(n, size)
        return 1 + full * (math.factorial(size) - 1) + (math.factorial(rest) - 1 if rest else 0)
    return n // size


def round_sizes(n: int, rounds, depth: int) -> list[int | None]:
    """How many candidates each round of a schedule profiles at most (:func:`round_size`)."""
    return [round_size(n, move, size, depth) for move, size in rounds]


MOVES = {"global": global_candidates, "intra": intra_block_candidates, "inter": inter_block_candidates}


def round_candidates(move: str, size: int, survivors) -> list[list[int]]:
    """A round's candidates: the global move applies to every survivor, a local move to the best one."""
    if move not in MOVES:
        raise ValueError(f"unknown search move {move!r} (expected {', '.join(MOVES)})")
    return MOVES[move](survivors, size) if move == "global" else MOVES[move](survivors[0], size)


def search_trace(rounds: list[dict]) -> dict:
    """The search's result from its rounds' records (:func:`cotorder.profiling.run_round`, in order): the order the
    last round kept first, and every round's move, candidate count, kept orders, best score, median and baseline."""
    trace = [{"round": i, **record} for i, record in enumerate(rounds, start=1)]
    return {"order": trace[-1]["kept"][0], "n": len(trace[-1]["kept"][0]), "rounds": trace}


def kendall_distance(a, b) -> int:
    """The number of pairs of steps two orders write in opposite order (0: the same order; n(n−1)/2: reversed)."""
    place = {step: i for i, step in enumerate(b)}
    written = [place[step] for step in a]
    return sum(written[i] > written[j] for i, j in itertools.combinations(range(len(written)), 2))


def found_orders(results: dict) -> pd.DataFrame:
    """One row per seed (``results``: seed → :func:`search_trace` result): its found order, its Kendall distance to
    forward and to inverse, how many places it writes as forward does, its last round's margins and ``rank_by``
    (``baseline``: the control, ranked by the no-learning baseline alone; its margins are 0)."""
    rows = []
    for seed, result in results.items():
        order, n, last = result["order"], result["n"], result["rounds"][-1]
        rows.append({
            "seed": seed,
            "order": " ".join(map(str, order)),
            "kendall_to_forward": kendall_distance(order, order_positions("forward", n)),
            "kendall_to_inverse": kendall_distance(order, order_positions("inverse", n)),
            "places_as_forward": sum(step == place for place, step in enumerate(order)),
            "pairs": n * (n - 1) // 2,
            "score": last["scores"][0],
            "lead_over_median": last["median"] - last["scores"][0],
            "margin_below_baseline": last["baseline"] - last["scores"][0],
            "rank_by": last.get("rank_by", ""),
        })  # fmt: skip
    return pd.DataFrame(rows)


def plot_search(results: dict, path, title: str = "") -> None:
    """Left: per round and seed, what rounds of different sizes share — the winner's lead over the round's median
    score and its margin below its no-learning baseline (nats per token), not raw losses, which depend on how many
    orders share a round's training.  Right: each seed's found order (the forward position written at each place),
    with its Kendall distance to forward.  The control's (``rank_by: baseline``) says so in its title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .datafiles import atomic_write

    table = found_orders(results)
    first = next(iter(results.values()))["rounds"]
    labels = [f"{r['round']}: {r['move']} {r['size']}" for r in first]
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 0.3 * len(first) + 4), layout="constrained")
    for (seed, result), colour in zip(results.items(), plt.cm.tab10.colors, strict=False):
        rounds = result["rounds"]
        steps = range(1, len(rounds) + 1)
        left.plot(steps, [r["median"] - r["scores"][0] for r in rounds], marker="o", color=colour,
                  label=f"seed {seed}: lead over the round's median")  # fmt: skip
        left.plot(steps, [r["baseline"] - r["scores"][0] for r in rounds], marker="x", linestyle="--", color=colour,
                  label=f"seed {seed}: margin below its baseline")  # fmt: skip
    left.axhline(0, color="0.5", linewidth=0.8)
    left.set_xticks(range(1, len(first) + 1), labels, rotation=60, ha="right", fontsize=9)
    left.set(ylabel="nats per token (higher: the winner stands out more)", title="each round's winner")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    grid = np.array([result["order"] for result in results.values()])
    right.imshow(grid, aspect="auto", cmap="viridis", interpolation="nearest")
    for (row, place), value in np.ndenumerate(grid):
        right.text(place, row, str(value), ha="center", va="center", fontsize=9, color="white")
    right.set_yticks(range(len(table)), [f"seed {r.seed}\nKendall {r.kendall_to_forward}/{r.pairs}" for r in
                                          table.itertuples()], fontsize=9)  # fmt: skip
    right.set_xticks(range(grid.shape[1]), [str(i + 1) for i in range(grid.shape[1])], fontsize=9)
    right.set(xlabel="written place", title="found order (forward index written there; Kendall distance to forward)")
    control = (table["rank_by"] == CONTROL).all()
    note = " - the CONTROL: every round ranked by the no-learning baseline alone, no model trained" if control else ""
    figure.suptitle((title or "order search") + note)
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)


class KeptFileError(ValueError):
    """A search round's ``kept.json`` that holds no usable kept orders; the message starts with its path."""


def read_kept(path, n: int) -> dict:
    """A search round's record (``kept.json``, :func:`cotorder.profiling.run_round`), its kept orders checked: a
    non-empty list of orders of n steps.  A :class:`KeptFileError` names the file (``<path>: ...``), so that a
    corrupt file is not reported as the next round's mixture."""
    import json

    try:
        record = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KeptFileError(f"{path}: not a round's kept orders ({error})") from None
    kept = record.get("kept") if isinstance(record, dict) else None
    if not isinstance(kept, list) or not kept:
        raise KeptFileError(f"{path}: no kept orders (expected a non-empty list under `kept`)")
    for order in kept:
        try:
            check_permutation(order, n)
        except (TypeError, ValueError) as error:
            raise KeptFileError(f"{path}: a kept order: {error}") from None
    return record


def read_order(paths) -> list[int] | None:
    """The order a search found, from its ``order.json`` (the first of ``paths``); None when there is none."""
    import json

    paths = [paths] if isinstance(paths, str | Path) else list(paths)  # Snakemake gives one file as a string
    return json.loads(Path(paths[0]).read_text())["order"] if paths else None
