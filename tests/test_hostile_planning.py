"""Hostile configs and targets, refused before any job runs in one line naming the key (issue 24): sizes that took
hours to plan, a search direction that names two searches, held-out splits drawn from the training seed, settings
that would be ignored, a corrupt kept file, and targets the config does not hold."""

import copy
import json
import re
import subprocess
import sys
import textwrap

import pytest
import yaml
from conftest import ROOT, TINY

from cotorder import runs, search
from cotorder.candidates import write_profile_data
from cotorder.datafiles import parse_line
from cotorder.generate import write_run_data
from cotorder.runs import ConfigError, plan
from cotorder.search import KeptFileError, read_kept
from cotorder.tasks import SettingError, Task

SMALL = {"train_samples": 1000, "validation_samples": 50, "train": {"max_steps": 10, "batch_size": 8}}


def config(section=None, task=None, **entry) -> dict:
    """One task, relu at n = 8 (``task`` over it), and one profile or search ``s`` of it (``entry`` over it)."""
    result = {"run_tasks": [], "tasks": {"relu": {"kind": "relu", "n": [8], "directions": ["forward"], **(task or {})}}}
    if section == "profiles":
        result["profiles"] = {"s": {"task": "relu", "n": 8, "candidates": {"kind": "random", "count": 4}, **SMALL}}
    if section == "searches":
        result["searches"] = {"s": {"task": "relu", "n": 8, "depth": 2, "initial": {"kind": "random"}, **SMALL}}
    if section:
        result[section]["s"].update(copy.deepcopy(entry))
    return result


def refused(config: dict, message: str) -> None:
    """Planning ``config`` raises a one-line ConfigError that starts with ``message``."""
    with pytest.raises(ConfigError) as error:
        plan(config)
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)


def never(*args, **kwargs):
    raise AssertionError("orders drawn before the cheap checks")


# ---------------------------------------------------------------- 1. the cheap bounds first


LONG = {"model": {"max_sequence_length": 100_002}}  # so that the round sizes, not the length, are what refuses
BOUNDED = {"value_max": 0}  # relu in -9..0: 10 values at any n (the default's 9 · n values are refused at n > 2,221)
HUGE = {
    "a search of n = 100,000 at depth 1": (
        ("searches", {"n": 100_000, "depth": 1, **LONG}),
        "searches.s.max_block: the intra round of size 2 would profile 50001 candidates, above the cap of 5040",
    ),
    "a search of depth 19,999 without its local stage": (
        ("searches", {"n": 20_000, "depth": 19_999, "local": False, **LONG}),
        "searches.s.depth: the global round of size 1 would profile (K+1)! = 20000! candidates, above the cap",
    ),
    "a search of n = 100,000 at the default length": (
        ("searches", {"n": 100_000, "depth": 1}),
        "searches.s: model.max_sequence_length: 512 < n + 2 = 100002",
    ),
    "a profile of n = 20,000": (
        ("profiles", {"n": 20_000, "candidates": {"kind": "random", "count": 2}}),
        "profiles.s: model.max_sequence_length: 512 < n + 2 = 20002",
    ),
}


@pytest.mark.parametrize("case", HUGE.values(), ids=HUGE.keys())
def test_huge_sizes_are_refused_before_any_order_is_drawn(monkeypatch, case):
    (section, entry), message = case
    monkeypatch.setattr(runs, "candidate_orders", never)
    monkeypatch.setattr(search, "initial_blocks", never)
    refused(config(section, BOUNDED, **entry), message)


def test_planning_huge_sizes_finishes():
    """Each of these took hours (every round's factorial, or 20,000 unranked orders) before it refused; now all
    of them together take about a second. The timeout is generous: only a return to the old cost reaches it."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from test_hostile_planning import BOUNDED, HUGE, config
        from cotorder.runs import ConfigError, plan
        for (section, entry), message in HUGE.values():
            try:
                plan(config(section, BOUNDED, **entry))
            except ConfigError as error:
                assert str(error).startswith(message), error
            else:
                raise AssertionError(message)
        print("refused all")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "refused all" in result.stdout, result.stderr[-3000:]


def test_a_long_profile_is_still_planned_when_its_length_allows():
    """n = 500 with 50 candidates: the orders are drawn (quickly), after the checks."""
    found = plan(config("profiles", BOUNDED, n=500, candidates={"kind": "random", "count": 50},
                        model={"max_sequence_length": 502})).profiles["s"]  # fmt: skip
    assert len({tuple(order) for order in found.data["candidates"]}) == 50
    assert all(sorted(order) == list(range(500)) for order in found.data["candidates"])


def test_round_sizes_are_computed_without_huge_factorials():
    assert search.round_size(100_000, "global", 1, 19_999) is None  # 20000!: not worked out
    assert search.round_size(16, "intra", 7, 2) == 1 + 2 * (5040 - 1) + (2 - 1)  # blocks of 7, 7 and 2
    assert search.round_size(100_000, "intra", 2, 1) == 50_001 and search.round_size(10, "inter", 3, 1) == 3


# ---------------------------------------------------------------- 2. one search per direction


@pytest.mark.parametrize(
    "first,message",
    [
        ("s", "searches.s_seed1: its direction 's_seed1' (seed 7) would also name searches.s's seed 1; rename one"),
        ("s_seed1", "searches.s: its direction 's_seed1' (seed 1) would also name searches.s_seed1's seed 7; rename"),
    ],
)
def test_a_direction_that_would_name_two_searches_is_refused(first, message):
    """`s` with seeds [1, 2] names s_seed1; so does a search called s_seed1: refused in either order."""
    entry = {"task": "relu", "n": 8, "depth": 1, "initial": {"kind": "random"}, **SMALL}
    searches = {"s": {**entry, "seeds": [1, 2]}, "s_seed1": {**entry, "seeds": [7]}}
    order = [first, *(name for name in searches if name != first)]
    refused({**config(), "searches": {name: searches[name] for name in order}}, message)
    other = {"s": {**entry, "seeds": [1, 2]}, "s_seed3": {**entry, "seeds": [7]}}  # no name shared: planned
    assert plan({**config(), "searches": other}).searched("s_seed3") == ("s_seed3", 7)


# ---------------------------------------------------------------- 3. held-out splits apart from the training split


@pytest.mark.parametrize(
    "section,task,entry,message",
    [
        ("profiles", {}, {"validation_seed": 42},
         "profiles.s.validation_seed: 42 is also tasks.relu.train_seed (its default): the validation split would "
         "draw the training split's inputs"),
        ("profiles", {"train_seed": 7}, {},
         "profiles.s.validation_seed: 7 (its default) is also tasks.relu.train_seed: the validation split would draw "
         "the training split's inputs"),
        ("profiles", {}, {"train_seed": 7}, "profiles.s.validation_seed: 7 (its default) is also profiles.s.train_"),
        ("searches", {}, {"validation_seed": 42}, "searches.s.validation_seed: 42 is also tasks.relu.train_seed"),
        ("profiles", {}, {"validation_seed": 123},
         "profiles.s.validation_seed: 123 is also tasks.relu.test_seed (its default): the validation split would "
         "draw the test split's inputs"),
        (None, {"test_seed": 42}, {},
         "tasks.relu.test_seed: 42 is also tasks.relu.train_seed (its default): every test input would be a "
         "training input"),
        (None, {"train_seed": 123}, {}, "tasks.relu.test_seed: 123 (its default) is also tasks.relu.train_seed:"),
    ],
)  # fmt: skip
def test_held_out_splits_from_a_training_seed_are_refused(section, task, entry, message):
    refused(config(section, task, **entry), message)


def test_the_same_seed_would_have_drawn_the_training_inputs():
    """What the refusal prevents: with the training seed, the validation inputs are the training split's first."""
    task = Task("relu")
    train = {tuple(row) for row in task.sample_inputs(8, 1000, seed=42)}
    assert all(tuple(row) in train for row in task.sample_inputs(8, 50, seed=42))


def inputs(path) -> set:
    return {tuple(parse_line(line, f"{path}")[0]) for line in path.read_text().splitlines()}


# ---------------------------------------------------------------- settings that would be ignored, too few, too many


@pytest.mark.parametrize(
    "section,task,entry,message",
    [
        ("searches", {}, {"local": False, "max_block": 3},
         "searches.s.max_block: a setting of the local stage, which local: false leaves out"),
        ("searches", {}, {"local": False, "intra": "per_block"},
         "searches.s.intra: a setting of the local stage, which local: false leaves out"),
        ("searches", {}, {"initial": {"kind": "random", "block_size": 2}},
         "searches.s.initial.block_size: a setting of kind: blocks, not of kind: random"),
        ("profiles", {}, {"candidates": {"kind": "random", "count": 1}},
         "profiles.s.candidates: one candidate order: a ranking needs at least 2"),
        ("profiles", {}, {"candidates": {"orders": [[0, 1, 2, 3, 4, 5, 6, 7]]}},
         "profiles.s.candidates: one candidate order: a ranking needs at least 2"),
        (None, {"n": [2]}, {},
         "tasks.relu.test_samples: 1000 test samples of relu at n = 2, which has only 361 distinct inputs"),
    ],
)  # fmt: skip
def test_ignored_settings_and_impossible_counts_are_refused(section, task, entry, message):
    refused(config(section, task, **entry), message)


def test_what_is_not_ignored_is_planned():
    assert plan(config("searches", local=False))  # local: false alone
    assert plan(config("searches", initial={"kind": "blocks", "block_size": 2}))
    assert plan(config("profiles", candidates={"kind": "random", "count": 2}))
    assert plan(config(None, {"n": [2], "test_samples": 361}))


# ---------------------------------------------------------------- 8. a corrupt kept file is named


@pytest.mark.parametrize(
    "text,words",
    [
        ('{"kept": [[0, 1, 2]]}', "a kept order: permutation [0, 1, 2] has length 3, expected n = 4"),
        ('{"kept": [[0, 1, 2, 3], [0, 1, 1, 3]]}', "a kept order: permutation [0, 1, 1, 3]: position 1 appears"),
        ('{"kept": []}', "no kept orders"),
        ("[1, 2]", "no kept orders"),
        ('{"kept": [[0, 1', "not a round's kept orders"),
    ],
)
def test_a_corrupt_kept_file_is_named(tmp_path, text, words):
    path = tmp_path / "round1" / "kept.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(KeptFileError) as error:
        read_kept(path, 4)
    assert str(error.value).startswith(f"{path}: {words}"), str(error.value)


def test_a_sound_kept_file_is_read_whole(tmp_path):
    record = {"move": "global", "size": 1, "kept": [[1, 0, 2, 3], [0, 1, 2, 3]], "scores": [1.0, 2.0]}
    path = tmp_path / "kept.json"
    path.write_text(json.dumps(record))
    assert read_kept(path, 4) == record


SEARCH = {
    "searches": {
        "s": {"task": "relu", "n": 4, "depth": 1, "initial": {"kind": "random"}, "climb": False, "train_samples": 300,
              "validation_samples": 20, "seeds": [1, 2], "train": {"max_steps": 6, "batch_size": 32}},
    },
    "profiles": {
        "p": {"task": "relu", "n": 4, "candidates": {"kind": "random", "count": 3}, "train_samples": 300,
              "validation_samples": 20, "train": {"max_steps": 6, "batch_size": 32}},
    },
}  # fmt: skip


def test_the_next_round_names_the_corrupt_kept_file(workflow):
    """Round 1's kept.json holds a 3-long order at n = 4: round 2 stops, its log naming that file."""
    (workflow.dir / "search.yaml").write_text(yaml.safe_dump(SEARCH))
    round1 = workflow.dir / "results" / "searches" / "s" / "seed=1" / "round1"
    round1.mkdir(parents=True)
    (round1 / "losses.csv").write_text("order,score\n")
    (round1 / "kept.json").write_text('{"kept": [[0, 1, 2]]}')
    result = workflow("results/searches/s/seed=1/round2/kept.json", *TINY, "search.yaml", "-c1", "--rerun-triggers",
                      "mtime")  # fmt: skip
    assert result.returncode != 0, result.output[-3000:]
    log = (workflow.dir / "results" / "logs" / "search_round" / "s" / "seed=1" / "round2.log").read_text()
    kept = "results/searches/s/seed=1/round1/kept.json"
    assert log == f"{kept}: a kept order: permutation [0, 1, 2] has length 3, expected n = 4\n", log
    assert not (round1.parent / "round2" / "kept.json").exists()


# ---------------------------------------------------------------- 10. targets the config does not hold


@pytest.mark.parametrize(
    "target,message",
    [
        ("results/relu/n=5/forward/seed=42/metrics.json", "tasks.relu: no run with n = 5 and direction 'forward'"),
        ("results/relu/n=5/forward/data.train", "tasks.relu: no run with n = 5 and direction 'forward'"),
        ("results/relu/n=4/forward/seed=3/metrics.json", "tasks.relu.seeds: seed 3 is not among its seeds [42]"),
        ("results/searches/s/seed=3/order.json", "searches.s.seeds: seed 3 is not among its seeds [1, 2]"),
        ("results/searches/s/seed=1/round0/kept.json", "searches.s: no round 0 (it has rounds 1 to 3)"),
        ("results/searches/s/seed=1/round9/kept.json", "searches.s: no round 9 (it has rounds 1 to 3)"),
        ("results/profiles/p/seed=5/losses.csv", "profiles.p.seeds: seed 5 is not among its seeds [0]"),
        ("results/ground_truth.csv", "ground_truth.csv: no profile of the config has a ground truth (give one "),
    ],
)
def test_a_target_the_config_does_not_hold_is_one_line(workflow, target, message):
    (workflow.dir / "search.yaml").write_text(yaml.safe_dump(SEARCH))
    result = workflow(*TINY, "search.yaml", "-n", target)
    assert result.returncode == 1, result.output[-3000:]
    lines = [line for line in result.output.splitlines() if message in line]
    assert len(lines) == 1 and lines[0].startswith(f"target not in the workflow config: {message}"), result.output
    assert not re.search("Traceback|InputFunctionException|MissingInput", result.output), result.output[-3000:]


# ---------------------------------------------------------------- issue 33: a user's task file and config


def own_task(tmp_path, monkeypatch, source, **entry) -> dict:
    """A config with one python task `own` (own.py holding ``source``, in the working folder) at n = 8, run forward
    and inverse, as the issue's overlay B gives it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "own.py").write_text(textwrap.dedent(source))
    task = {"kind": "python", "file": "own.py", "inputs": [0, 12], "values": [0, 12], "settings": {"p": 13},
            "n": [8], "directions": ["forward", "inverse"], "train_samples": 300, "test_samples": 40,
            **entry}  # fmt: skip
    return {"run_tasks": ["own"], "tasks": {"own": {k: v for k, v in task.items() if v is not None}}}


CUMSUM = "import numpy as np\n\ndef outputs(x, p):\n    return np.cumsum(x, axis=1) % p\n"
SAMPLED = {"inputs": None, "sample": "s"}


@pytest.mark.parametrize(
    "sample,message",
    [
        ("return np.random.default_rng(0).integers(0, p, size=(count, n))",
         "tasks.own.sample: own.py, s(): the draws from seeds 0 and 1 are the same: it ignores the rng it is given"),
        ("return np.zeros((count, n), dtype=np.int64)",
         "tasks.own.sample: own.py, s(): the draws from seeds 0 and 1 are the same: it ignores the rng it is given"),
        ("return rng.integers(0, p, size=(32, n))",
         "tasks.own.sample: own.py, s(): returned shape (32, 8), expected (3, 8)"),
    ],
)  # fmt: skip
def test_a_sample_function_that_would_give_every_split_the_same_inputs_is_refused(tmp_path, monkeypatch, sample,
                                                                                   message):  # fmt: skip
    source = CUMSUM + f"\ndef s(rng, count, n, p):\n    {sample}\n"
    refused(own_task(tmp_path, monkeypatch, source, **SAMPLED), message)


def keys(path) -> list:
    return [tuple(parse_line(line, str(path))[0]) for line in path.read_text().splitlines()]


def test_a_python_tasks_test_split_shares_no_input_with_its_training_split(tmp_path, monkeypatch):
    """A sample function of little variety (16 inputs): drawn as they come, the test split would repeat training
    inputs; the run's test split is drawn apart from its training split, and the same seed gives the same bytes."""
    source = CUMSUM + "\ndef s(rng, count, n, p):\n    return rng.integers(0, 2, size=(count, n))\n"
    config = own_task(tmp_path, monkeypatch, source, **SAMPLED, n=[4], train_samples=6, test_samples=5)
    run = plan(config).runs["own", 4, "forward"]
    task = Task.from_settings(run.data["task"])
    train = {tuple(row) for row in task.sample_inputs(4, 6, run.data["train_seed"])}
    assert {tuple(row) for row in task.sample_inputs(4, 5, run.data["test_seed"])} & train  # the premise
    written = []
    for copy_ in ("a", "b"):
        paths = {split: tmp_path / copy_ / f"data.{split}" for split in ("train", "test")}
        write_run_data(run.data, paths)
        written.append([paths[split].read_bytes() for split in ("train", "test")])
        assert len(keys(paths["test"])) == 5 and set(keys(paths["train"])) == train
        assert not set(keys(paths["test"])) & train
    assert written[0] == written[1]


def test_a_sample_function_too_poor_to_draw_a_split_apart_stops_the_job_in_one_line(tmp_path, monkeypatch):
    source = CUMSUM + "\ndef s(rng, count, n, p):\n    return rng.integers(0, 2, size=(count, 1)) * np.ones(n, int)\n"
    config = own_task(tmp_path, monkeypatch, source, **SAMPLED, n=[4], train_samples=50, test_samples=5)
    data = plan(config).runs["own", 4, "forward"].data
    paths = {split: tmp_path / f"data.{split}" for split in ("train", "test")}
    message = r"^test_samples: cannot draw 5 test inputs apart from the training split at n = 4: 4256 draws of "
    with pytest.raises(SettingError, match=message + r"own.py:outputs from seed 123 gave 0 "):
        write_run_data(data, paths)
    assert not paths["test"].exists()


def test_a_profiles_validation_split_shares_no_input_with_its_training_or_test_split(tmp_path):
    """relu in 0..1 at n = 8 (256 inputs): drawn as they come, the validation split would share inputs with the
    training and test splits; the profile's shares none."""
    task_settings = {"n": [8], "value_min": 0, "value_max": 1, "test_samples": 6}
    profile = plan(config("profiles", task_settings, train_samples=100, validation_samples=30,
                          candidates={"kind": "random", "count": 2})).profiles["s"]  # fmt: skip
    data, task = profile.data, Task("relu", value_min=0, value_max=1)
    train = {tuple(row) for row in task.sample_inputs(8, data["train_samples"], data["train_seed"])}
    test = {tuple(row) for row in task.sample_inputs(8, data["test_samples"], data["test_seed"])}
    drawn = {tuple(row) for row in task.sample_inputs(8, data["validation_samples"], data["validation_seed"])}
    assert drawn & train and drawn & test  # the premise
    paths = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    write_profile_data(data, **paths)
    validation = inputs(paths["validation_path"])
    assert len(paths["validation_path"].read_text().splitlines()) == 30
    assert not validation & train and not validation & test


@pytest.mark.parametrize(
    "section,task,entry,message",
    [
        ("profiles", {"n": [3], "test_samples": 6000}, {"n": 3, "validation_samples": 800, "train_samples": 100_000},
         "profiles.s.validation_samples: the validation split: 800 inputs drawn apart from 106000 others: relu "
         "(seminar) at n = 3 has 6859 distinct inputs, of which about 0 would be left unseen (at least 1600 needed"),
        ("profiles", {"n": [3], "test_samples": 4000}, {"n": 3, "validation_samples": 1500, "train_samples": 2000},
         "profiles.s.validation_samples: the validation split: 1500 inputs drawn apart from 6000 others: relu "
         "(seminar) at n = 3 has 6859 distinct inputs, of which about 2860 would be left unseen (at least 3000 "),
    ],
)  # fmt: skip
def test_splits_that_nearly_exhaust_the_inputs_are_refused_at_planning(section, task, entry, message):
    refused(config(section, task, **entry), message)


def test_splits_planning_lets_through_are_drawn_apart_by_the_job(tmp_path):
    """The issue's 6,800 of 6,859 inputs with a training split of 200: planned, and the job draws the split."""
    profile = plan(config("profiles", {"n": [3], "test_samples": 6000}, n=3, validation_samples=800,
                          train_samples=200)).profiles["s"]  # fmt: skip
    paths = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    write_profile_data(profile.data, **paths)
    assert len(paths["validation_path"].read_text().splitlines()) == 800


def test_a_python_tasks_test_split_that_nearly_exhausts_the_inputs_is_refused(tmp_path, monkeypatch):
    refused(own_task(tmp_path, monkeypatch, CUMSUM, inputs=[0, 2], n=[4], train_samples=200, test_samples=10),
            "tasks.own.test_samples: the test split: 10 inputs drawn apart from 200 others: own.py:outputs at n = 4 "
            "has 81 distinct inputs")  # fmt: skip


EXITS = [
    ("import sys\n\ndef main():\n    pass\n\nsys.exit(main())\n",
     "tasks.own.file: own.py: importing it failed: SystemExit: it calls sys.exit(None) (own.py, line 6); a task file "
     "only defines functions: put script code under `if __name__ == '__main__':`"),
    ("import sys\nsys.exit(3)\n", "tasks.own.file: own.py: importing it failed: SystemExit: it calls sys.exit(3) "
                                  "(own.py, line 2); a task file only defines functions"),
    ("import argparse\nargparse.ArgumentParser().parse_args(['--steps', '3'])\n",
     "tasks.own.file: own.py: importing it failed: SystemExit: it calls sys.exit(2) (own.py, line 2); a task file "),
    ("import sys\n\ndef outputs(x, p):\n    sys.exit('bye')\n",
     "tasks.own.function: own.py, outputs(): raised SystemExit: it calls sys.exit('bye') (own.py, line 4)"),
    ("def outputs(x, p):\n    raise KeyboardInterrupt\n",
     "tasks.own.function: own.py, outputs(): raised KeyboardInterrupt (own.py, line 2)"),
    ("class Stop(BaseException):\n    pass\n\ndef outputs(x, p):\n    raise Stop('no')\n",
     "tasks.own.function: own.py, outputs(): raised Stop: no (own.py, line 5)"),
]  # fmt: skip


@pytest.mark.parametrize("source,message", EXITS)
def test_a_task_file_that_exits_is_one_line_naming_file_and_key(tmp_path, monkeypatch, source, message):
    refused(own_task(tmp_path, monkeypatch, source), message)


def test_a_task_file_that_exits_at_import_stops_snakemake_in_one_line(workflow):
    """Through Snakemake (a dry run): an exit status and the planner's line, not a silent exit 0."""
    (workflow.dir / "own.py").write_text("import sys\n\ndef main():\n    pass\n\nsys.exit(main())\n")
    entry = {"kind": "python", "file": "own.py", "inputs": [0, 12], "values": [0, 12], "n": [8],
             "directions": ["forward"]}  # fmt: skip
    (workflow.dir / "own.yaml").write_text(yaml.safe_dump({"results": "results/h", "run_tasks": ["own"],
                                                           "tasks": {"own": entry}}))  # fmt: skip
    result = workflow("--dry-run", "--configfile", "own.yaml")
    assert result.returncode == 1 and "Traceback" not in result.output
    assert "workflow config, tasks.own.file: own.py: importing it failed: SystemExit: it calls sys.exit(None) " \
           "(own.py, line 6)" in result.stderr  # fmt: skip


VALUES = [
    (None, {"values": [0, 1_000_000_000]}, "tasks.own.values: values: own.py:outputs at n = 8 holds the values "
     "0..1000000000, 1000000001 of them: above the 20000 a model's vocabulary may hold"),
    (None, {"inputs": [0, 30_000], "values": [0, 12]}, "tasks.own.inputs: inputs: own.py:outputs at n = 8 holds the "
     "values 0..30000, 30001 of them: above the 20000"),
    (None, {"values": [0, 2**63]}, "tasks.own.values: values: [0, 9223372036854775808] reaches beyond ±2**62"),
]  # fmt: skip


@pytest.mark.parametrize("change,entry,message", VALUES)
def test_values_no_model_could_hold_are_refused_at_planning(tmp_path, monkeypatch, change, entry, message):
    refused(own_task(tmp_path, monkeypatch, CUMSUM, **entry), message)


@pytest.mark.parametrize(
    "task,entry,message",
    [
        ({"value_max": 100_000_000}, None,
         "tasks.relu.value_max: value_max: relu (seminar) at n = 8 holds the values -9..800000000, 800000010 of them: "
         "above the 20000 a model's vocabulary may hold"),
        ({"n": [3000]}, None, "tasks.relu.value_max: value_max: relu (seminar) at n = 3000 holds the values "
                              "-9..27000, 27010 of them"),
        ({"value_max": 1200}, {},
         "profiles.s.task (relu).value_max: the no-learning baseline's count tables would hold 1 × n × (V + 1) × V = "
         "738893680 cells at n = 8 (V = 9610 values), above the 268435456 a job's memory holds"),
        ({"value_max": 30},
         {"conditioning": "prefix", "candidates": {"kind": "random", "count": 2000}, "train_samples": 4000},
         "profiles.s.conditioning: the no-learning baseline's count tables would hold 2000 × n × (V + 1) × V = "
         "1004000000 cells at n = 8 (V = 250 values, a table a candidate with conditioning: prefix), above the "),
    ],
)  # fmt: skip
def test_built_in_ranges_and_baseline_tables_that_cannot_fit_are_refused(task, entry, message):
    section = None if entry is None else "profiles"
    refused(config(section, task, **(entry or {"train_samples": 4000})), message)


def test_a_prefixed_sequence_must_fit_the_models_positions():
    """relu at n = 20 with conditioning: prefix: 3n + 3 = 63 tokens, which 24 positions (48 in the decoder) cannot
    hold; 32 (64) can."""
    entry = {"n": 20, "conditioning": "prefix", "model": {"max_sequence_length": 24}}
    refused(config("profiles", {"n": [20]}, **entry),
            "profiles.s: model.max_sequence_length: 24 < (3n + 3)/2 = 63/2, the decoder holding 2 × it (32 needed at "
            "n = 20 with data.conditioning: prefix)")  # fmt: skip
    entry["model"]["max_sequence_length"] = 32
    assert plan(config("profiles", {"n": [20]}, **entry)).profiles["s"]


def test_the_ground_truth_table_of_a_config_without_ground_truth_is_one_line():
    with pytest.raises(ConfigError, match=r"^ground_truth.csv: no profile of the config has a ground truth"):
        plan(config("profiles")).ground_truth_files("{profile}")
    validated = config("profiles", validate={"directions": ["forward"]}, candidates={"kind": "forward_plus_random",
                                                                                      "count": 4})  # fmt: skip
    assert plan(validated).ground_truth_files("{profile}") == ["s"]


def test_data_a_task_file_no_longer_gives_names_the_task_and_the_likely_cause(tmp_path, monkeypatch):
    """A function whose results differ between processes (hash randomisation), as seen by the job that reads the
    data: the line names the task by its label (file:function, no variant) and what likely went wrong."""
    from cotorder.datafiles import DataFormatError
    from cotorder.profiling import read_samples
    from cotorder.training import CotLoadPreprocessor, build_tokenizer

    salted = CUMSUM.replace("% p", "% p * 0 + (x + SALT) % p") + "\nSALT = 0\n"
    config_ = own_task(tmp_path, monkeypatch, salted, n=[4], train_samples=20, test_samples=5)
    data = plan(config_).runs["own", 4, "forward"].data
    write_run_data(data, {"train": tmp_path / "data.train", "test": tmp_path / "data.test"})
    (tmp_path / "own.py").write_text(salted.replace("SALT = 0", "SALT = 5"))  # another process's hash
    task = Task.from_settings(data["task"])
    cause = ("own.py's outputs() gives other outputs now than when the data were written: not deterministic across "
             "processes (hash(), set order, the clock, a global random state?) or the file edited since")  # fmt: skip
    with pytest.raises(DataFormatError) as error:
        read_samples(tmp_path / "data.test", task, 4)
    assert "are not the forward own.py:outputs CoT of these inputs" in str(error.value) and cause in str(error.value)
    training = {**data["task"], "n": 4, "order": "forward", "conditioning": "none"}
    reader = CotLoadPreprocessor(tmp_path / "data.test", set(build_tokenizer(training).get_vocab()), training)
    with pytest.raises(DataFormatError) as error:
        reader.process_sample((tmp_path / "data.test").read_text().splitlines()[0])
    assert "are not the own.py:outputs CoT of these inputs written in order forward" in str(error.value)
    assert cause in str(error.value) and "variant" not in str(error.value)


@pytest.mark.parametrize("entry,key", [({"validate": {"directions": ["forward", "sw7"]}}, "validate.directions"),
                                       ({"candidates": {"kind": "random", "count": 3, "include": ["sw7"]}},
                                        "candidates.include")])  # fmt: skip
def test_a_permutation_that_does_not_fit_a_profiles_n_names_the_profiles_key(entry, key):
    """sw7 fits the task's n = 7 and not the profile's n = 6: the profile's key is named, not the task's."""
    result = config("profiles", {"n": [7], "directions": ["forward", "sw7"]}, n=6, **entry)
    result["permutations"] = {"sw7": {"positions": [1, 0, 2, 3, 4, 5, 6]}}
    if "validate" in entry:
        result["profiles"]["s"]["candidates"] = {"kind": "forward_plus_random", "count": 3}
    refused(result, f"permutations.sw7.positions (used by profiles.s.{key}, n = 6): permutation [1, 0, 2, 3, 4, 5, 6] "
                    "has length 7, expected n = 6")  # fmt: skip


COUNTED = "import time\nimport numpy as np\n\nCALLS = []\n\ndef outputs(x, p):\n    CALLS.append(len(x))\n" \
          "    time.sleep(SLEEP)\n    return np.cumsum(x, axis=1) % p\n\nSLEEP = 0\n"  # fmt: skip


def test_a_task_function_is_checked_once_per_task_and_n_in_a_plan(tmp_path, monkeypatch):
    """A task used by its runs, a profile with ground truth and a search at one n: its file's function is called as
    one check at that n calls it (before: the check ran again for every use)."""
    from cotorder import task_files

    config_ = own_task(tmp_path, monkeypatch, COUNTED, train_samples=2000)
    small = {"task": "own", "n": 8, "train_samples": 1000, "validation_samples": 50,
             "train": {"max_steps": 10, "batch_size": 8}}  # fmt: skip
    config_["profiles"] = {"p": {**small, "candidates": {"kind": "forward_plus_random", "count": 4},
                                 "validate": {"directions": ["forward"]}}}  # fmt: skip
    config_["searches"] = {"s": {**small, "depth": 2, "initial": {"kind": "random"}}}
    plan(config_)
    calls = task_files.load("own.py").CALLS
    assert len(calls) == 4, calls  # the batch, again (deterministic), its first row alone, the batch reversed
    plan(config_)
    assert len(calls) == 4  # the file unchanged: not checked again


def test_a_slow_task_check_is_said_on_stderr(tmp_path, monkeypatch, capsys):
    from cotorder import tasks

    monkeypatch.setattr(tasks, "SLOW_CHECK", 0.05)
    plan(own_task(tmp_path, monkeypatch, COUNTED.replace("SLEEP = 0", "SLEEP = 0.05")))
    lines = capsys.readouterr().err.splitlines()
    assert "checking own.py:outputs at n = 8 (its functions on 32 samples): still running …" in lines
    assert any(line.startswith("checking own.py:outputs at n = 8 (its functions on 32 samples): done in ") for line in
               lines)  # fmt: skip


def test_the_jobs_data_check_calls_a_task_function_once_for_its_lines(tmp_path, monkeypatch):
    """Reading a training split checks its first 100 lines' CoT: one call of the file's function, not one a line."""
    from cotorder import task_files
    from cotorder.training import CHECKED_LINES, CotLoadPreprocessor, build_tokenizer

    config_ = own_task(tmp_path, monkeypatch, COUNTED, n=[4], train_samples=300, test_samples=5)
    data = plan(config_).runs["own", 4, "inverse"].data
    write_run_data(data, {"train": tmp_path / "data.train", "test": tmp_path / "data.test"})
    calls = task_files.load("own.py").CALLS
    calls.clear()
    training = {**data["task"], "n": 4, "order": "inverse", "conditioning": "none"}
    reader = CotLoadPreprocessor(tmp_path / "data.train", set(build_tokenizer(training).get_vocab()), training)
    for line in (tmp_path / "data.train").read_text().splitlines():
        reader.process_sample(line)
    assert len(calls) == 1 and calls[0] <= CHECKED_LINES


def test_random_orders_at_a_large_n_are_distinct_reproducible_and_avoid_the_excluded():
    from cotorder.orders import random_orders

    forward, inverse = list(range(4000)), list(range(3999, -1, -1))
    drawn = random_orders(4000, 40, seed=3, exclude=[forward, inverse])
    assert drawn == random_orders(4000, 40, seed=3, exclude=[forward, inverse])
    assert len({tuple(order) for order in drawn}) == 40 and forward not in drawn and inverse not in drawn
    assert all(sorted(order) == forward for order in drawn) and random_orders(4000, 40, seed=4) != drawn
    assert random_orders(20, 3, seed=1) == random_orders(20, 3, seed=1)  # n ≤ 20: drawn as indices, as before


def test_a_profiles_data_is_canonical_with_its_candidates_kept_as_drawn():
    found = plan(config("profiles", BOUNDED, n=30, candidates={"kind": "forward_plus_random", "count": 6},
                        model={"max_sequence_length": 32})).profiles["s"]  # fmt: skip
    assert found.data == runs.canonical(found.data) and list(found.data) == sorted(found.data)
    assert found.data["candidates"][0] == list(range(30)) and len(found.data["candidates"]) == 6


def test_the_minor_slips_are_refused_or_let_through_as_documented(tmp_path, monkeypatch):
    # A control ignores score_points (it trains nothing), as the docs say.
    assert plan(config("profiles", rank_by="baseline", score_points=100)).profiles["s"]
    refused(config("profiles", score_points=100), "profiles.s.score_points: 100 points in a run of 10 steps")
    # The same order twice among a task's directions: it would be trained twice.
    twice = config(None, {"directions": ["forward", "same"]})
    twice["permutations"] = {"same": {"positions": list(range(8))}}
    refused(twice, "tasks.relu.directions: 'same' is the same order as 'forward' at n = 8 (it would be trained twice)")
    # A task file whose name Snakemake would read as a wildcard.
    refused(own_task(tmp_path, monkeypatch, CUMSUM, file="own{x}.py"),
            "tasks.own.file: file: 'own{x}.py': Snakemake reads braces in a file name as wildcards")  # fmt: skip


def test_validate_with_both_of_its_forms_says_so():
    from cotorder.schema import load_schema, schema_error

    both = config("profiles", validate={"orders": 3, "directions": ["forward", "inverse"]})
    message = schema_error(both, load_schema(ROOT / "schemas" / "config.schema.yaml"))
    assert message.startswith("workflow config, profiles.s.validate: give one of orders, directions, not orders and "
                              "directions together"), message  # fmt: skip


@pytest.mark.parametrize("profile_train", [6, 9])  # the task's training split, and one of the profile's own
def test_a_python_profiles_validation_split_avoids_its_runs_test_split_as_they_draw_it(tmp_path, monkeypatch,
                                                                                       profile_train):  # fmt: skip
    source = CUMSUM + "\ndef s(rng, count, n, p):\n    return rng.integers(0, 2, size=(count, n))\n"
    config_ = own_task(tmp_path, monkeypatch, source, **SAMPLED, n=[4], train_samples=6, test_samples=5)
    config_["profiles"] = {"p": {"task": "own", "n": 4, "train_samples": profile_train, "validation_samples": 3,
                                 "candidates": {"kind": "random", "count": 2}, "score_points": 1,
                                 "train": {"max_steps": 2, "batch_size": 4}}}  # fmt: skip
    planned = plan(config_)
    run_paths = {split: tmp_path / f"data.{split}" for split in ("train", "test")}
    write_run_data(planned.runs["own", 4, "forward"].data, run_paths)
    test = set(keys(run_paths["test"]))
    task = Task.from_settings(planned.profiles["p"].data["task"])
    assert test != {tuple(row) for row in task.sample_inputs(4, 5, 123)}  # the premise: drawn apart, not as they come
    paths = {"train_path": tmp_path / "p.train", "validation_path": tmp_path / "p.valid"}
    write_profile_data(planned.profiles["p"].replicate(0)["data"], **paths)
    validation = set(keys(paths["validation_path"]))
    assert len(keys(paths["validation_path"])) == 3
    assert not validation & test and not validation & set(keys(paths["train_path"]))


def test_a_block_size_of_n_or_more_is_refused():
    refused(config("searches", initial={"kind": "blocks", "block_size": 9}),
            "searches.s.initial.block_size: 9 places a block at n = 8: one block, so the initial orders would be "
            "forward and inverse alone")  # fmt: skip
    assert plan(config("searches", initial={"kind": "blocks", "block_size": 7}))


def test_set_threads_below_one_is_one_line(workflow):
    result = workflow(*TINY, "-n", "--set-threads", "train=0")
    assert result.returncode == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == "--set-threads train=0: a job needs at least 1 thread"


def test_a_target_after_set_threads_is_named_not_a_resource_error(workflow):
    """argparse reads a target written after --set-threads as one more RULE=N pair: one line that says so."""
    result = workflow(*TINY, "-n", "--set-threads", "train=1", "results/searches/s/seed=3/order.json")
    assert result.returncode == 1 and "Traceback" not in result.output and "ValueError" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "--set-threads results/searches/s/seed=3/order.json: not a rule name (a target written after --set-threads "
        "is read as one of its RULE=N pairs: give targets before --set-threads, or end its pairs with --)")  # fmt: skip


def test_a_prefixed_search_whose_rounds_baseline_tables_cannot_fit_is_refused():
    refused(config("searches", {"value_max": 30}, conditioning="prefix", depth=6, train_samples=6000),
            "searches.s.conditioning: the no-learning baseline's count tables would hold 5040 × n × (V + 1) × V = "
            "2530080000 cells at n = 8")  # fmt: skip
    assert plan(config("searches", conditioning="prefix", depth=2)).searches["s"]
