"""The order that minimises summed transition costs: a shortest Hamiltonian path from a start.

A transition-cost table is an (n+1) × n array: ``costs[a, b]`` is the cost of writing forward step b right after
forward step a, and its last row ``costs[n, b]`` the cost of writing b first (the lookup ranker's one-step costs,
:func:`cotorder.lookup.transition_costs`).  An order (``order[i]``: the forward step written at place i, the
project's convention) costs ``costs[n, order[0]] + Σ costs[order[i-1], order[i]]``, and the order of least cost is
a shortest Hamiltonian path that starts at the start and visits every step once (:func:`shortest_path`):

- **exact**, up to ``EXACT_MAX_N`` = 16 steps by default: dynamic programming over subsets (Held–Karp; numpy, one
  layer of subsets of equal size at a time), O(2ⁿ n²) time and O(2ⁿ n) memory.  Measured on this project's
  2-core machine (random tables): n = 12 takes 0.01 s, 14 0.06 s, 16 0.3 s with a peak of 90 MiB, 17 0.7 s and
  190 MiB, 18 1.4 s and 410 MiB: each step more doubles the memory and more than doubles the time, so above 16 the
  solver is cheaper than the exact answer.  ``method="exact"`` is refused above ``EXACT_LIMIT`` = 20 steps (its
  tables alone would take gigabytes).
- **solver**, above it: OR-Tools' routing solver (one vehicle; the start is its depot, the way back to the depot
  free, so a tour is an open path), a first path by the cheapest arc then guided local search until its
  ``time_limit`` (seconds) or ``solution_limit`` (solutions it visits).  It needs integer arc costs: each column is
  first shifted by its least entry — every step is entered exactly once, so that changes every path's cost by the
  same amount and leaves the order of paths alone, and makes every arc ≥ 0 with a least arc of 0 into each step —
  then scaled by ``COST_SCALE`` = 10⁶ units per nat and rounded: a path's rounding error is at most n/2 · 10⁻⁶
  nats, so only paths closer than that can swap places.  The solver's own bound is the shift: a path whose
  shifted cost is 0 (every step entered by its cheapest arc) is optimal, and the solver reports
  ``ROUTING_OPTIMAL`` and stops there.  Otherwise it runs to its limit; its status says which.

The result (:class:`PathResult`) names the method, its status (``optimal`` for the exact method, the routing
solver's status otherwise), the path's cost from the float table, the solver's objective in integer units and its
scale, and a lower bound every order's cost obeys (the sum of each step's cheapest way in): where the cost meets
it, the order is optimal whatever the method.

Reproducibility: the exact method and a solver run that stops by its solution limit or by proving optimality give
the same order on any machine; a solver run stopped by its time limit may give another order on a slower one (its
status is then ``ROUTING_SUCCESS`` or ``ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED``; give a
``solution_limit`` for the same order everywhere).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import search

EXACT_MAX_N = 16  # method "auto": exact up to here, the solver above (measured: see the module's text)
EXACT_LIMIT = 20  # method "exact" refuses more steps: 2^20 · 20 costs and parents are ~190 MiB before its layers
COST_SCALE = 1_000_000  # the solver's integer units per nat
TIME_LIMIT = 5.0  # the solver's default time limit, seconds (a search's time_limit)
_INT_LIMIT = 2**62  # a path's cost in integer units must stay below this (int64 with room)
_LAYER_CELLS = 1 << 22  # the exact method's largest (subsets, j, i) block at once: 32 MiB of float64
METHODS = ("auto", "exact", "solver")
START = "start"  # the cost table's last row, in its CSV and its heatmap


class CostTableError(ValueError):
    """A transition-cost table that is not (n+1) × n finite numbers; the message names the entry."""


@dataclass(frozen=True)
class PathResult:
    """A shortest path's order and how it was found (:func:`shortest_path`)."""

    order: list  # the forward step written at each place
    cost: float  # its summed transition costs, from the float table
    method: str  # exact or solver
    status: str  # optimal (exact), or the routing solver's status
    lower_bound: float  # Σ over steps of its cheapest way in: no order costs less
    objective: int | None = None  # the solver's objective: the shifted, scaled, rounded cost
    scale: int | None = None  # the solver's integer units per nat
    time_limit: float | None = None  # the solver's limits
    solution_limit: int | None = None

    @property
    def optimal(self) -> bool:
        """Whether the order is known to be optimal: exact, proved by the solver, or its cost meets the bound."""
        return self.status in ("optimal", "ROUTING_OPTIMAL") or self.cost <= self.lower_bound + 1e-9

    def as_dict(self) -> dict:
        return {**asdict(self), "optimal": self.optimal}


def check_costs(costs, where: str = "costs") -> np.ndarray:
    """``costs`` as a float (n+1) × n array (n ≥ 1), every entry off the diagonal finite; the diagonal
    (``costs[a, a]``: a step after itself, never taken) may hold anything.  A :class:`CostTableError` names the
    shape or the first bad entry."""
    table = np.asarray(costs)
    if table.ndim != 2 or table.shape[1] < 1 or table.shape[0] != table.shape[1] + 1:
        raise CostTableError(f"{where}: shape {table.shape}: expected (n+1, n) with n >= 1 (row n: the start)")
    if not np.issubdtype(table.dtype, np.number) or np.iscomplexobj(table):
        raise CostTableError(f"{where}: entries of type {table.dtype}: expected real numbers")
    table = table.astype(float)
    n = table.shape[1]
    bad = ~np.isfinite(table) & ~np.eye(n + 1, n, dtype=bool)
    if bad.any():
        a, b = (int(i) for i in np.argwhere(bad)[0])
        source = START if a == n else f"step {a}"
        raise CostTableError(f"{where}[{a}, {b}] ({source} -> step {b}): {table[a, b]}: expected a finite number "
                             f"({int(bad.sum())} such entries)")  # fmt: skip
    return table


def path_cost(costs, order) -> float:
    """An order's summed transition costs: from the start to its first step, then each step to the next."""
    table = check_costs(costs)
    order = [int(step) for step in order]
    if sorted(order) != list(range(table.shape[1])):
        raise ValueError(f"order {order}: expected a permutation of 0 … {table.shape[1] - 1}")
    n = table.shape[1]
    return float(table[[n, *order[:-1]], order].sum())


def lower_bound(costs) -> float:
    """A cost no order goes below: each step is entered exactly once, at least by its cheapest way in."""
    return float(_arcs(check_costs(costs)).min(axis=0).sum())


def _arcs(table: np.ndarray) -> np.ndarray:
    """The table with its diagonal at +inf: the arcs a path may take."""
    arcs = table.copy()
    n = table.shape[1]
    arcs[np.arange(n), np.arange(n)] = np.inf
    return arcs


def exact_path(costs) -> tuple[list[int], float]:
    """The optimal order and its cost, by dynamic programming over subsets (Held–Karp): ``best[S, j]``, the least
    cost of a path from the start through exactly the steps of S ending at j, one layer of |S| at a time, each
    layer in blocks of at most ``_LAYER_CELLS`` (subset, j, i) cells.  Ties go to the smaller step index, so the
    same table always gives the same order."""
    table = check_costs(costs)
    n = table.shape[1]
    if n > EXACT_LIMIT:
        raise ValueError(f"exact path: n = {n} steps is above the exact method's limit of {EXACT_LIMIT} "
                         "(2^n subsets); use the solver")  # fmt: skip
    arcs = _arcs(table)
    into = arcs[:n].T[None]  # (1, j, i): the cost of i -> j
    full = 1 << n
    bits = 1 << np.arange(n, dtype=np.int64)
    best = np.full((full, n), np.inf)
    parent = np.full((full, n), -1, dtype=np.int8)
    best[bits, np.arange(n)] = table[n]
    subsets = np.arange(full, dtype=np.int64)
    sizes = np.bitwise_count(subsets)
    by_size = np.argsort(sizes, kind="stable")
    bounds = np.searchsorted(sizes[by_size], np.arange(n + 2))
    step = max(1, _LAYER_CELLS // (n * n))
    for size in range(2, n + 1):
        layer = by_size[bounds[size] : bounds[size + 1]]
        for start in range(0, len(layer), step):
            chunk = layer[start : start + step]
            held = (chunk[:, None] & bits) != 0  # (m, j): j in S
            before = best[chunk[:, None] ^ bits]  # (m, j, i): best[S - {j}, i]
            totals = before + into
            came = totals.argmin(axis=2)
            cost = np.take_along_axis(totals, came[..., None], axis=2)[..., 0]
            best[chunk] = np.where(held, cost, np.inf)
            parent[chunk] = np.where(held, came, -1)
    last = int(best[full - 1].argmin())
    order, remaining, step_at = [], full - 1, last
    while step_at >= 0:
        order.append(step_at)
        came_from = int(parent[remaining, step_at])
        remaining ^= 1 << step_at
        step_at = came_from
    order.reverse()
    return order, float(best[full - 1, last])


def solver_path(costs, time_limit: float = TIME_LIMIT, solution_limit: int | None = None) -> PathResult:
    """The order the routing solver finds within ``time_limit`` seconds (and ``solution_limit`` solutions, if
    given), with its status and objective (the module's text says how the costs are made integers)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    table = check_costs(costs)
    if not time_limit > 0:
        raise ValueError(f"time_limit: {time_limit}: expected a positive number of seconds")
    if solution_limit is not None and solution_limit < 1:
        raise ValueError(f"solution_limit: {solution_limit}: expected a positive number of solutions")
    n = table.shape[1]
    arcs = _arcs(table)
    entry = arcs.min(axis=0)
    shifted = arcs - entry
    np.fill_diagonal(shifted[:n], 0)  # never taken: the solver has no arc from a node to itself
    largest = float(shifted.max())
    if largest * COST_SCALE * n >= _INT_LIMIT:
        raise CostTableError(f"costs: spread of {largest:.3g} within a column: too wide for the solver's integers at "
                             f"{COST_SCALE} units per nat")  # fmt: skip
    units = np.zeros((n + 1, n + 1), dtype=np.int64)  # node n: the start, and the free way back to it
    units[:, :n] = np.rint(shifted * COST_SCALE).astype(np.int64)
    if n == 1:
        order = [0]
        return PathResult(order, path_cost(table, order), "solver", "ROUTING_OPTIMAL", float(entry.sum()), 0,
                          COST_SCALE, time_limit, solution_limit)  # fmt: skip
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, n)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(units.tolist()))
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(max(1, round(time_limit * 1000)))
    if solution_limit is not None:
        parameters.solution_limit = solution_limit
    solution = routing.SolveWithParameters(parameters)
    status = routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status())
    if solution is None:
        raise RuntimeError(f"the routing solver found no path ({status}) within {time_limit} s")
    order, index = [], solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return PathResult(order, path_cost(table, order), "solver", status, float(entry.sum()),
                      int(solution.ObjectiveValue()), COST_SCALE, time_limit, solution_limit)  # fmt: skip


def shortest_path(costs, method: str = "auto", time_limit: float = TIME_LIMIT, solution_limit: int | None = None):
    """The order of least summed transition costs (:class:`PathResult`): ``method`` exact, solver, or auto (exact
    up to ``EXACT_MAX_N`` steps, the solver above)."""
    table = check_costs(costs)
    if method not in METHODS:
        raise ValueError(f"path method {method!r}: expected one of {', '.join(METHODS)}")
    n = table.shape[1]
    if method == "exact" or (method == "auto" and n <= EXACT_MAX_N):
        order, cost = exact_path(table)
        return PathResult(order, cost, "exact", "optimal", lower_bound(table))
    return solver_path(table, time_limit, solution_limit)


def cost_frame(costs) -> pd.DataFrame:
    """The table as a frame: a row per step written before (``0`` … ``n-1``, then ``start``), a column per step
    written after."""
    table = check_costs(costs)
    n = table.shape[1]
    return pd.DataFrame(table, index=pd.Index([*map(str, range(n)), START], name="from"),
                        columns=[str(b) for b in range(n)])  # fmt: skip


def write_costs(costs, path) -> None:
    """The table as CSV (:func:`cost_frame`; the diagonal, never taken, left empty), written atomically."""
    from .datafiles import atomic_write

    frame = cost_frame(costs)
    n = frame.shape[1]
    frame = frame.mask(np.eye(n + 1, n, dtype=bool))
    with atomic_write(path, "w") as handle:
        frame.to_csv(handle, float_format="%.6g")


def read_costs(path) -> np.ndarray:
    """A table :func:`write_costs` wrote, checked (:func:`check_costs`, named by the file)."""
    text = Path(path).read_text()
    try:
        values = pd.read_csv(io.StringIO(text), index_col=0).to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, pd.errors.ParserError) as error:
        raise CostTableError(f"{path}: not a cost table ({error})") from None
    return check_costs(values, where=str(path))


def plot_costs(costs, path, order=None, known=None, title: str = "") -> None:
    """A heatmap of the table (row: the step written before, the start last; column: the step written after; cheap
    cells bright), ``order``'s path over it (a circle at each transition it takes, a faint line joining them in
    order) and, where given, the ``known`` friendly order's (crosses): where the two agree, the crosses sit in the
    circles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .datafiles import atomic_write

    table = check_costs(costs)
    n = table.shape[1]
    shown = np.ma.masked_array(table, np.eye(n + 1, n, dtype=bool))
    size = min(14, 3 + 0.32 * n)
    figure, axes = plt.subplots(figsize=(size + 1.5, size), layout="constrained")
    image = axes.imshow(shown, cmap="viridis_r", aspect="auto", interpolation="nearest")
    figure.colorbar(image, ax=axes, label="transition cost (nats per token)")

    def cells(steps):
        rows = [n, *steps[:-1]]
        return np.array(list(steps)), np.array(rows)

    if known is not None:
        columns, rows = cells(list(known))
        axes.scatter(columns, rows, marker="x", s=60 if n <= 30 else 20, color="cyan", linewidths=2,
                     label="known friendly order", zorder=5)  # fmt: skip
    if order is not None:
        columns, rows = cells(list(order))
        axes.plot(columns, rows, color="red", linewidth=0.7, alpha=0.35, zorder=2)
        axes.scatter(columns, rows, marker="o", s=110 if n <= 30 else 35, facecolors="none", edgecolors="red",
                     linewidths=1.5, label="found path (start row, then each step's row)", zorder=4)  # fmt: skip
    ticks = range(0, n, 1 if n <= 30 else 5)
    axes.set_xticks(list(ticks), [str(t) for t in ticks], fontsize=8)
    axes.set_yticks([*ticks, n], [*(str(t) for t in ticks), START], fontsize=8)
    axes.set(xlabel="step written next (forward index)", ylabel="step written just before")
    axes.set_title(title, fontsize=9)
    if order is not None or known is not None:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2, fontsize=8)
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)


# ---------------------------------------------------------------- the path method of a search

# One step is not enough where the lookup ranker (a context of up to the two steps written before and two inputs)
# scores the path's order this much lower than the one-step costs (the step before and one input) along the path,
# in nats per token: then the converging search,
# ranked by the full ranker, continues from the path's order.  On one-step recurrences the two agree to 0.001 (relu,
# square, cumsum and the scrambled ones at n = 8 … 50); where a step needs the two before it and the path's order
# writes some of them so, they differ by 0.2 or more (scrambled_fibonacci at n = 8, data seed 2: 1.925 against
# 1.323), and where it does not, the check cannot see it: docs/path_search.md.
TWO_STEP_MARGIN = 0.05
# The continuation's search (cotorder.search.search): from the path's order alone (depth 1: its global round keeps
# it), the local stage's blocks of two, then the climb (insertion moves, its defaults); the config's depth, local,
# max_block, intra and climb replace these.
CONTINUATION = {"depth": 1, "max_block": 2}
CONTINUATION_KEYS = ("depth", *search.STAGE_KEYS)


def continuation_options(settings) -> dict:
    """The continuation's options for :func:`cotorder.search.search` (less ``initial``): :data:`CONTINUATION`
    under the given ``settings`` (a search entry's :data:`CONTINUATION_KEYS`)."""
    given = {key: settings[key] for key in CONTINUATION_KEYS if key in settings}
    defaults = CONTINUATION if given.get("local", True) else {"depth": CONTINUATION["depth"]}
    return {**defaults, **given}


def discover(lookup, time_limit: float = TIME_LIMIT, solution_limit: int | None = None, continuation=None,
             margin: float = TWO_STEP_MARGIN, method: str = "auto") -> dict:  # fmt: skip
    """The path method on one fitted lookup ranker (:class:`cotorder.lookup.Lookup`): its transition costs, their
    shortest path (:func:`shortest_path`), and — where the full ranker scores the path's order more than
    ``margin`` nats per token below the one-step costs along it (one step is not enough) — the converging search
    ranked by the full ranker from the path's order (``continuation``: its options, :func:`continuation_options`).

    Returns ``order`` (the found order: the path's, or the continuation's), ``costs`` (the table), ``path``
    (:meth:`PathResult.as_dict`), ``one_step_score`` (the path's cost / n), ``path_score`` (the full ranker's score
    of the path's order), ``continued``, ``score`` (the full ranker's score of the found order), ``continuation``
    (the continuation's rounds, or []) and ``seconds`` (wall time of the costs, the solve and the continuation)."""
    import time

    n = lookup.n
    start = time.perf_counter()
    costs = lookup.transition_costs()
    solving = time.perf_counter()
    result = shortest_path(costs, method, time_limit, solution_limit)
    solved = time.perf_counter()
    one_step, path_score = result.cost / n, float(lookup.score([result.order])[0])
    continued = one_step - path_score > margin
    order, score, rounds = result.order, path_score, []
    if continued:
        options = continuation_options(continuation or {})
        trace = search.search(n, lookup.score, initial={"orders": [result.order]}, **options)
        order, rounds = trace["order"], trace["rounds"]
        score = float(lookup.score([order])[0])
    return {"order": [int(step) for step in order], "costs": costs, "path": result.as_dict(),
            "one_step_score": one_step, "path_score": path_score, "continued": bool(continued), "score": score,
            "continuation": rounds,
            "seconds": {"costs": solving - start, "solve": solved - solving,
                        "continuation": time.perf_counter() - solved}}  # fmt: skip


def path_round(data: dict, rows, settings: dict, folder) -> dict:
    """A path search's one round in ``folder``: the lookup ranker fitted as ``rank_by: lookup`` fits it, on
    ``rows`` = (x, y, validation x, validation y) (the search's profile's training and validation rows; ``data``:
    its data spec, :meth:`cotorder.runs.Profile.replicate`), :func:`discover` with the round's ``settings``
    (:meth:`cotorder.runs.Plan.search_round`), the cost table (``costs.csv``) and its heatmap with the found path
    (``costs.png``), and ``losses.csv`` (the path's order and, where continued, the found order: each one's
    one-step score and full score).  Returns the round's record (``kept.json``): the found order kept, its score,
    and what :func:`discover` says (no times: the same config gives the same bytes)."""
    from .datafiles import atomic_write
    from .lookup import LOOKUP, Lookup
    from .tasks import Task

    folder = Path(folder)
    task, n = Task.from_settings(data["task"]), data["n"]
    lookup = Lookup.for_task(task, n, *rows)
    found = discover(lookup, settings["time_limit"], settings.get("solution_limit"), settings.get("continuation"))
    path = found["path"]
    write_costs(found["costs"], folder / "costs.csv")
    state = "optimal" if path["optimal"] else path["status"]
    plot_costs(found["costs"], folder / "costs.png", order=path["order"],
               title=f"{task.label}, n = {n}: transition costs and their shortest path ({path['method']}, {state}; "
                     f"{path['cost'] / n:.3f} nats per token)")  # fmt: skip
    parts = [(path["order"], "path", found["one_step_score"], found["path_score"])]
    if found["continued"]:
        parts.append((found["order"], "continued", path_cost(found["costs"], found["order"]) / n, found["score"]))
    table = pd.DataFrame([{"order": " ".join(map(str, order)), "part": part, "one_step_score": one, "score": full}
                          for order, part, one, full in parts])  # fmt: skip
    with atomic_write(folder / "losses.csv", "w") as handle:
        table.to_csv(handle, index=False, float_format="%.6g")
    return {"move": "path", "size": n, "keep": 1, "candidates": 1 + sum(r["candidates"] for r in found["continuation"]),
            "kept": [found["order"]], "scores": [found["score"]], "median": found["score"], "baseline": None,
            "rank_by": LOOKUP, "path": path, "one_step_score": found["one_step_score"],
            "path_score": found["path_score"], "continued": found["continued"], "margin": TWO_STEP_MARGIN,
            "continuation": found["continuation"]}  # fmt: skip


def method_label(result: dict) -> str:
    """What found a search's order (a :func:`cotorder.search.search_trace` result): ``path`` (the shortest path,
    one step enough), ``path+search`` (one step not enough: the converging search continued from it), or
    ``global_local`` (the global–local search's rounds)."""
    last = result["rounds"][-1]
    if last.get("move") != "path":
        return "global_local"
    return "path+search" if last["continued"] else "path"
