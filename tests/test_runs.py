"""Run descriptions: the workflow config resolved into one spec per (task, n, direction)."""

import copy
import json
import re
from types import SimpleNamespace

import pytest
import yaml
from conftest import ROOT
from snakemake.utils import update_config

from cotorder import config as configuration
from cotorder.runs import SPLIT_DEFAULTS, TEST_SEEDS, ConfigError, plan, training_config

BASE = {
    "permutations": {"swap": {"positions": [1, 0, 2, 3]}, "shuffled": {"seed": 7}},
    "tasks": {
        "relu": {"kind": "relu", "n": [4], "directions": ["forward", "inverse", "swap"]},
        "idx": {
            "kind": "index",
            "m": 3,
            "variant": "paper",
            "n": [4, 6],
            "directions": ["shuffled"],
            "test_samples": 50,
        },  # index at n = 4 has 81 inputs
    },
}


def config(**changes):
    """BASE with ``tasks.relu`` updated by ``changes``."""
    result = copy.deepcopy(BASE)
    result["tasks"]["relu"].update(changes)
    return result


def wildcards(task, n, direction):
    return SimpleNamespace(task=task, n=str(n), direction=direction)  # as Snakemake gives them: n is text


def test_every_run_of_every_task_in_config_order():
    runs = plan(BASE)
    assert [tuple(run.wildcards.values()) for run in runs.selected_runs()] == [
        ("relu", 4, "forward"),
        ("relu", 4, "inverse"),
        ("relu", 4, "swap"),
        ("idx", 4, "shuffled"),
        ("idx", 6, "shuffled"),
    ]
    assert runs.files("results/{task}/n={n}/{direction}/x", tasks=["idx"]) == [
        "results/idx/n=4/shuffled/x",
        "results/idx/n=6/shuffled/x",
    ]
    assert runs.direction_names == ("forward", "inverse", "swap", "shuffled")


def test_data_part_holds_the_task_the_order_and_the_seminars_split_defaults():
    runs = plan(BASE)
    assert runs.run(wildcards("relu", 4, "inverse")).data == {
        "task": {"kind": "relu", "variant": "seminar", "value_min": -9, "value_max": 9},
        "n": 4,
        "positions": [3, 2, 1, 0],
        **SPLIT_DEFAULTS,
        "test_seed": TEST_SEEDS["relu"],
    }
    index = runs.run(wildcards("idx", 6, "shuffled")).data
    assert index["task"] == {"kind": "index", "variant": "paper", "m": 3}
    assert sorted(index["positions"]) == list(range(6)) and index["test_seed"] == TEST_SEEDS["index"]
    assert runs.run(wildcards("relu", 4, "swap")).data["positions"] == [1, 0, 2, 3]


def test_split_settings_override_the_defaults():
    data = plan(config(train_samples=50, test_seed=9)).run(wildcards("relu", 4, "forward")).data
    assert (data["train_samples"], data["test_samples"], data["train_seed"], data["test_seed"]) == (50, 1000, 42, 9)


def test_training_part_is_resolved_without_paths():
    run = plan(config(model={"d_model": 64}, train={"max_steps": 5})).run(wildcards("relu", 4, "swap"))
    training = run.training
    assert training["data"] == {"kind": "relu", "variant": "seminar", "value_min": -9, "value_max": 9, "n": 4,
                                "order": [1, 0, 2, 3], "num_train_samples": -1, "num_test_samples": -1,
                                "conditioning": "none"}  # fmt: skip
    assert training["model"]["d_model"] == 64 and training["model"]["num_encoder_layers"] == 1  # given, default
    assert training["train"]["max_steps"] == 5 and training["train"]["learning_rate"] == 1e-4
    assert not {"output_dir", "checkpoint_dir", "num_threads"} & set(training["train"])
    assert run.evaluation == {"order": [1, 0, 2, 3], "batch_size": 256, "device": "auto", "precision": "fp32"}


def test_training_config_adds_the_jobs_paths_and_threads_and_resolves_as_is():
    training = plan(BASE).run(wildcards("relu", 4, "forward")).training
    paths = {"train_path": "t", "test_path": "s", "output_dir": "m", "checkpoint_dir": "c"}
    full = training_config(training, **paths, num_threads=3)
    assert full["data"]["train_path"] == "t" and full["train"]["checkpoint_dir"] == "c"
    assert full["train"]["num_threads"] == 3
    assert configuration.resolve(full) == full  # nothing left to fill in
    assert "train_path" not in training["data"]  # the spec itself is untouched


def test_every_part_is_plain_json_with_sorted_keys():
    """Snakemake compares params by repr, and ignores what it cannot repr (a dataclass): plain dicts only."""
    for run in plan(BASE).runs.values():
        for part in (run.data, run.training, run.evaluation):
            assert json.loads(json.dumps(part, sort_keys=True)) == part
            assert repr(part) == repr(json.loads(json.dumps(part, sort_keys=True)))


def test_the_order_of_keys_in_the_config_changes_no_spec():
    given = config(train={"max_steps": 5, "batch_size": 8}, model={"d_model": 16, "dropout": 0.0})
    reordered = config(train={"batch_size": 8, "max_steps": 5}, model={"dropout": 0.0, "d_model": 16})
    reordered["tasks"]["relu"] = dict(reversed(list(reordered["tasks"]["relu"].items())))
    a, b = (plan(c).run(wildcards("relu", 4, "forward")) for c in (given, reordered))
    assert (repr(a.data), repr(a.training), repr(a.evaluation)) == (repr(b.data), repr(b.training), repr(b.evaluation))


def test_a_training_setting_changes_only_the_training_part():
    before, after = (
        plan(config(train={"learning_rate": lr})).run(wildcards("relu", 4, "forward")) for lr in (1e-3, 2e-3)
    )
    assert before.data == after.data and before.evaluation == after.evaluation
    assert before.training != after.training


@pytest.mark.parametrize(
    "change,message",
    [
        ({"run_tasks": ["relu", "cube"]}, "run_tasks: 'cube': no such task"),
        ({"tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["up"]}}}, "tasks.relu.directions: 'up'"),
        ({"tasks": {"i": {"kind": "index", "n": [4], "directions": ["forward"]}}}, "tasks.i.m: index tasks need m"),
        (
            {"tasks": {"relu": {"kind": "relu", "modulus": 5, "n": [4], "directions": ["forward"]}}},
            "tasks.relu.modulus: not a setting of relu tasks",
        ),
        (
            {"tasks": {"relu": {"kind": "relu", "value_min": 3, "value_max": 1, "n": [4], "directions": ["forward"]}}},
            "tasks.relu: value_min 3 is greater than value_max 1",
        ),
        (
            {"tasks": {"relu": {"kind": "relu", "n": [5], "directions": ["swap"]}}},
            "permutations.swap.positions (used by tasks.relu, n = 5): permutation [1, 0, 2, 3] has length 4",
        ),
        (
            {"tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward"], "train": {"optimiser": "x"}}}},
            "tasks.relu (n = 4, forward): train.optimiser: unknown config key",
        ),
        (
            {
                "tasks": {
                    "relu": {
                        "kind": "relu",
                        "n": [40],
                        "directions": ["forward"],
                        "model": {"d_model": 30, "num_encoder_heads": 4},
                    }
                }
            },
            "tasks.relu (n = 40, forward): model.num_encoder_heads",
        ),
        (
            {"tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward"], "train": {"output_dir": "x"}}}},
            "tasks.relu.train.output_dir: set by the pipeline's rules",
        ),
    ],
)
def test_bad_config_names_the_key(change, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        plan({**copy.deepcopy(BASE), **change})


def test_a_run_the_config_does_not_hold_is_a_clear_error():
    with pytest.raises(
        ConfigError, match=r"tasks.relu: no run with n = 9 and direction 'forward' \(the config has: n=4"
    ):
        plan(BASE).run(wildcards("relu", 9, "forward"))


def test_unselected_tasks_are_planned_but_not_run_by_default():
    runs = plan({**BASE, "run_tasks": ["idx"]})
    assert {run.task for run in runs.selected_runs()} == {"idx"}
    assert runs.run(wildcards("relu", 4, "forward")).task == "relu"  # a single target of it still builds


@pytest.mark.parametrize("name,count", [("seminar", 24), ("quick", 10), ("paper", 20)])
def test_the_shipped_experiments_plan(name, count):
    merged = yaml.safe_load((ROOT / "workflow_config.yaml").read_text())
    if name != "seminar":  # merged as --configfile merges an overlay
        update_config(merged, yaml.safe_load((ROOT / "experiments" / f"{name}.yaml").read_text()))
    assert len(plan(merged).selected_runs()) == count


def test_one_replicate_by_default_with_the_training_seed():
    assert plan(BASE).run(wildcards("relu", 4, "forward")).seeds == (42,)  # cotorder.config's train.seed
    run = plan(config(train={"seed": 7})).run(wildcards("relu", 4, "forward"))
    assert run.seeds == (7,) and run.training["train"]["seed"] == 7


def test_replicates_differ_only_in_the_training_seed():
    runs = plan(config(seeds=[3, 1, 2]))
    run = runs.run(wildcards("relu", 4, "inverse"))
    assert run.seeds == (3, 1, 2)
    first, second = run.replicate_training(3), run.replicate_training(1)
    assert (first["train"].pop("seed"), second["train"].pop("seed")) == (3, 1)
    assert first == second
    replicate = SimpleNamespace(task="relu", n="4", direction="inverse", seed="2")
    assert runs.settings(replicate, "training")["train"]["seed"] == 2
    assert runs.settings(replicate, "data") == run.data  # one data set for every replicate
    with pytest.raises(ConfigError, match=re.escape("tasks.relu.seeds: seed 9 is not among its seeds [3, 1, 2]")):
        runs.settings(SimpleNamespace(task="relu", n="4", direction="inverse", seed="9"), "training")


def test_files_per_replicate_and_per_run():
    runs = plan({"tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward", "inverse"], "seeds": [1, 2]}}})
    assert runs.replicates() == [
        {"task": "relu", "n": 4, "direction": d, "seed": s} for d in ("forward", "inverse") for s in (1, 2)
    ]
    assert runs.files("{task}/{direction}/seed={seed}") == ["relu/forward/seed=1", "relu/forward/seed=2",
                                                            "relu/inverse/seed=1", "relu/inverse/seed=2"]  # fmt: skip
    assert runs.files("{task}/{direction}") == ["relu/forward", "relu/inverse"]  # once per run


def test_seeds_and_train_seed_together_are_refused():
    with pytest.raises(ConfigError, match=r"tasks.relu.seeds: give the training seeds either as seeds or as train"):
        plan(config(seeds=[1, 2], train={"seed": 3}))


SEARCH = {"task": "relu", "n": 4, "depth": 2, "initial": {"kind": "random"}, "climb": False}  # the paper's rounds


def test_a_search_is_a_direction_whose_order_its_jobs_read():
    runs = plan(
        {"tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward", "s"]}}, "searches": {"s": SEARCH}}
    )
    run = runs.run(wildcards("relu", 4, "s"))
    assert run.data["positions"] is None and run.data["search"] == "s" and run.evaluation["order"] is None
    assert "s" in runs.direction_names
    assert [r["move"] for r in runs.searches["s"].rounds] == ["global", "global", "intra", "inter"]
    assert [r["keep"] for r in runs.searches["s"].rounds] == [3, 1, 1, 1]
    assert len(runs.searches["s"].initial) == 6  # T = 3!


@pytest.mark.parametrize(
    "task,message",
    [
        (
            {"kind": "relu", "n": [5], "directions": ["s"]},
            "that search is for relu at n = 4; the task is relu at n = [5]",
        ),
        ({"kind": "square", "n": [4], "directions": ["s"]}, "that search is for relu at n = 4; the task is square"),
    ],
)
def test_a_search_direction_must_fit_its_task(task, message):
    config = {
        "tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward"]}, "t": task},
        "searches": {"s": SEARCH},
    }
    with pytest.raises(ConfigError, match=re.escape(f"tasks.t.directions: 's': {message}")):
        plan(config)
