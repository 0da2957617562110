"""The shortest path through a transition-cost table (cotorder/paths.py): planted paths found by both methods, the
solver agreeing with the exact method, and bad tables refused with a line naming the entry."""

import itertools

import numpy as np
import pytest

from cotorder import paths


def planted(n: int, seed: int, cheap: float = 0.1, low: float = 1.0, high: float = 3.0):
    """A table whose arcs cost ``low`` … ``high`` except one hidden path's, which cost ``cheap``; and that path."""
    rng = np.random.default_rng(seed)
    table = rng.uniform(low, high, size=(n + 1, n))
    target = rng.permutation(n).tolist()
    table[n, target[0]] = cheap
    for a, b in itertools.pairwise(target):
        table[a, b] = cheap
    return table, target


def brute_force(table):
    n = table.shape[1]
    return min(itertools.permutations(range(n)), key=lambda order: paths.path_cost(table, order))


def test_path_cost_sums_start_then_each_transition():
    table = np.arange(12, dtype=float).reshape(4, 3)  # rows 0, 1, 2 and the start (row 3)
    # start -> 2 (table[3, 2] = 11), 2 -> 0 (table[2, 0] = 6), 0 -> 1 (table[0, 1] = 1)
    assert paths.path_cost(table, [2, 0, 1]) == 18


@pytest.mark.parametrize("n", [2, 5, 9, 14])
def test_exact_recovers_a_planted_path(n):
    table, target = planted(n, seed=n)
    result = paths.shortest_path(table, method="exact")
    assert result.order == target
    assert result.method == "exact" and result.status == "optimal" and result.optimal
    assert result.cost == pytest.approx(0.1 * n)


def test_exact_matches_brute_force_on_random_tables():
    for seed in range(5):
        table = np.random.default_rng(seed).uniform(-1, 2, size=(7, 6))  # negative costs too
        order, cost = paths.exact_path(table)
        best = brute_force(table)
        assert order == list(best)
        assert cost == pytest.approx(paths.path_cost(table, best))


def test_exact_ignores_the_diagonal():
    table, target = planted(6, seed=1)
    np.fill_diagonal(table[:6], -100.0)  # a step after itself: never taken, even when it looks cheapest
    table[0, 0] = np.nan
    assert paths.shortest_path(table, method="exact").order == target


def test_solver_recovers_a_planted_path_and_proves_it():
    table, target = planted(40, seed=3)
    result = paths.shortest_path(table, method="auto", time_limit=10)
    assert result.method == "solver"
    assert result.order == target
    # every step entered by its cheapest arc: the solver's bound is met and it stops there, optimal
    assert result.status == "ROUTING_OPTIMAL" and result.optimal and result.objective == 0
    assert result.cost == pytest.approx(4.0)


@pytest.mark.parametrize(("n", "seed"), list(itertools.product([6, 8, 10], range(3))))
def test_solver_agrees_with_exact_on_random_tables(n, seed):
    # a solution limit, not a time limit: the same answer on a loaded machine (random tables of n <= 12 needed at
    # most 1,600 solutions in 80 tried)
    table = np.random.default_rng([n, seed]).uniform(0, 3, size=(n + 1, n))
    exact = paths.shortest_path(table, method="exact")
    found = paths.shortest_path(table, method="solver", time_limit=60, solution_limit=3000)
    assert found.order == exact.order
    assert found.cost == pytest.approx(exact.cost)
    # its objective is the cost less every column's least entry, in integer units
    shift = paths.lower_bound(table)
    assert found.objective == pytest.approx((found.cost - shift) * found.scale, abs=n)


def test_lower_bound_holds_and_is_met_by_a_free_path():
    table = np.random.default_rng(0).uniform(0, 1, size=(8, 7))
    result = paths.shortest_path(table)
    assert result.lower_bound <= result.cost
    table, _ = planted(7, seed=0)
    assert paths.shortest_path(table).cost == pytest.approx(paths.lower_bound(table))


def test_cost_table_round_trips_through_csv(tmp_path):
    table, _ = planted(5, seed=2)
    paths.write_costs(table, tmp_path / "costs.csv")
    text = (tmp_path / "costs.csv").read_text().splitlines()
    assert text[0] == "from,0,1,2,3,4" and text[-1].startswith("start,")
    back = paths.read_costs(tmp_path / "costs.csv")
    off = ~np.eye(6, 5, dtype=bool)
    np.testing.assert_allclose(back[off], table[off], rtol=1e-5)
    assert np.isnan(np.diag(back[:5])).all()


def test_heatmap_is_drawn(tmp_path):
    table, target = planted(6, seed=4)
    paths.plot_costs(table, tmp_path / "costs.png", order=target, known=target, title="planted")
    assert (tmp_path / "costs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (np.zeros((4, 4)), r"costs: shape \(4, 4\): expected \(n\+1, n\)"),
        (np.zeros((5, 3)), r"shape \(5, 3\)"),
        (np.zeros(4), r"shape \(4,\)"),
        (np.zeros((1, 0)), r"shape \(1, 0\)"),
        (np.array([[0, np.nan], [1, 0], [2, 3]]), r"costs\[0, 1\] \(step 0 -> step 1\): nan: expected a finite"),
        (np.array([[0, 1.0], [1, 0], [np.inf, 3]]), r"costs\[2, 0\] \(start -> step 0\): inf"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"]]), r"entries of type <U1: expected real numbers"),
    ],
)
def test_bad_tables_are_refused_with_the_entry(table, message):
    for method in paths.METHODS:
        with pytest.raises(paths.CostTableError, match=message):
            paths.shortest_path(table, method=method)


def test_bad_settings_are_refused():
    table, _ = planted(4, seed=0)
    with pytest.raises(ValueError, match="path method 'fastest': expected one of auto, exact, solver"):
        paths.shortest_path(table, method="fastest")
    with pytest.raises(ValueError, match="time_limit: 0: expected a positive number of seconds"):
        paths.shortest_path(table, method="solver", time_limit=0)
    with pytest.raises(ValueError, match="exact method's limit of 20"):
        paths.exact_path(np.zeros((22, 21)))
    with pytest.raises(ValueError, match=r"order \[0, 0, 1, 2\]: expected a permutation"):
        paths.path_cost(table, [0, 0, 1, 2])


def test_a_corrupt_csv_is_named(tmp_path):
    bad = tmp_path / "costs.csv"
    bad.write_text("from,0,1\n0,,x\n1,2,\nstart,1,1\n")
    with pytest.raises(paths.CostTableError, match=rf"{bad}"):
        paths.read_costs(bad)
