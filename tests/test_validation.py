"""A profile's ground truth: which candidates it trains, and the table that puts their success beside the rankings."""

import numpy as np
import pandas as pd
import pytest

from cotorder.evidence import spearman
from cotorder.runs import ConfigError, plan
from cotorder.validation import (
    RANKINGS,
    bootstrap_interval,
    correlations,
    ground_truth_markdown,
    ground_truth_table,
    paired_difference_interval,
    pick_positions,
    picked_orders,
    plot_ground_truth,
    seed_correlations,
    success_rank,
    validation_table,
)


def test_picks_are_the_top_the_bottom_and_an_even_spread_between():
    positions = pick_positions(10, 30)
    assert [p for p, why in positions if why == "top"] == [0, 1, 2]  # ⌈10/4⌉
    assert [p for p, why in positions if why == "bottom"] == [28, 29]  # ⌈10/6⌉
    spread = [p for p, why in positions if why == "spread"]
    assert len(spread) == 5 and all(3 <= p <= 27 for p in spread)
    gaps = np.diff([2, *spread, 28])
    assert gaps.max() - gaps.min() <= 1  # evenly spaced between the top and the bottom
    assert [p for p, _ in positions] == sorted({p for p, _ in positions})  # distinct, best first


@pytest.mark.parametrize("picks,others", [(1, 5), (2, 5), (4, 5), (7, 9), (12, 30), (30, 30)])
def test_picks_are_distinct_places_of_the_ranking(picks, others):
    positions = [p for p, _ in pick_positions(picks, others)]
    assert len(positions) == len(set(positions)) == min(picks, others)
    assert all(0 <= p < others for p in positions) and positions[0] == 0


def test_more_picks_than_candidates_trains_them_all():
    assert pick_positions(8, 3) == [(0, "all"), (1, "all"), (2, "all")]


def ranked_summary(orders, labels=None):
    """A summary ranked in the given order (best first)."""
    labels = labels or [""] * len(orders)
    return pd.DataFrame({"rank": range(1, len(orders) + 1), "order": orders, "label": labels,
                         "score_mean": np.linspace(1.0, 2.0, len(orders)), "baseline": 3.0})  # fmt: skip


def test_picks_leave_forward_and_inverse_to_their_own_directions():
    summary = ranked_summary(["0 1 2", "1 0 2", "2 1 0", "0 2 1", "2 0 1"], ["forward", "", "inverse", "", ""])
    picks = picked_orders(summary, 2)
    assert picks == [{"order": [1, 0, 2], "rank": 2, "why": "top"}, {"order": [2, 0, 1], "rank": 5, "why": "bottom"}]


def losses(orders, scores, baselines):
    """A replicate's ranked losses.csv: two scoring points (the first 0.5 above the last), score = their mean."""
    scores = np.asarray(scores, dtype=float)
    table = pd.DataFrame({"order": orders, "loss_step1": scores + 0.25, "loss_step2": scores - 0.25,
                          "baseline": baselines})  # fmt: skip
    table["score"] = table[["loss_step1", "loss_step2"]].mean(axis=1)
    return table.sort_values("score").reset_index(drop=True)


def test_the_table_and_correlations_of_a_ranking_that_predicts_success():
    orders = ["0 1 2 3", "1 0 2 3", "0 1 3 2", "3 2 1 0", "2 3 0 1", "1 0 3 2"]
    model = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]  # the model ranks them as listed
    baseline = [2.0, 1.9, 1.8, 1.7, 1.6, 1.5]  # the baseline the other way round
    tables = {seed: losses(orders, np.add(model, 0.01 * seed), baseline) for seed in (1, 2)}
    summary = ranked_summary(orders, ["forward", "", "", "inverse", "", ""])
    summary["score_mean"] = np.add(model, 0.015)
    summary["baseline"] = baseline
    success = [0.9, 0.8, 0.5, 0.4, 0.2, 0.1]
    runs = [({"success_rate": s, "token_accuracy": 1.0, "final_accuracy": s},
             {"success_rate": s - 0.1, "token_accuracy": 0.5, "final_accuracy": s}) for s in success]  # fmt: skip
    metrics = {order: list(pair) for order, pair in zip(orders, runs, strict=True)}
    table = validation_table(summary, tables, dict(reversed(list(metrics.items()))))
    assert table["order"].tolist() == orders and table["profile_rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["baseline_rank"].tolist() == [6, 5, 4, 3, 2, 1]
    assert table["label"].tolist() == ["forward", "", "", "inverse", "", ""]
    assert table["success"].tolist() == pytest.approx(np.subtract(success, 0.05).tolist())
    assert table["success_sd"].tolist() == pytest.approx([np.std([s, s - 0.1], ddof=1) for s in success])
    assert table["token_accuracy"].tolist() == [0.75] * 6 and table["seeds"].tolist() == [2] * 6
    assert table["score_first"].tolist() == pytest.approx(np.add(model, 0.265).tolist())  # mean over seeds + 0.25
    assert table["rank_margin"].tolist() == [1, 2, 3, 4, 5, 6]  # end-of-run loss − baseline, lowest first
    by = correlations(table).set_index("ranking")
    assert set(by.index) == {"profile", "first", "final", "mean", "margin", "baseline"}
    assert by.loc["profile", "spearman"] == pytest.approx(1.0) and by.loc["baseline", "spearman"] == pytest.approx(-1.0)
    assert by.loc["profile", "ci_low"] > 0.5 and by.loc["baseline", "ci_high"] < -0.5
    assert by.loc["profile", "top_order"] == "0 1 2 3" and by.loc["profile", "top_success_rank"] == 1  # the best
    assert by.loc["baseline", "top_order"] == "1 0 3 2" and by.loc["baseline", "top_success_rank"] == 6  # the worst
    assert (by["random_rank"] == 3.5).all()
    # model − baseline: 1 − (−1), and so in every resample (the same resampled orders for both rankings)
    assert by.loc["profile", ["minus_baseline", "minus_baseline_low", "minus_baseline_high"]].tolist() == [2, 2, 2]
    assert by.loc["baseline", ["minus_baseline", "minus_baseline_low", "minus_baseline_high"]].tolist() == [0, 0, 0]
    assert (by["orders"] == 6).all() and by["spearman_token_accuracy"].isna().all()  # the same for every order


def test_a_trained_order_that_is_no_candidate_is_refused():
    orders = ["0 1 2", "2 1 0"]
    tables = {0: losses(orders, [1.0, 2.0], [3.0, 3.0])}
    metrics = {"1 0 2": [{"success_rate": 1.0, "token_accuracy": 1.0, "final_accuracy": 1.0}]}
    with pytest.raises(ValueError, match="'1 0 2' is not among the profile's candidates"):
        validation_table(ranked_summary(orders), tables, metrics)


PROFILE = {"task": "relu", "n": 4, "candidates": {"kind": "forward_plus_random", "count": 6, "seed": 1,
           "include": ["inverse"]}, "train_samples": 300, "validation_samples": 20, "score_points": 2}  # fmt: skip
TASK = {"kind": "relu", "n": [4], "directions": ["forward"], "seeds": [1, 2], "train_samples": 300, "test_samples": 40}


def test_validate_trains_forward_inverse_and_picks_as_runs_of_the_task_with_its_seeds():
    found = plan({"tasks": {"relu": TASK}, "profiles": {"p": {**PROFILE, "validate": {"orders": 5}}}})
    directions = ["forward", "inverse", "p_pick1", "p_pick2", "p_pick3"]
    assert [run.direction for run in found.validation_runs("p")] == directions
    assert all(run.seeds == (1, 2) and run.n == 4 for run in found.validation_runs("p"))
    assert found.picked("p_pick2") == ("p", 2) and found.picked("forward") is None
    pick = found.runs["relu", 4, "p_pick2"]
    assert pick.data["positions"] is None and pick.training["data"]["order"] == "p_pick2"  # read when the job runs
    assert pick.data["train_samples"] == 300  # the task's training split, not the profile's
    assert found.validation_files("{profile}/pick{pick}") == ["p/pick1", "p/pick2", "p/pick3"]
    assert len(found.validation_replicates("p")) == 10


def test_without_validate_a_profile_adds_no_run():
    found = plan({"tasks": {"relu": TASK}, "profiles": {"p": PROFILE}})
    assert list(found.runs) == [("relu", 4, "forward")] and found.validation_files("{profile}") == []


def test_validate_more_orders_than_candidates_is_refused():
    with pytest.raises(ConfigError, match=r"^profiles\.p\.validate\.orders: 7 orders to train, but the profile has 6"):
        plan({"tasks": {"relu": TASK}, "profiles": {"p": {**PROFILE, "validate": {"orders": 7}}}})


def test_each_replicate_s_ranking_is_correlated_with_success_on_its_own():
    orders = ["0 1 2", "1 0 2", "2 1 0", "0 2 1"]
    success = {"0 1 2": 1.0, "1 0 2": 0.7, "2 1 0": 0.4, "0 2 1": 0.1}
    tables = {  # seed 1 ranks the orders as success does, seed 2 the other way round; the baseline the same in both
        1: losses(orders, [1.0, 1.1, 1.2, 1.3], [1.0, 2.0, 3.0, 4.0]),
        2: losses(orders, [1.3, 1.2, 1.1, 1.0], [1.0, 2.0, 3.0, 4.0]),
    }
    summary = ranked_summary(orders, ["forward", "", "inverse", ""])
    summary["score_mean"], summary["baseline"] = 1.15, [1.0, 2.0, 3.0, 4.0]
    metrics = {order: [{"success_rate": s, "token_accuracy": s, "final_accuracy": s}] for order, s in success.items()}
    table = validation_table(summary, tables, metrics)
    per_seed = seed_correlations(table, tables).set_index(["ranking", "seed"])
    assert per_seed.loc[("profile", 1), "spearman"] == pytest.approx(1.0)
    assert per_seed.loc[("profile", 2), "spearman"] == pytest.approx(-1.0)
    assert per_seed.loc[("mean", 1), "top_success_rank"] == 1 and per_seed.loc[("mean", 2), "top_success_rank"] == 4
    by = correlations(table, tables).set_index("ranking")
    assert by.loc["profile", "seed_spearman_mean"] == pytest.approx(0.0)
    assert by.loc["profile", "seed_spearman_sd"] == pytest.approx(np.sqrt(2))
    assert by.loc["profile", "seed_top_success_rank"] == pytest.approx(2.5)  # seeds 1 and 4 of 4
    assert by.loc["baseline", "seed_spearman_mean"] == pytest.approx(1.0)
    assert by.loc["baseline", "seed_spearman_sd"] == 0
    assert "seed_spearman_mean" not in correlations(table)  # without the replicates: no per-replicate columns


def test_the_top_order_s_success_rank_splits_ties_and_a_random_pick_expects_the_middle():
    """Where most trained orders fail alike, a top order that fails ranks below a random pick's expectation — where
    "reaches the median success" said yes (the median is 0)."""
    success = {"a": 1.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": 0.0}
    assert success_rank(success, "a") == 1 and success_rank(success, "b") == 3.5  # ranks 2 to 5 split
    assert np.mean([success_rank(success, order) for order in success]) == 3  # a random pick: (K + 1) / 2
    assert success_rank({"a": 0.5, "b": 0.5, "c": 0.1}, "b") == 1.5


def test_the_paired_interval_of_model_less_baseline_is_narrower_than_either_interval():
    """Two rankings of 12 orders that nearly agree: ρ with success of each is uncertain (wide intervals), their
    difference far less so, since each resample drops and repeats the same orders for both; the interval is the
    percentiles of ρ(model) − ρ(baseline) over the resamples, each ρ Spearman's."""
    rng = np.random.default_rng(5)
    success = rng.uniform(0, 1, 12)
    model = success + rng.normal(0, 0.3, 12)
    baseline = model + rng.normal(0, 0.05, 12)
    low, high = paired_difference_interval(model, baseline, success, resamples=200)
    widths = [np.subtract(*bootstrap_interval(ranking, success, resamples=200)[::-1]) for ranking in (model, baseline)]
    assert high - low < min(widths) / 2
    draws = np.random.default_rng(0).integers(0, 12, size=(200, 12))  # the bootstrap's resamples, by hand
    by_hand = [spearman(model[rows], success[rows]) - spearman(baseline[rows], success[rows]) for rows in draws]
    assert (low, high) == pytest.approx(tuple(np.nanpercentile(by_hand, [2.5, 97.5])))
    assert paired_difference_interval(model, model, success) == (0, 0)  # the same ranking: no difference


NAMED = {"g1": {"seed": 11}, "g2": {"seed": 12}, "g3": {"positions": [1, 0, 2, 3]}}
SHARED = {**PROFILE, "candidates": {**PROFILE["candidates"], "include": ["inverse", "g1", "g2", "g3"]},
          "validate": {"directions": ["forward", "inverse", "g1", "g2", "g3"]}}  # fmt: skip


def test_validate_directions_trains_the_named_orders_once_for_every_profile_naming_them():
    config = {"permutations": NAMED, "tasks": {"relu": TASK},
              "profiles": {"p": SHARED, "q": {**SHARED, "train": {"max_steps": 3}}}}  # fmt: skip
    found = plan(config)
    directions = ["forward", "inverse", "g1", "g2", "g3"]
    assert [run.direction for run in found.validation_runs("p")] == directions
    assert found.validation_runs("p") == found.validation_runs("q")  # the same runs: trained once
    assert sorted(found.runs) == sorted(("relu", 4, d) for d in directions)
    assert found.runs["relu", 4, "g3"].data["positions"] == [1, 0, 2, 3] and found.profiles["p"].picks == 0
    assert found.validation_files("{profile}") == ["p", "q"] and found.validation_files("{profile}/{pick}") == []
    candidates = found.profiles["p"].data["candidates"]
    assert candidates[:5] == [found.runs["relu", 4, d].data["positions"] for d in directions] and len(candidates) == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"candidates": PROFILE["candidates"]},
         r"^profiles\.p\.validate\.directions: 'g\d' \(the order \[.*\]\) is not among the profile's candidates; "
         "name it in candidates.include"),
        ({"validate": {"directions": ["forward", "g9"]}},
         r"^profiles\.p\.validate\.directions: 'g9': expected forward, inverse or a name from `permutations`"),
        ({"candidates": {**PROFILE["candidates"], "include": ["g9"]}},
         r"^profiles\.p\.candidates\.include: 'g9': expected forward, inverse or a name from `permutations`"),
        ({"validate": {"directions": ["g3", "g4"]}},
         r"^profiles\.p\.validate\.directions: 'g4' is the same order as 'g3' at n = 4"),
    ],
)  # fmt: skip
def test_validate_directions_that_cannot_be_trained_for_the_profile_are_refused(change, message):
    named = {**NAMED, "g4": {"positions": [1, 0, 2, 3]}}
    with pytest.raises(ConfigError, match=message):
        plan({"permutations": named, "tasks": {"relu": TASK}, "profiles": {"p": {**SHARED, **change}}})


def correlation_rows(model: float, baseline: float) -> pd.DataFrame:
    rows = [{"ranking": name, "spearman": model if name != "baseline" else baseline, "ci_low": -0.5, "ci_high": 0.9,
             "minus_baseline": model - baseline if name != "baseline" else 0.0, "minus_baseline_low": -0.1,
             "minus_baseline_high": 0.3, "orders": 16, "top_success_rank": 2.0 if name != "baseline" else 3.5,
             "random_rank": 8.5, "seed_spearman_mean": 0.25, "seed_spearman_sd": 0.1,
             "seed_top_success_rank": 4 / 3} for name in RANKINGS]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_ground_truth_table_puts_every_profile_s_rankings_side_by_side(tmp_path):
    table = ground_truth_table({"relu_T32": correlation_rows(0.6, -0.2), "square_T32": correlation_rows(0.1, 0.4)})
    assert table.columns[0] == "profile" and len(table) == 2 * len(RANKINGS)
    assert table.set_index(["profile", "ranking"]).loc[("square_T32", "baseline"), "spearman"] == 0.4
    lines = ground_truth_markdown(table).splitlines()
    assert len(lines) == 4 and lines[2].startswith("| relu_T32 | 16 | +0.60 [-0.50, +0.90]; +0.25 ± 0.10 | +0.80 "
                                                   "[-0.10, +0.30] | 2.0; 1.3 (8.5) |")  # fmt: skip
    assert "| -0.20 [-0.50, +0.90]; +0.25 ± 0.10 | 3.5; 1.3 |" in lines[2] and "first +0.60, final +0.60" in lines[2]
    plot_ground_truth(table, tmp_path / "ground_truth.png")
    assert (tmp_path / "ground_truth.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
