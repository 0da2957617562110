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

- **Climb** (this project's; the default, ``climb: false`` leaves it out): after the paper's stages, rounds of
  insertion moves from the incumbent (:func:`insertion_moves`: take one step out and write it at another place;
  (n−1)² distinct orders, the adjacent swaps among them).  A round ranks the incumbent and all its moves; when a
  move scores below the incumbent, the best one is re-scored against the incumbent, the two alone, ``confirm``
  times (each a fresh replicate where the ranker has them), and replaces it only when its mean score over those is
  lower; a move that loses is not taken, and the next round ranks afresh.  The climb ends at the first round in
  which no move scores below the incumbent (or whose best move is the round before's loser with the same score: a
  ranker that repeats itself), or after ``rounds`` rounds (default n).  A round after the end passes the
  incumbent through, ranking nothing.

Every candidate list is distinct orders in a fixed, reproducible order; the schedule
(:func:`schedule`) names each round and :func:`plan_rounds` gives each its settings.  One round is played by
:func:`play_round`, whatever ranks its candidates: a loss profile per round in the workflow
(:func:`cotorder.profiling.run_round`), or any function of the orders in :func:`search`, the whole search in one
call.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .baseline import CONTROL
from .candidates import MAX_CANDIDATES, candidate_orders
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


def schedule(
    n: int, depth: int, local: bool = True, max_block: int | None = None, climb: int = 0
) -> list[tuple[str, int]]:
    """The rounds of a search: ``("global", k)`` for k = 1 … depth, then ``("intra", l)``, ``("inter", l)`` for
    l = 2 … ⌊n/2⌋ (at most ``max_block``) when the local stage runs, then ``("climb", r)`` for r = 1 … ``climb``
    (the paper's schedule: ``climb=0``)."""
    if not 1 <= depth < n:
        raise ValueError(f"depth K = {depth} must be between 1 and n - 1 = {n - 1}")
    rounds = [("global", k) for k in range(1, depth + 1)]
    if local:
        top = n // 2 if max_block is None else min(n // 2, max_block)
        rounds += [(move, length) for length in range(2, top + 1) for move in ("intra", "inter")]
        rounds += [("climb", r) for r in range(1, climb + 1)]
    return rounds


# The climb's settings where the config gives `climb: true` or leaves it out; its rounds default to n.
CLIMB_DEFAULTS = {"confirm": 3}


def climb_settings(n: int, climb: bool | Mapping = True) -> dict | None:
    """The climb's ``rounds`` and ``confirm`` from the config's ``climb`` (``true``: the defaults, ``rounds`` n and
    ``confirm`` 3; a mapping: over them); None for ``climb: false`` (the paper's schedule)."""
    if climb is False:
        return None
    given = {} if climb is True else dict(climb)
    for key, value in given.items():
        if key not in ("rounds", "confirm") or isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"climb.{key}: {value!r}: expected climb.rounds or climb.confirm, a whole number >= 1")
    return {"rounds": n, **CLIMB_DEFAULTS, **given}


# A search entry's keys that set its rounds after the global stage (:func:`plan_rounds`'s options besides the depth).
STAGE_KEYS = ("local", "max_block", "intra", "climb")


def plan_rounds(
    n: int,
    depth: int,
    local: bool = True,
    max_block: int | None = None,
    intra: str = "together",
    climb: bool | Mapping = True,
) -> list[dict]:
    """Every round of a search with its settings, in order: ``move``, ``size``, ``keep`` (how many orders it keeps;
    None in a global round whose T is above ``LARGEST_FACTORIAL``!, which no cap lets run), ``per_block`` (intra
    rounds with ``intra: per_block``) and ``confirm`` (climb rounds).  The keys are the config's; the defaults too:
    the local stage, the paper's intra rounds, the climb on."""
    if intra not in ("together", "per_block"):
        raise ValueError(f"intra: {intra!r}: expected together or per_block")
    climbing = climb_settings(n, climb) if local else None
    rounds = schedule(n, depth, local, max_block, climbing["rounds"] if climbing else 0)
    workable = depth + 1 <= LARGEST_FACTORIAL  # else T is not worked out (far above any cap): keep None
    keep = {size: global_keep(depth, size) if workable else None for move, size in rounds if move == "global"}
    return [
        {"move": move, "size": size, "keep": keep[size] if move == "global" else 1,
         **({"per_block": True} if intra == "per_block" and move == "intra" else {}),
         **({"confirm": climbing["confirm"]} if move == "climb" else {})}
        for move, size in rounds
    ]  # fmt: skip


def initial_orders(n: int, depth: int, initial: Mapping) -> list[list[int]]:
    """The first round's orders from the config's ``initial``: ``{"orders": [...]}`` as given (one order: a start
    given directly), ``{"kind": "random"}`` (``count`` distinct random orders, default T = (K+1)!, from ``seed``) or
    ``{"kind": "blocks"}`` (:func:`initial_blocks`, ``block_size`` default 5).  A ValueError names the key."""
    total = math.factorial(depth + 1) if depth + 1 <= LARGEST_FACTORIAL else MAX_CANDIDATES + 1
    if "block_size" in initial and initial.get("kind") != "blocks":
        raise ValueError(f"initial.block_size: a setting of kind: blocks, not of kind: {initial.get('kind')}")
    if initial.get("count", total) > MAX_CANDIDATES:
        raise ValueError(f"initial.count: {initial.get('count', total)} orders, above the cap of {MAX_CANDIDATES}")
    if "orders" in initial:
        return candidate_orders(n, orders=initial["orders"])
    if initial.get("kind") == "random":
        return candidate_orders(n, "random", initial.get("count", total), initial.get("seed", 0))
    if initial.get("kind") == "blocks":
        return initial_blocks(n, initial.get("block_size", 5), initial.get("count", total), initial.get("seed", 0))
    raise ValueError(f"initial: {dict(initial)!r}: expected kind: random, kind: blocks or orders")


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
    if move == "climb":  # the incumbent and its insertion moves (the re-scored pairs are profiles of their own)
        return 1 + (n - 1) ** 2
    return n // size


def round_sizes(n: int, rounds, depth: int) -> list[int | None]:
    """How many candidates each round of a schedule profiles at most (:func:`round_size`)."""
    return [round_size(n, move, size, depth) for move, size in rounds]


def insertion_moves(order) -> list[list[int]]:
    """Every order made by taking one step out of ``order`` and writing it at another place (distinct, in a fixed
    order; ``order`` itself not among them): (n−1)² orders, the n−1 adjacent swaps among them."""
    order = list(order)
    found = []
    for taken in range(len(order)):
        rest = order[:taken] + order[taken + 1 :]
        found.extend(rest[:place] + [order[taken]] + rest[place:] for place in range(len(order)) if place != taken)
    return _distinct(found)


def climb_candidates(order, size: int = 0) -> list[list[int]]:
    """A climb round's candidates: the incumbent first, then its :func:`insertion_moves` (``size``, the round's
    number, changes nothing)."""
    return _distinct([list(order), *insertion_moves(order)])


MOVES = {"global": global_candidates, "intra": intra_block_candidates, "inter": inter_block_candidates,
         "climb": climb_candidates}  # fmt: skip


def round_candidates(move: str, size: int, survivors) -> list[list[int]]:
    """A round's candidates: the global move applies to every survivor, a local move to the best one."""
    if move not in MOVES:
        raise ValueError(f"unknown search move {move!r} (expected {', '.join(MOVES)})")
    return MOVES[move](survivors, size) if move == "global" else MOVES[move](survivors[0], size)


def _text(order) -> str:
    return " ".join(map(str, order))


def _parse(text: str) -> list[int]:
    return [int(p) for p in text.split()]


def _baseline(table, row: int = 0) -> float | None:
    """A ranked table's baseline at ``row``; None where its ranker has none (a synthetic score)."""
    return float(table["baseline"].iloc[row]) if "baseline" in table else None


def _mean(values) -> float | None:
    return None if any(v is None for v in values) else float(np.mean(values))


def play_round(move: str, size: int, keep: int, survivors, profile, *, per_block: bool = False, confirm: int = 1,
               previous: dict | None = None) -> tuple[dict, list]:  # fmt: skip
    """One round of a search, whatever ranks its candidates: ``profile(candidates, part, fresh)`` ranks a list of
    orders and returns a table sorted best first (column ``order``: the order as text, ``score``: lower is better,
    and optionally ``baseline``); ``part`` names what it ranks (None: the round's candidates; ``block<i>``,
    ``combined``, ``moves``, ``confirm<i>``), ``fresh`` which fresh replicate (0: the round's own; a ranker
    without replicates ignores it).  ``previous``: the round before's record (a climb round after the climb's end
    passes its incumbent through).  Returns the round's record — ``move``, ``size``, ``candidates`` (how many orders
    it ranked), ``kept`` (best first), ``scores``, ``median`` and ``baseline`` (None without one) — and its ranked
    tables as (part, table) pairs.

    A global, intra or inter round ranks its candidates (:func:`round_candidates`) once and keeps the best
    ``keep``.  ``per_block`` (intra rounds): each block's arrangements are ranked on their own (``block<i>``) and
    every block's best arrangement is applied to the incumbent at once; the combined order is then ranked against
    the incumbent, the two alone (``combined``), and kept only if it wins: the round's score, median and baseline
    are that pair's (``compared``: both orders, the winner first).  When every block's best is the incumbent's own
    arrangement there is nothing to compare: the incumbent is kept, with the means over the blocks' tables.  A climb
    round: see the module's docstring; its record says ``converged`` when it kept the incumbent (the climb's end),
    and ``passed`` when it came after it."""
    if move == "climb":
        return _climb_round(size, survivors[0], profile, confirm, previous)
    if per_block and move == "intra":
        incumbent, order, tables = list(survivors[0]), list(survivors[0]), []
        for index, places in enumerate(local_blocks(len(order), size)):
            if len(places) > 1:
                table = profile(block_arrangements(incumbent, places), f"block{index}", 0)
                best = _parse(table["order"].iloc[0])
                for place in places:
                    order[place] = best[place]
                tables.append((index, table))
        record = {"move": move, "size": size, "candidates": sum(len(table) for _, table in tables),
                  "blocks": [table["order"].iloc[0] for _, table in tables]}  # fmt: skip
        if order == incumbent:
            return {**record, "kept": [incumbent],
                    "scores": [float(np.mean([table["score"].iloc[0] for _, table in tables]))],
                    "median": float(np.mean([table["score"].median() for _, table in tables])),
                    "baseline": _mean([_baseline(table) for _, table in tables]),
                    "compared": [_text(incumbent)]}, tables  # fmt: skip
        pair = profile([incumbent, order], "combined", 0)
        record = {**record, "candidates": record["candidates"] + 2, "kept": [_parse(pair["order"].iloc[0])],
                  "scores": [float(pair["score"].iloc[0])], "median": float(pair["score"].median()),
                  "baseline": _baseline(pair), "compared": pair["order"].tolist()}  # fmt: skip
        return record, [*tables, ("combined", pair)]
    table = profile(round_candidates(move, size, survivors), None, 0)
    best = table.head(keep)
    record = {
        "move": move,
        "size": size,
        "candidates": len(table),
        "kept": [_parse(o) for o in best["order"]],
        "scores": best["score"].tolist(),
        "median": float(table["score"].median()),
        "baseline": _baseline(best),
    }
    return record, [(None, table)]


def _climb_round(size: int, incumbent, profile, confirm: int, previous: dict | None) -> tuple[dict, list]:
    """Climb round ``size`` (:func:`play_round`): the incumbent and its insertion moves ranked (``moves``); the best
    move, where it scores below the incumbent, ranked against the incumbent alone ``confirm`` times (``confirm<i>``)
    and kept when its mean score there is the lower.  Every ranking of the climb is on a fresh replicate of its own
    (round r's ``moves`` on (r − 1)(C + 1), its i-th re-scoring on (r − 1)(C + 1) + i), so that a round after a lost
    re-scoring ranks afresh.  The climb ends (``converged``) when no move scores below the incumbent, or when the
    best move lost its re-scoring and is the same move with the same score as the round before's loser (a ranker
    that gives the same numbers again)."""
    incumbent, text = list(incumbent), _text(incumbent)
    if previous is not None and previous.get("converged"):  # the climb has ended: nothing is ranked again
        return {"move": "climb", "size": size, "candidates": 0, "kept": [incumbent], "scores": previous["scores"][:1],
                "median": previous["median"], "baseline": previous["baseline"], "converged": True,
                "passed": True}, []  # fmt: skip
    first = (size - 1) * (confirm + 1)
    table = profile(climb_candidates(incumbent), "moves", first)
    orders, ranked = table["order"].tolist(), table["score"].tolist()
    mine = orders.index(text)
    record = {"move": "climb", "size": size, "candidates": len(table), "best_move": [orders[0], float(ranked[0])]}
    repeated = previous is not None and previous.get("rejected") == record["best_move"]
    if ranked[0] >= ranked[mine] or repeated:  # no move scores below the incumbent, or the same loser again: the end
        record.update(kept=[incumbent], scores=[float(ranked[mine])], median=float(table["score"].median()),
                      baseline=_baseline(table, mine), compared=[text], converged=True)  # fmt: skip
        return record, [("moves", table)]
    move, tables, scores, baselines = _parse(orders[0]), [("moves", table)], {text: [], orders[0]: []}, {}
    for index in range(1, confirm + 1):
        pair = profile([incumbent, move], f"confirm{index}", first + index)
        tables.append((f"confirm{index}", pair))
        for row, order in enumerate(pair["order"]):
            scores[order].append(float(pair["score"].iloc[row]))
            baselines.setdefault(order, []).append(_baseline(pair, row))
    means = {order: float(np.mean(values)) for order, values in scores.items()}
    won = means[orders[0]] < means[text]
    kept, other = (orders[0], text) if won else (text, orders[0])
    return {**record, "candidates": len(table) + 2 * confirm, "kept": [_parse(kept)], "scores": [means[kept]],
            "median": float(np.mean(list(means.values()))), "baseline": _mean(baselines[kept]),
            "compared": [kept, other], "confirm_scores": [scores[kept], scores[other]],
            **({} if won else {"rejected": record["best_move"]})}, tables  # fmt: skip


def search(n: int, score, **options) -> dict:
    """A whole search in one call, every round ranked by ``score``: a function of a list of orders that returns one
    number per order, lower better (it may be noisy: it is called once per round and once per re-scoring, and need
    not give the same number twice).  ``options``: the config's keys of a search — ``depth`` and ``initial``
    (required), ``local``, ``max_block``, ``intra``, ``climb`` (:func:`plan_rounds`, :func:`initial_orders`).
    Returns :func:`search_trace` of its rounds' records (the found order first; ``baseline`` None in every round).
    The rounds after the climb's end pass the incumbent through, as the workflow's do."""
    known = {"depth", "initial", "local", "max_block", "intra", "climb"}
    if unknown := sorted(set(options) - known):
        raise TypeError(f"search: unknown option(s) {', '.join(unknown)} (expected {', '.join(sorted(known))})")
    if "depth" not in options or "initial" not in options:
        raise TypeError("search: depth and initial are required")
    depth, initial = options.pop("depth"), options.pop("initial")

    def ranked(candidates, part=None, fresh=0):
        values = np.asarray(score([list(c) for c in candidates]), dtype=float)
        if values.shape != (len(candidates),):
            raise ValueError(f"score returned {values.shape} numbers for {len(candidates)} orders")
        table = pd.DataFrame({"order": [_text(c) for c in candidates], "score": values})
        return table.sort_values("score", kind="stable").reset_index(drop=True)

    survivors, records = initial_orders(n, depth, initial), []
    for step in plan_rounds(n, depth, **options):
        record, _ = play_round(step["move"], step["size"], step["keep"], survivors, ranked,
                               per_block=step.get("per_block", False), confirm=step.get("confirm", 1),
                               previous=records[-1] if records else None)  # fmt: skip
        records.append(record)
        survivors = record["kept"]
    return search_trace(records)


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


def kendall_distances(orders, target) -> np.ndarray:
    """:func:`kendall_distance` of every one of ``orders`` (m × n) to ``target`` at once (m numbers)."""
    place = np.argsort(np.asarray(target))  # place[step]: where target writes step
    written = place[np.asarray(orders)]
    n = written.shape[1]
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    return ((written[:, :, None] > written[:, None, :]) & upper).sum(axis=(1, 2))


def oracle(target, sd: float = 0.0, fresh: bool = False, seed: int = 0):
    """A synthetic ranker for :func:`search`: an order's score is its Kendall distance to ``target`` (right by
    construction) plus normal noise of standard deviation ``sd`` pairs, drawn once per order (``fresh`` False: the
    same order always gets the same number) or afresh at every call, from ``seed``."""
    rng, drawn = np.random.default_rng(seed), {}

    def score(orders) -> np.ndarray:
        distances = kendall_distances(orders, target).astype(float)
        if sd == 0:
            return distances
        if fresh:
            return distances + rng.normal(0.0, sd, len(orders))
        for order in map(tuple, orders):
            if order not in drawn:
                drawn[order] = rng.normal(0.0, sd)
        return distances + np.array([drawn[tuple(order)] for order in orders])

    return score


def found_orders(results: dict, named: dict | None = None) -> pd.DataFrame:
    """One row per seed (``results``: seed → :func:`search_trace` result): its found order, its Kendall distance to
    forward, to inverse and to each of ``named`` (name → order: ``kendall_to_<name>``, e.g. a task's known friendly
    order given as a named permutation), how many places it writes as forward does, its last round's margins and
    ``rank_by`` (``baseline``: the control, ranked by the no-learning baseline alone; its margins are 0)."""
    rows = []
    for seed, result in results.items():
        order, n, last = result["order"], result["n"], result["rounds"][-1]
        rows.append({
            "seed": seed,
            "order": " ".join(map(str, order)),
            "kendall_to_forward": kendall_distance(order, order_positions("forward", n)),
            "kendall_to_inverse": kendall_distance(order, order_positions("inverse", n)),
            **{f"kendall_to_{name}": kendall_distance(order, other) for name, other in (named or {}).items()},
            "places_as_forward": sum(step == place for place, step in enumerate(order)),
            "pairs": n * (n - 1) // 2,
            "score": last["scores"][0],
            "lead_over_median": last["median"] - last["scores"][0],
            "margin_below_baseline": np.nan if last.get("baseline") is None else last["baseline"] - last["scores"][0],
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
        margins = [np.nan if r.get("baseline") is None else r["baseline"] - r["scores"][0] for r in rounds]
        left.plot(steps, margins, marker="x", linestyle="--", color=colour,
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
