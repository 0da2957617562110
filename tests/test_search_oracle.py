"""The search driver (cotorder.search.search) with synthetic rankers: its moves alone, a ranker right by construction.

The oracle's score of an order is its Kendall distance to a hidden target: with it, the converging search (the
default climb) must return the target itself; the paper's schedule (``climb: false``) is shown to miss.
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from cotorder.search import (
    climb_candidates,
    found_orders,
    insertion_moves,
    kendall_distance,
    kendall_distances,
    oracle,
    plan_rounds,
    play_round,
    schedule,
    search,
)

# The search as a user plans it at these n: K = 3 (24 random initial orders), block lengths up to 4.
SETTINGS = {"depth": 3, "max_block": 4}


def targets(n: int, count: int = 20) -> list[list[int]]:
    return [np.random.default_rng([n, i]).permutation(n).tolist() for i in range(count)]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6])
def test_insertion_moves_are_every_order_one_step_moved_away_n_minus_1_squared_of_them(n):
    order = np.random.default_rng(n).permutation(n).tolist()
    moves = insertion_moves(order)
    assert len(moves) == len({tuple(m) for m in moves}) == (n - 1) ** 2
    # every other order in which some step's removal leaves the same sequence as in `order`: one step moved
    moved = {p for p in itertools.permutations(order) if list(p) != order and
             any([s for s in p if s != step] == [s for s in order if s != step] for step in order)}  # fmt: skip
    assert {tuple(m) for m in moves} == moved
    assert all(order[:i] + [order[i + 1], order[i]] + order[i + 2 :] in moves for i in range(n - 1))  # adjacent swaps
    assert climb_candidates(order, 3) == [order, *moves]


def test_kendall_distances_are_kendall_distance_at_once():
    rng = np.random.default_rng(0)
    orders, target = [rng.permutation(9).tolist() for _ in range(30)], rng.permutation(9).tolist()
    assert kendall_distances(orders, target).tolist() == [kendall_distance(o, target) for o in orders]


@pytest.mark.parametrize("n", [8, 12, 16])
def test_with_a_perfect_oracle_the_search_returns_the_target(n):
    """20 random targets, each from its own 24 random initial orders: the default search finds every one exactly."""
    for i, target in enumerate(targets(n)):
        found = search(n, oracle(target), initial={"kind": "random", "seed": i}, **SETTINGS)
        assert found["order"] == target, (n, i, kendall_distance(found["order"], target))


def test_the_driver_plays_the_per_block_local_stage_too():
    """intra: per_block in one call: each block's arrangements ranked alone, the combination checked against the
    incumbent (``compared``), then the climb: the target, at n = 8."""
    for i, target in enumerate(targets(8, 5)):
        found = search(8, oracle(target), initial={"kind": "random", "seed": i}, intra="per_block", **SETTINGS)
        assert found["order"] == target
        assert all("blocks" in r and "compared" in r for r in found["rounds"] if r["move"] == "intra")


def test_the_papers_schedule_stops_short_of_the_target_where_the_climb_reaches_it():
    """The paper's schedule (climb: false) with the same oracle at n = 12: most searches end short of the target, so
    the test above tests the climb."""
    distances = [
        kendall_distance(search(12, oracle(target), initial={"kind": "random", "seed": i}, climb=False, **SETTINGS)[
            "order"], target)
        for i, target in enumerate(targets(12))
    ]  # fmt: skip
    assert sum(d == 0 for d in distances) < 10 and np.mean(distances) >= 1


def test_the_trace_has_every_round_and_a_climb_that_ends_passes_through():
    n, target = 8, targets(8)[0]
    found = search(n, oracle(target), initial={"kind": "random", "seed": 0}, **SETTINGS)
    rounds = found["rounds"]
    assert [(r["move"], r["size"]) for r in rounds] == schedule(n, 3, climb=n)  # the climb's rounds default to n
    assert found["order"] == rounds[-1]["kept"][0] and found["n"] == n
    climbs = [r for r in rounds if r["move"] == "climb"]
    ended = next(i for i, r in enumerate(climbs) if r.get("converged"))
    assert all(r.get("passed") and r["candidates"] == 0 for r in climbs[ended + 1 :])
    assert all(not r.get("passed") for r in climbs[: ended + 1]) and climbs[0]["candidates"] >= 1 + (n - 1) ** 2
    assert all(r["baseline"] is None for r in rounds)  # a synthetic ranker has none
    row = found_orders({0: found}).iloc[0]
    assert row["kendall_to_forward"] == kendall_distance(target, list(range(n))) and np.isnan(
        row["margin_below_baseline"]
    )


def test_a_start_given_directly_is_where_the_search_starts():
    """initial: {orders: [order]}: one order (e.g. a shortest path's) the search starts from; with the global stage
    and the paper's local stage at their smallest it is the climb alone that moves it, to the target."""
    n, target = 10, targets(10)[1]
    start = list(range(n))
    found = search(n, oracle(target), depth=1, initial={"orders": [start]}, max_block=2)
    assert found["rounds"][0]["candidates"] == 1 and found["rounds"][0]["kept"] == [start]
    assert found["order"] == target


def test_options_are_the_configs_keys():
    score = oracle(list(range(6)))
    with pytest.raises(TypeError, match="unknown option"):
        search(6, score, depth=2, initial={"kind": "random"}, rounds=3)
    with pytest.raises(TypeError, match="depth and initial are required"):
        search(6, score, depth=2)
    with pytest.raises(ValueError, match="climb.steps"):
        search(6, score, depth=2, initial={"kind": "random"}, climb={"steps": 2})
    assert [r["move"] for r in plan_rounds(6, 2, climb=False)] == [m for m, _ in schedule(6, 2)]  # the paper's
    assert [r["confirm"] for r in plan_rounds(6, 2, climb={"rounds": 2}) if r["move"] == "climb"] == [3, 3]
    assert plan_rounds(6, 2, local=False) == plan_rounds(6, 2, local=False, climb=False)  # the climb is local


def ranker(scores: dict, calls: list):
    """play_round's ranker from a table of scores: ``scores[part]`` maps an order (text) to its score (default 5)."""

    def profile(candidates, part, fresh):
        calls.append((part, fresh))
        table = pd.DataFrame({"order": [" ".join(map(str, c)) for c in candidates]})
        table["score"] = [scores.get(part, {}).get(order, 5.0) for order in table["order"]]
        return table.sort_values("score", kind="stable").reset_index(drop=True)

    return profile


INCUMBENT, MOVE = [0, 1, 2, 3], [1, 0, 2, 3]


@pytest.mark.parametrize("wins", [True, False])
def test_a_climb_round_keeps_its_best_move_only_if_it_wins_when_re_scored(wins):
    """The move scores best in the round; re-scored against the incumbent alone three times (each a fresh replicate
    of its own), it is kept only if its mean is the lower: it wins 2 of 3 both times, and only one mean is lower."""
    moves = {"0 1 2 3": 1.0, "1 0 2 3": 0.0}
    pairs = [(0.0, 1.0), (0.0, 1.0), (2.5, 1.0)] if wins else [(0.0, 1.0), (0.0, 1.0), (5.0, 1.0)]
    scores = {"moves": moves, **{f"confirm{i}": {"1 0 2 3": a, "0 1 2 3": b} for i, (a, b) in enumerate(pairs, 1)}}
    calls = []
    record, tables = play_round("climb", 2, 1, [INCUMBENT], ranker(scores, calls), confirm=3)
    assert calls == [("moves", 4), ("confirm1", 5), ("confirm2", 6), ("confirm3", 7)]  # round 2: fresh (2-1)(3+1)...
    assert [part for part, _ in tables] == ["moves", "confirm1", "confirm2", "confirm3"]
    assert len(tables[0][1]) == 1 + 9 and record["candidates"] == 10 + 2 * 3
    assert record["kept"] == [MOVE if wins else INCUMBENT] and "converged" not in record  # the climb goes on
    assert record["scores"] == [pytest.approx(2.5 / 3 if wins else 1.0)]  # the kept order's mean re-scored
    assert ("rejected" in record) == (not wins)


def test_a_climb_ends_when_no_move_scores_below_the_incumbent_and_then_passes_through():
    calls = []
    profile = ranker({"moves": {"0 1 2 3": 0.5}}, calls)  # every move scores 5
    record, tables = play_round("climb", 1, 1, [INCUMBENT], profile, confirm=3)
    assert calls == [("moves", 0)] and record["kept"] == [INCUMBENT] and record["converged"]
    assert record["scores"] == [0.5] and record["median"] == 5.0
    after, tables = play_round("climb", 2, 1, record["kept"], profile, confirm=3, previous=record)
    assert len(calls) == 1 and tables == [] and after["passed"] and after["candidates"] == 0
    assert after["kept"] == [INCUMBENT] and after["scores"] == [0.5] and after["converged"]


def test_a_ranker_that_repeats_its_losing_move_ends_the_climb():
    """A deterministic ranker whose round prefers a move its re-scoring refuses would ask the same again: the next
    round sees the same loser with the same score and ends the climb without re-scoring it."""
    scores = {"moves": {"0 1 2 3": 1.0, "1 0 2 3": 0.0}, "confirm1": {"0 1 2 3": 0.0, "1 0 2 3": 1.0}}
    calls = []
    first, _ = play_round("climb", 1, 1, [INCUMBENT], ranker(scores, calls), confirm=1)
    assert first["kept"] == [INCUMBENT] and first["rejected"] == ["1 0 2 3", 0.0] and not first.get("converged")
    second, _ = play_round("climb", 2, 1, first["kept"], ranker(scores, calls), confirm=1, previous=first)
    assert second["converged"] and calls == [("moves", 0), ("confirm1", 1), ("moves", 2)]


def test_with_noise_afresh_the_climbs_re_scoring_keeps_it_near_the_target():
    """An oracle with noise of sd 1 pair drawn afresh at every score, n = 8, 10 targets: the default climb (its best
    move re-scored 3 times) ends nearer the target than the paper's schedule, on the mean over the same targets."""
    paper, climb = [], []
    for i, target in enumerate(targets(8, 10)):
        for found, climbing in ((paper, False), (climb, True)):
            order = search(8, oracle(target, 1.0, fresh=True, seed=i), initial={"kind": "random", "seed": i},
                           climb=climbing, **SETTINGS)["order"]  # fmt: skip
            found.append(kendall_distance(order, target))
    assert np.mean(climb) < np.mean(paper)
