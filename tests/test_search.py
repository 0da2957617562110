"""The order search's moves and schedule: block cuts, round sizes, local moves, composition, initial sets."""

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, copy_workflow, ok, snakemake

from cotorder import profiling, training
from cotorder.candidates import candidate_orders
from cotorder.orders import apply_order
from cotorder.profiling import run_round
from cotorder.runs import ConfigError, plan
from cotorder.schema import load_schema, schema_error
from cotorder.search import (
    block_arrangements,
    blocks,
    found_orders,
    global_candidates,
    global_keep,
    initial_blocks,
    inter_block_candidates,
    intra_block_candidates,
    round_candidates,
    schedule,
    search_trace,
)


@pytest.mark.parametrize("n,k,sizes", [(8, 3, [3, 3, 2]), (10, 4, [3, 3, 2, 2]), (6, 6, [1] * 6), (7, 1, [7])])
def test_blocks_are_contiguous_and_the_first_are_longer(n, k, sizes):
    order = np.random.default_rng(n + k).permutation(n).tolist()
    parts = blocks(order, k)
    assert [len(p) for p in parts] == sizes and sum(parts, []) == order


@pytest.mark.parametrize("depth", [3, 4])
def test_every_global_round_profiles_t_candidates_and_keeps_t_over_k_plus_1_factorial(depth):
    n, total = 8, math.factorial(depth + 1)
    for k in range(1, depth + 1):
        survivors = candidate_orders(n, "random", total // math.factorial(k), seed=k)  # what round k - 1 kept: T / k!
        candidates = global_candidates(survivors, k)
        assert len(candidates) == total  # k! block orders of each survivor, all distinct
        assert all(sorted(c) == list(range(n)) for c in candidates)
        assert global_keep(depth, k) == total // math.factorial(k + 1)
    assert global_keep(depth, depth) == 1


def test_survivors_sharing_their_blocks_are_profiled_once():
    """Two survivors that are block moves of each other, cut at the same places, give the same candidates."""
    a = [0, 1, 2, 3, 4, 5, 6, 7]
    b = [4, 5, 6, 7, 0, 1, 2, 3]  # a's halves swapped: at k = 4 both cut into the same four blocks
    assert len(global_candidates([a, b], 4)) == math.factorial(4)
    assert len(global_candidates([a, b], 3)) == 2 * math.factorial(3)  # cut at other places: no overlap


def test_block_moves_compose_as_permutations():
    """Writing y in a candidate order = cutting y written in the survivor's order into blocks and moving them."""
    y = np.arange(100, 108)[None, :]
    survivor = [5, 2, 7, 0, 1, 6, 3, 4]
    written = apply_order(y, survivor)[0].tolist()
    for k in (2, 3):
        cut = blocks(written, k)
        expected = {tuple(sum(arrangement, [])) for arrangement in itertools.permutations(cut)}
        assert {tuple(apply_order(y, c)[0].tolist()) for c in global_candidates([survivor], k)} == expected


def test_intra_block_candidates_reorder_one_block_at_a_time():
    order = list(range(8))
    candidates = intra_block_candidates(order, 3)  # blocks 0-2, 3-5 and the leftover 6-7
    assert candidates[0] == order and len(candidates) == 1 + 5 + 5 + 1
    for candidate in candidates[1:]:
        changed = [i for i in range(8) if candidate[i] != order[i]]
        assert len({i // 3 for i in changed}) == 1  # inside one block


def test_inter_block_candidates_are_the_rotations_of_the_full_blocks():
    assert inter_block_candidates(list(range(8)), 3) == [[0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5, 0, 1, 2, 6, 7]]
    assert len(inter_block_candidates(list(range(12)), 4)) == 3


def test_schedule_has_k_global_and_2_times_half_n_minus_1_local_rounds():
    rounds = schedule(8, 4)
    assert rounds[:4] == [("global", k) for k in range(1, 5)]
    assert len(rounds) - 4 == 2 * (8 // 2 - 1)
    assert schedule(13, 6, max_block=3)[6:] == [("intra", 2), ("inter", 2), ("intra", 3), ("inter", 3)]
    assert schedule(8, 4, local=False) == rounds[:4]
    with pytest.raises(ValueError, match="depth K = 8 must be between 1 and n - 1 = 7"):
        schedule(8, 8)


def test_initial_sets():
    orders = candidate_orders(6, "random", 24, seed=3)
    assert len({tuple(o) for o in orders}) == 24 and orders == candidate_orders(6, "random", 24, seed=3)
    structured = initial_blocks(10, 5, 100, seed=0)  # forward and inverse in 2 blocks of 5, both block orders
    assert sorted(map(tuple, structured)) == sorted(
        {(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (5, 6, 7, 8, 9, 0, 1, 2, 3, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
         (4, 3, 2, 1, 0, 9, 8, 7, 6, 5)}
    )  # fmt: skip
    assert len(initial_blocks(20, 5, 10, seed=0)) == 10  # 2 x 4! = 48 possible, 10 drawn


def test_round_candidates_move_the_survivors_or_the_best():
    survivors = [[0, 1, 2, 3], [3, 2, 1, 0]]
    assert len(round_candidates("global", 2, survivors)) == 4
    assert round_candidates("inter", 2, survivors) == [[0, 1, 2, 3], [2, 3, 0, 1]]  # the best survivor only
    with pytest.raises(ValueError, match="unknown search move 'swap'"):
        round_candidates("swap", 2, survivors)


# A tiny round's profile settings: relu at n = 5, 8 steps of a d_model 32 model.
TINY_ROUND = {
    "task": "relu",
    "n": 5,
    "train_samples": 400,
    "validation_samples": 40,
    "score_points": 2,
    "model": {"d_model": 32, "decoder_ffn_dim": 64, "dropout": 0.0},
    "train": {"batch_size": 32, "learning_rate": 1e-3, "max_steps": 8},
}


def tiny_config(section: str, entry: dict) -> dict:
    return {"run_tasks": [], "tasks": {"relu": {"kind": "relu", "n": [5], "directions": ["forward"]}},
            section: {"x": {**TINY_ROUND, **entry}}}  # fmt: skip


def test_a_round_profiles_its_candidates_and_keeps_the_best(tmp_path):
    config = tiny_config("profiles", {"candidates": {"orders": [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]]}})
    replicate = plan(config).profiles["x"].replicate(0)  # its candidates: the round's
    survivors = candidate_orders(5, "random", 3, seed=0)
    result = run_round(replicate, "global", 2, 2, survivors, tmp_path, num_threads=1)
    assert result["candidates"] == 6 and len(result["kept"]) == 2
    assert result["scores"] == sorted(result["scores"])
    ranked = pd.read_csv(tmp_path / "losses.csv")
    assert [[int(p) for p in o.split()] for o in ranked["order"][:2]] == result["kept"]
    assert {tuple(map(int, o.split())) for o in ranked["order"]} == {tuple(c) for c in global_candidates(survivors, 2)}


def test_an_intra_round_per_block_profiles_each_block_alone_and_checks_the_combination(tmp_path):
    config = tiny_config("searches", {"depth": 1, "initial": {"orders": [[1, 0, 3, 2, 4]]}, "intra": "per_block"})
    found = plan(config).searches["x"]
    assert [r.get("per_block", False) for r in found.rounds[:3]] == [False, True, False]  # global 1, intra 2, inter 2
    assert {r["move"] for r in found.rounds[3:]} == {"climb"}  # then the climb (its default)
    incumbent = [1, 0, 3, 2, 4]
    result = run_round(found.profile.replicate(0), "intra", 2, 1, [incumbent], tmp_path, num_threads=1,
                       per_block=True)  # fmt: skip
    ranked = pd.read_csv(tmp_path / "losses.csv", dtype={"block": str})
    combined = list(incumbent)
    for block, places in (("0", [0, 1]), ("1", [2, 3])):
        table = ranked[ranked["block"] == block]
        orders = [[int(p) for p in o.split()] for o in table["order"]]
        assert sorted(orders) == sorted(block_arrangements(incumbent, places))  # this block alone varies
        for place in places:
            combined[place] = orders[0][place]  # its winner applied
        assert (tmp_path / f"block{block}" / "losses.csv").is_file()
    if combined == incumbent:  # nothing to compare: the incumbent stays
        assert result["kept"] == [incumbent] and "combined" not in set(ranked["block"])
    else:  # the combination against the incumbent, alone, half the samples each; the winner kept, its score reported
        pair = ranked[ranked["block"] == "combined"]
        assert sorted(pair["order"]) == sorted(" ".join(map(str, o)) for o in (incumbent, combined))
        assert result["kept"] == [[int(p) for p in pair["order"].iloc[0].split()]]
        assert result["scores"] == pytest.approx([pair["score"].min()])
        assert result["median"] == pytest.approx(pair["score"].mean()) and result["candidates"] == 6


MEAN = {"scoring": {"rank_by": "mean"}}  # what run_round reads of a replicate whose profiles are faked


def fake_profiles(monkeypatch, score):
    """run_round's profiles replaced by ``score(order, folder name)``: every profile it asks for, in order."""
    asked = []

    def profile(replicate, candidates, folder, num_threads=None):
        asked.append((folder.name, [list(c) for c in candidates]))
        table = pd.DataFrame({"order": [" ".join(map(str, c)) for c in candidates],
                              "score": [score(list(c), folder.name) for c in candidates], "baseline": 3.0})  # fmt: skip
        return table.sort_values("score", kind="stable").reset_index(drop=True)

    monkeypatch.setattr(profiling, "_profile_candidates", profile)
    return asked


@pytest.mark.parametrize("pair_prefers_combination", [True, False])
def test_a_per_block_round_keeps_the_combination_only_if_it_beats_the_incumbent(
    tmp_path, monkeypatch, pair_prefers_combination
):
    incumbent, combined = [1, 0, 3, 2], [0, 1, 2, 3]

    def score(order, folder):
        if folder == "combined":  # the pair's verdict
            return float(order == incumbent) if pair_prefers_combination else float(order == combined)
        return 1.0 - sum(a == b for a, b in zip(order, combined, strict=True)) / 4  # each block prefers forward's

    asked = fake_profiles(monkeypatch, score)
    result = run_round(MEAN, "intra", 2, 1, [incumbent], tmp_path, per_block=True)
    assert [name for name, _ in asked] == ["block0", "block1", "combined"]
    assert asked[2][1] == [incumbent, combined]
    assert result["kept"] == [combined if pair_prefers_combination else incumbent]
    assert result["scores"] == [0.0] and result["median"] == 0.5  # the pair's scores, not the blocks'
    loser = incumbent if pair_prefers_combination else combined
    assert result["compared"] == [" ".join(map(str, o)) for o in (result["kept"][0], loser)]


def test_a_per_block_round_whose_blocks_keep_the_incumbent_profiles_no_pair(tmp_path, monkeypatch):
    incumbent = [1, 0, 3, 2]
    asked = fake_profiles(monkeypatch, lambda order, folder: float(order != incumbent))
    result = run_round(MEAN, "intra", 2, 1, [incumbent], tmp_path, per_block=True)
    assert [name for name, _ in asked] == ["block0", "block1"] and result["kept"] == [incumbent]
    assert result["scores"] == [0.0] and result["median"] == 0.5  # the means over the blocks' profiles


def test_the_plan_climbs_after_the_papers_stages_unless_climb_is_false():
    """The default: n climb rounds after the local stage, each re-scoring its best move 3 times; climb: false is
    the paper's schedule; the climb's keys as given."""
    entry = {"depth": 1, "initial": {"kind": "random", "seed": 0}, "max_block": 2}
    rounds = plan(tiny_config("searches", entry)).searches["x"].rounds
    assert [(r["move"], r["size"]) for r in rounds] == schedule(5, 1, max_block=2) + [("climb", r) for r in range(1, 6)]
    assert [r["confirm"] for r in rounds[3:]] == [3] * 5 and all("confirm" not in r for r in rounds[:3])
    paper = plan(tiny_config("searches", {**entry, "climb": False})).searches["x"].rounds
    assert [(r["move"], r["size"]) for r in paper] == schedule(5, 1, max_block=2) and paper == rounds[:3]
    given = plan(tiny_config("searches", {**entry, "climb": {"rounds": 2, "confirm": 1}})).searches["x"].rounds
    assert [(r["move"], r["size"], r["confirm"]) for r in given[3:]] == [("climb", 1, 1), ("climb", 2, 1)]


@pytest.mark.parametrize(
    "entry,message",
    [
        ({"local": False, "climb": {"rounds": 2}}, "searches.x.climb: a setting of the local stage, which local"),
        ({"n": 72, "max_block": 2}, "searches.x.climb: a climb round at n = 72 would profile 5042 candidates (the "
                                    "incumbent and its (n-1)^2 insertion moves), above the cap of 5040; climb: false"),
        ({"train_samples": 10}, "searches.x.train_samples: 10 samples for rounds of up to 17 candidates"),
    ],
)  # fmt: skip
def test_a_climb_that_cannot_run_is_refused_at_planning(entry, message):
    config = tiny_config("searches", {"depth": 1, "initial": {"kind": "random", "seed": 0}, **entry})
    with pytest.raises(ConfigError) as error:
        plan(config)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    assert plan(tiny_config("searches", {**config["searches"]["x"], "climb": False}))  # the paper's plans


def test_a_climb_round_profiles_the_moves_then_the_pair_on_fresh_replicates(tmp_path, monkeypatch):
    """A climb round's profiles: the incumbent and its moves (``moves``), then the best move against the incumbent
    alone (``confirm1``, ``confirm2``), each a replicate of its own; one losses.csv of them all (column ``part``)."""
    incumbent, best = [0, 1, 2, 3], [1, 0, 2, 3]
    seeds = []

    def score(order, folder):
        return 0.0 if order == best else 1.0 if order == incumbent else 2.0

    asked = fake_profiles(monkeypatch, score)
    replicate = {"scoring": {"rank_by": "mean"}, "data": {"assignment_seed": 3}, "training": {"train": {"seed": 3}}}
    original = profiling._profile_candidates
    monkeypatch.setattr(profiling, "_profile_candidates", lambda r, *a, **k: seeds.append(
        (r["data"]["assignment_seed"], r["training"]["train"]["seed"])) or original(r, *a, **k))  # fmt: skip
    result = run_round(replicate, "climb", 1, 1, [incumbent], tmp_path, confirm=2)
    assert [name for name, _ in asked] == ["moves", "confirm1", "confirm2"]
    assert asked[0][1][0] == incumbent and len(asked[0][1]) == 1 + 9 and asked[1][1] == [incumbent, best]
    assert seeds[0] == (3, 3) and len(set(seeds)) == 3 and all(a == t for a, t in seeds)  # round 1: its own first
    assert result["kept"] == [best] and result["rank_by"] == "mean" and result["candidates"] == 10 + 4
    table = pd.read_csv(tmp_path / "losses.csv")
    assert table["part"].tolist() == ["moves"] * 10 + ["confirm1"] * 2 + ["confirm2"] * 2
    after = run_round(replicate, "climb", 2, 1, result["kept"], tmp_path / "next", confirm=2,
                      previous={**result, "converged": True})  # fmt: skip
    assert len(asked) == 3 and after["passed"] and after["kept"] == [best]  # nothing profiled after the end
    assert pd.read_csv(tmp_path / "next" / "losses.csv").empty


def test_a_control_round_keeps_the_baselines_best_and_trains_nothing(tmp_path, monkeypatch):
    """rank_by: baseline: a round's candidates are ranked by their no-learning baseline alone (its losses.csv, every
    score its baseline) and the best kept; no model is trained, nothing but data and the table is written."""
    found = plan(tiny_config("searches", {"depth": 2, "initial": {"kind": "random", "seed": 0},
                                          "rank_by": "baseline"})).searches["x"]  # fmt: skip
    monkeypatch.setattr(training, "train", lambda *args, **kwargs: pytest.fail("the control trained a model"))
    first = found.rounds[0]
    result = run_round(found.profile.replicate(0), first["move"], first["size"], first["keep"], found.initial, tmp_path)
    ranked = pd.read_csv(tmp_path / "losses.csv")
    best = ranked.nsmallest(first["keep"], "baseline", keep="all")
    assert len(ranked) == 6 and len(best) == first["keep"] == 3  # T = 3! candidates, no ties
    assert result["kept"] == [[int(p) for p in order.split()] for order in best["order"]]
    assert result["scores"] == pytest.approx(best["baseline"].tolist(), abs=1e-5)  # the table keeps 6 digits
    assert result["baseline"] == result["scores"][0]
    assert result["rank_by"] == "baseline" and (ranked["margin"] == 0).all()
    assert {p.name for p in tmp_path.iterdir()} == {"data.train", "data.valid", "mixture.train", "losses.csv"}
    row = found_orders({0: search_trace([result])}).iloc[0]
    assert row["rank_by"] == "baseline" and row["margin_below_baseline"] == 0


@pytest.mark.parametrize("section", ["profiles", "searches"])
def test_the_schema_and_the_plan_take_rank_by_baseline(section):
    entry = {"candidates": {"kind": "random", "count": 4}} if section == "profiles" else {"depth": 2,
             "initial": {"kind": "random"}, "intra": "per_block"}  # fmt: skip
    schema = load_schema(ROOT / "schemas" / "config.schema.yaml")
    for conditioning in ("none", "prefix"):  # every combination has a meaning: nothing is refused
        config = tiny_config(section, {**entry, "rank_by": "baseline", "conditioning": conditioning})
        assert schema_error(config, schema) is None
        found = getattr(plan(config), section)["x"]
        assert (found if section == "profiles" else found.profile).scoring["rank_by"] == "baseline"
    assert "rank_by: 'model' is not one of" in schema_error(tiny_config(section, {**entry, "rank_by": "model"}), schema)


def test_a_control_search_and_profile_run_in_the_workflow_on_one_thread(tmp_path):
    """The control through Snakemake: each seed's search is one one-thread job that plays every round (a model's
    rounds are a job each, on two threads), a round's kept orders feed the next, the search's summary and plot are
    written, and a replicate's model/ holds only a note (the profile's summary: test_profiling's control test).  A
    second search climbs: its climb rounds follow the local stage, each the incumbent's moves profiled, until one
    keeps the incumbent; those after it pass the incumbent through, profiling nothing."""
    folder = copy_workflow(tmp_path)
    common = {"task": "relu", "n": 4, "rank_by": "baseline", "train_samples": 300, "validation_samples": 20,
              "score_points": 1}  # fmt: skip
    config = {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward", "c"]}},
        "searches": {
            "c": {**common, "depth": 2, "local": False, "initial": {"kind": "random", "seed": 0}},
            "k": {**common, "depth": 1, "initial": {"orders": [[3, 2, 1, 0]]}, "climb": {"rounds": 3}},
        },
        "profiles": {"p": {**common, "candidates": {"kind": "forward_plus_random", "count": 6, "seed": 0}}},
    }
    (folder / "control.yaml").write_text(yaml.safe_dump(config))
    replicate = "results/profiles/p/seed=0"
    output = ok(snakemake(folder, "searches", f"{replicate}/losses.csv", "--cores", "2", "--configfile",
                          "control.yaml")).output  # fmt: skip
    replicate = folder / replicate
    jobs = [block for block in output.split("rule ")[1:] if block.startswith(("search_untrained:", "profile:"))]
    assert len(jobs) == 2 + 1 and not any("threads:" in block for block in jobs)  # a job a search, one replicate
    assert "rule search_round:" not in output
    results = folder / "results"
    rounds = [json.loads((results / f"searches/c/seed=0/rounds/round{i}/kept.json").read_text()) for i in (1, 2)]
    assert rounds[1]["candidates"] == 2 * len(rounds[0]["kept"])  # round 2: each of round 1's kept cut in two
    summary = pd.read_csv(results / "searches/c/summary.csv", dtype={"order": str})
    assert summary["order"].tolist() == [" ".join(map(str, rounds[1]["kept"][0]))]
    assert summary["rank_by"].tolist() == ["baseline"] and (results / "searches/c/search.png").is_file()
    assert set(pd.read_csv(replicate / "losses.csv")["rank_by"]) == {"baseline"}
    assert [p.name for p in (replicate / "model").iterdir() if not p.name.startswith(".")] == ["NO_MODEL.txt"]
    climbed = [json.loads((results / f"searches/k/seed=0/rounds/round{i}/kept.json").read_text()) for i in range(1, 7)]
    assert [(r["move"], r["size"]) for r in climbed] == [("global", 1), ("intra", 2), ("inter", 2)] + [
        ("climb", 1), ("climb", 2), ("climb", 3)]  # fmt: skip
    ended = next((i for i, r in enumerate(climbed[3:], start=3) if r.get("converged")), 5)  # the end, or the cap
    for before, record in itertools.pairwise(climbed[2 : ended + 1]):  # each climb round from the kept before
        stayed = "rejected" in record or record.get("converged", False)
        assert record["candidates"] >= 1 + 3**2 and (record["kept"] == before["kept"]) == stayed
    for index in range(ended + 1, 6):  # after the end: the incumbent passed through, nothing profiled
        assert climbed[index]["passed"] and climbed[index]["kept"] == climbed[ended]["kept"]
        assert pd.read_csv(results / f"searches/k/seed=0/rounds/round{index + 1}/losses.csv").empty
    parts = set(pd.read_csv(results / "searches/k/seed=0/rounds/round4/losses.csv")["part"])
    assert parts == {"moves"} | ({f"confirm{i}" for i in (1, 2, 3)} if "compared" in climbed[3] and
                                 len(climbed[3]["compared"]) == 2 else set())  # fmt: skip
    order = json.loads((results / "searches/k/seed=0/order.json").read_text())
    assert order["order"] == climbed[-1]["kept"][0] and len(order["rounds"]) == 6


def test_a_search_summary_gives_each_found_orders_distance_to_the_named_orders_of_its_task():
    """A user names a known order (a permutation listed among the task's directions); the search's summary.csv gives
    each seed's Kendall distance to it, beside forward's and inverse's."""
    config = {
        "permutations": {"sigma": {"positions": [1, 0, 3, 2]}, "other_n": {"positions": [1, 0, 2]}},
        "tasks": {
            "relu": {"kind": "relu", "n": [4], "directions": ["forward", "sigma", "s_seed1"]},
            "short": {"kind": "relu", "n": [3], "directions": ["other_n"]},
        },
        "searches": {"s": {"task": "relu", "n": 4, "depth": 2, "initial": {"kind": "random"}, "seeds": [1]}},
    }
    named = plan(config).named_orders("s")
    assert named == {"sigma": [1, 0, 3, 2]}  # not forward (a column already), the search's own order, another task's
    trace = {"order": [0, 1, 3, 2], "n": 4, "rounds": [{"scores": [0.1], "median": 0.2, "baseline": 0.3}]}
    table = found_orders({1: trace}, named)
    assert table.loc[0, ["kendall_to_forward", "kendall_to_inverse", "kendall_to_sigma"]].tolist() == [1, 5, 1]
