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
