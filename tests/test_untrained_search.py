"""A search whose ranker trains nothing plays all its rounds in one job (cotorder/untrained_search.py): the workflow's
rounds are the driver's (cotorder.search.search) with the same ranker, and the plan sends such a search to one job."""

import json

import pytest

from cotorder.candidates import write_profile_data
from cotorder.lookup import Lookup
from cotorder.profiling import read_samples
from cotorder.runs import ConfigError, plan
from cotorder.search import search
from cotorder.tasks import Task
from cotorder.untrained_search import run_search

SEARCH = {"task": "relu", "n": 6, "train_samples": 2000, "validation_samples": 400, "depth": 2,
          "initial": {"kind": "random", "seed": 1}, "intra": "per_block", "max_block": 3, "seeds": [7]}  # fmt: skip


def config(**searches) -> dict:
    return {"run_tasks": [], "tasks": {"relu": {"kind": "relu", "n": [6], "directions": ["forward"]}},
            "searches": searches}  # fmt: skip


def test_the_lookup_ranked_search_in_one_job_is_the_driver_with_the_lookup_ranker(tmp_path):
    """The job's rounds (each a lookup profile of its candidates on the seed's rows) keep what cotorder.search.search
    keeps with a Lookup fitted on those rows: the workflow and the driver share moves, schedule and ranker."""
    found = plan(config(s={**SEARCH, "rank_by": "lookup"})).searches["s"]
    replicate = found.profile.replicate(7)
    trace = run_search(replicate, found.rounds, found.initial, tmp_path / "rounds", progress=lambda line: None)
    files = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    write_profile_data(replicate["data"], **files)
    task = Task.from_settings(replicate["data"]["task"])
    rows = [array for path in files.values() for array in read_samples(path, task, 6)]
    driver = search(6, Lookup.for_task(task, 6, *rows).score, depth=2, initial=SEARCH["initial"], intra="per_block",
                    max_block=3)  # fmt: skip
    assert [r["move"] for r in trace["rounds"]] == [r["move"] for r in driver["rounds"]]
    assert [r["kept"] for r in trace["rounds"]] == [r["kept"] for r in driver["rounds"]]
    assert trace["order"] == driver["order"]
    for index, record in enumerate(trace["rounds"], start=1):  # each round's kept.json as a round's job writes it
        kept = json.loads((tmp_path / "rounds" / f"round{index}" / "kept.json").read_text())
        assert kept == {key: value for key, value in record.items() if key != "round"}
        assert (tmp_path / "rounds" / f"round{index}" / "losses.csv").is_file()
    data = ("data.train", "data.valid", "mixture.train")  # regenerable from the config: not kept
    assert not [path for name in data for path in (tmp_path / "rounds").rglob(name)]


def test_a_killed_jobs_rounds_are_played_again_from_the_start(tmp_path):
    found = plan(config(s={**SEARCH, "rank_by": "baseline", "climb": False})).searches["s"]
    folder = tmp_path / "rounds"
    (folder / "round9").mkdir(parents=True)  # a stale round of an earlier, longer search
    lines = []
    trace = run_search(found.profile.replicate(7), found.rounds, found.initial, folder, progress=lines.append)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"round{i}" for i in range(1, len(found.rounds) + 1))
    assert len(lines) == len(found.rounds) and lines[-1].startswith(f"round {len(found.rounds)} of")
    assert trace["rounds"][-1]["rank_by"] == "baseline"


def test_the_plan_sends_only_searches_that_train_nothing_to_one_job():
    searches = plan(config(m={**SEARCH, "climb": False}, c={**SEARCH, "rank_by": "baseline"},
                           k={**SEARCH, "rank_by": "lookup"},
                           p={"task": "relu", "n": 6, "method": "path"}))  # fmt: skip
    assert searches.untrained_searches == ["c", "k"] and searches.path_searches == ["p"]

    class Wildcards:
        search, seed, round = "c", "7", "2"

    with pytest.raises(ConfigError, match=r"searches.c: ranked by baseline, which trains no model: one job plays"):
        searches.search_round(Wildcards)
    settings = searches.untrained_search(Wildcards)
    assert settings["rounds"] == searches.searches["c"].rounds and settings["replicate"]["data"]["assignment_seed"] == 7


USER_TASK = '''"""A user's task, seen by nobody before: a running sum mod 7 visited in the order SIGMA."""

SIGMA = [3, 0, 4, 1, 2]


def outputs(x, p: int = 7):
    y = x.copy()
    z = None
    for place in SIGMA:
        z = x[:, place] % p if z is None else (z + 2 * x[:, place]) % p
        y[:, place] = z
    return y
'''


def test_a_users_task_goes_through_a_lookup_search_and_its_summary_names_the_users_order(tmp_path):
    """A task file of the user's own, a lookup search naming it (one job, no model), and an order the user names
    listed among its directions: summary.csv gives the found order's distance to it, the order its last round kept."""
    import pandas as pd
    import yaml
    from conftest import copy_workflow, ok, snakemake

    from cotorder.search import kendall_distance

    folder = copy_workflow(tmp_path)
    (folder / "mine.py").write_text(USER_TASK)
    config = {
        "run_tasks": [],
        "results": "results/mine",
        "permutations": {"mine_sigma": {"positions": [3, 0, 4, 1, 2]}},
        "tasks": {"mine": {"kind": "python", "file": "mine.py", "inputs": [0, 6], "values": [0, 6], "n": [5],
                           "train_samples": 2000, "test_samples": 200,
                           "directions": ["forward", "mine_sigma", "mine_lookup"]}},
        "searches": {"mine_lookup": {"task": "mine", "n": 5, "rank_by": "lookup", "depth": 2,
                                     "initial": {"kind": "random", "seed": 3}, "train_samples": 3000,
                                     "validation_samples": 1000}},
    }  # fmt: skip
    (folder / "mine.yaml").write_text(yaml.safe_dump(config))
    output = ok(snakemake(folder, "searches", "--cores", "1", "--configfile", "mine.yaml")).output
    assert output.count("rule search_untrained:") == 1 and "rule search_round:" not in output
    summary = pd.read_csv(folder / "results/mine/searches/mine_lookup/summary.csv", dtype={"order": str})
    found = [int(step) for step in summary.loc[0, "order"].split()]
    assert summary.loc[0, "kendall_to_mine_sigma"] == kendall_distance(found, [3, 0, 4, 1, 2])
    assert summary.loc[0, "rank_by"] == "lookup"
    rounds = folder / "results/mine/searches/mine_lookup/seed=0/rounds"
    last = max(rounds.glob("round*"), key=lambda path: int(path.name.removeprefix("round")))
    assert json.loads((last / "kept.json").read_text())["kept"][0] == found
