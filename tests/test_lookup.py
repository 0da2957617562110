"""The lookup ranker (cotorder/lookup.py): hand-worked cases, the held-out guard, and the transition costs."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from cotorder.lookup import Lookup

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "tasks"


def _example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _affine(rows: int, n: int, p: int, seed: int = 0):
    """y_0 = x_0, y_t = (y_{t-1} + 2 x_t) mod p: each step a function of the step before and one input."""
    x = np.random.default_rng(seed).integers(0, p, size=(rows, n))
    y = np.empty_like(x)
    y[:, 0] = x[:, 0]
    for t in range(1, n):
        y[:, t] = (y[:, t - 1] + 2 * x[:, t]) % p
    return x, y


def test_a_step_that_is_a_function_of_the_step_before_and_one_input_costs_nothing():
    x, y = _affine(2000, 6, 5)
    lookup = Lookup(x, y)
    assert lookup.score([list(range(6))])[0] < 0.01
    # each place's context holds the step just before it and its own input (the first: its input alone; the second
    # is x_0 + 2 x_1, two inputs: on a tie the context with fewer steps is chosen)
    places = lookup.contexts(list(range(6)))
    assert [(p["steps"], p["inputs"]) for p in places] == [([], [0]), ([], [0, 1])] + [([t - 1], [t]) for t in
                                                                                        range(2, 6)]  # fmt: skip


def test_a_flat_tasks_places_that_cannot_be_looked_up_cost_ln_p():
    """cumsum mod p: with the inputs uniform, y_t is uniform given any two other steps and two inputs unless a step
    within two places of t is among them.  In this order every step is three or more places from the two written
    before it: only y_0 = x_0 and y_1 = x_0 + x_1 (inputs alone) can be looked up; every other place costs ln p."""
    p, order = 5, [2, 5, 8, 1, 4, 7, 0, 3, 6]
    x = np.random.default_rng(1).integers(0, p, size=(3000, 9))
    lookup = Lookup(x, _example("cumsum").outputs(x, p))
    costs = dict(zip(order, lookup.place_costs([order])[0], strict=True))
    assert costs[0] < 0.01 and costs[1] < 0.01
    assert [costs[t] for t in range(2, 9)] == pytest.approx([math.log(p)] * 7, abs=0.08)
    assert lookup.score([list(range(9))])[0] < 0.01  # forward: every step from the one before and its input


def test_two_steps_before_are_used_where_a_step_needs_them():
    """y_t = (y_{t-1} + y_{t-2} + x_t) mod p: with the two steps before, nothing to learn; with one, ln p a place."""
    p, n = 5, 6
    x = np.random.default_rng(2).integers(0, p, size=(3000, n))
    y = np.zeros_like(x)
    for t in range(n):
        y[:, t] = ((y[:, t - 1] if t >= 1 else 0) + (y[:, t - 2] if t >= 2 else 0) + x[:, t]) % p
    forward = list(range(n))
    assert Lookup(x, y).score([forward])[0] < 0.02
    one_step = Lookup(x, y, steps=1).place_costs([forward])[0]
    assert one_step[:2] == pytest.approx([0, 0], abs=0.02)  # x_0, then y_0 and x_1
    assert one_step[3:] == pytest.approx([math.log(p)] * (n - 3), abs=0.08)  # y_2 = y_1 + x_0 + x_1 + x_2: partly


def test_held_out_rows_keep_a_large_context_from_looking_perfect_on_random_data():
    """CoT values drawn at random, independent of everything: an in-sample table of two steps and an input (8,000
    cells, 1,000 rows) predicts its own rows almost perfectly; the ranker, which scores rows it did not fit, gives
    every order about ln V."""
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 20, size=(2000, 6)), rng.integers(0, 20, size=(2000, 6))
    key = (y[:1000, 0] * 20 + y[:1000, 1]) * 20 + x[:1000, 2]
    cells, counts = np.unique(key * 20 + y[:1000, 2], return_counts=True)
    contexts, context_counts = np.unique(key, return_counts=True)
    in_sample = -np.mean(np.log(counts[np.searchsorted(cells, key * 20 + y[:1000, 2])]
                                / context_counts[np.searchsorted(contexts, key)]))  # fmt: skip
    assert in_sample < 0.1
    scores = Lookup(x, y, values=20).score([list(range(6)), [5, 3, 1, 0, 2, 4]])
    assert (scores > math.log(20) - 0.05).all()


def test_transition_costs_are_the_one_step_rankers_place_costs():
    x, y = _affine(1500, 7, 5, seed=4)
    y = np.where(np.random.default_rng(5).random(y.shape) < 0.2, (y + 1) % 5, y)  # some noise: costs differ
    costs = Lookup(x, y).transition_costs()
    assert costs.shape == (8, 7) and np.isinf(costs[np.arange(7), np.arange(7)]).all()
    one_step = Lookup(x, y, steps=1, inputs=1)
    assert np.array_equal(one_step.transition_costs(), costs)  # the same table whichever ranker computes it
    orders = [np.random.default_rng(seed).permutation(7).tolist() for seed in range(6)]
    paths = [np.mean([costs[a, b] for a, b in zip([7, *order[:-1]], order, strict=True)]) for order in orders]
    assert one_step.score(orders) == pytest.approx(paths, abs=1e-12)
    # a step t ≥ 2 (not a function of inputs alone) is cheap only beside t - 1 or t + 1, uniform three places away
    assert all(costs[t - 1, t] < 1.0 and costs[t + 1, t] < 1.0 for t in range(2, 6))
    assert all(costs[t - 3, t] == pytest.approx(math.log(5), abs=0.05) for t in range(3, 7))


def test_the_same_rows_give_the_same_numbers_and_validation_rows_are_reported_on():
    x, y = _affine(1200, 5, 7, seed=6)
    orders = [np.random.default_rng(seed).permutation(5).tolist() for seed in range(4)]
    assert np.array_equal(Lookup(x, y).score(orders), Lookup(x.copy(), y.copy()).score(orders))
    held = Lookup(x[:1000], y[:1000], validation=(x[1000:], y[1000:])).score(orders)
    assert held.shape == (4,) and np.isfinite(held).all()
    assert not np.array_equal(held, Lookup(x[:1000], y[:1000]).score(orders))


def test_bad_orders_and_rows_are_named():
    x, y = _affine(100, 4, 3)
    lookup = Lookup(x, y)
    with pytest.raises(ValueError, match=r"order \[0, 1, 1, 3\] is not a permutation of 0 … 3"):
        lookup.score([[0, 1, 2, 3], [0, 1, 1, 3]])
    with pytest.raises(ValueError, match="expected two"):
        Lookup(x, y[:, :3])
    with pytest.raises(ValueError, match="too few"):
        Lookup(x[:1], y[:1])


def test_the_new_tasks_friendly_orders_are_what_their_files_say():
    """Each scrambled example's sigma(n) is the order its recurrence visits: written in it, each step is a lookup
    of the steps written just before it and one input (scrambled Fibonacci: the two steps before)."""
    rng = np.random.default_rng(7)
    square, fibonacci = _example("scrambled_square"), _example("scrambled_fibonacci")
    x = rng.integers(-9, 10, size=(4000, 8))
    sigma = square.sigma(8)
    assert sigma == [5, 0, 1, 4, 2, 6, 3, 7]
    y = square.outputs(x)
    z = x[:, sigma[0]]
    for place in sigma[1:]:
        z = (x[:, place] ** 2 + z**2) % 19 - 9
        assert np.array_equal(y[:, place], z)
    lookup = Lookup(x, y)
    assert lookup.score([sigma])[0] < 0.05 and lookup.score([list(range(8))])[0] > 0.5
    x = rng.integers(0, 13, size=(4000, 8))
    sigma, y = fibonacci.sigma(8), fibonacci.outputs(x)
    assert sigma == [6, 5, 7, 2, 3, 4, 0, 1]
    assert np.array_equal(y[:, sigma[2]], (y[:, sigma[1]] + y[:, sigma[0]] + x[:, sigma[2]]) % 13)
    scores = Lookup(x, y).score([sigma, list(range(8)), sigma[::-1]])
    assert scores[0] < scores[1] and scores[0] < scores[2]


def test_transition_costs_hold_one_input_so_a_step_of_two_inputs_written_first_is_not_free():
    """y_0 = x_0 and y_1 = x_0 + 2 x_1 (mod 5): with two inputs y_1 costs nothing written first, and y_0, an input's
    copy, nothing written last, so the order 1 2 … 5 0 would tie with forward.  The transition costs hold the step
    before and one input: writing y_1 first costs what one input leaves unknown (≈ ln 5), and the shortest path is
    forward alone; the full ranker (two inputs) still scores both orders ≈ 0."""
    from cotorder.paths import path_cost, shortest_path

    x, y = _affine(3000, 6, 5, seed=7)
    lookup = Lookup(x, y)
    costs = lookup.transition_costs()
    assert costs[6, 1] == pytest.approx(math.log(5), abs=0.08) and costs[0, 1] < 0.01
    tie = [1, 2, 3, 4, 5, 0]
    assert lookup.score([list(range(6)), tie]) == pytest.approx([0, 0], abs=0.01)
    assert path_cost(costs, tie) - path_cost(costs, list(range(6))) > 1.0
    assert shortest_path(costs, "exact").order == list(range(6))
