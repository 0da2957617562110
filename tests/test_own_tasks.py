"""A task written in the user's own Python file (kind: python): the examples, the checks, and the whole pipeline."""

import json
import re
import runpy
import shutil
import textwrap

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, copy_workflow, ok, planned_jobs, snakemake

from cotorder.datafiles import DataFormatError
from cotorder.generate import write_run_data
from cotorder.profiling import read_samples
from cotorder.runs import ConfigError, plan
from cotorder.schema import merged_files
from cotorder.tasks import SettingError, Task

EXAMPLES = ROOT / "examples" / "tasks"
CUMSUM = {"kind": "python", "file": str(EXAMPLES / "cumsum.py"), "inputs": [0, 12], "values": [0, 12],
          "settings": {"p": 13}}  # fmt: skip
SCRAMBLED = {"kind": "python", "file": str(EXAMPLES / "scrambled_relu.py"), "inputs": [-9, 9], "values": [0, 72]}
DELAY = {"kind": "python", "file": str(EXAMPLES / "delay.py"), "sample": "sample", "values": [0, 10],
         "settings": {"p": 11}}  # fmt: skip


# ---------------------------------------------------------------- the examples, on hand-worked inputs


def test_cumsum_is_the_running_sum_mod_p():
    task = Task.from_settings(CUMSUM)
    # 5, 5 + 9 = 14 → 1, 1 + 12 = 13 → 0, 0 + 0 = 0, 0 + 1 = 1
    assert task.outputs(np.array([[5, 9, 12, 0, 1]])).tolist() == [[5, 1, 0, 0, 1]]
    assert task.value_range(8) == (0, 12) and task.input_count(2) == 169


def test_scrambled_relu_runs_relus_recurrence_in_the_order_sigma():
    task = Task.from_settings(SCRAMBLED)
    # n = 4: σ = [2, 0, 1, 3].  x = (-3, 5, 4, -9): z = max(0, x[2]) = 4, max(0, 4 + x[0]) = 1,
    # max(0, 1 + x[1]) = 6, max(0, 6 + x[3]) = 0; y[σ_k] = z_k.
    assert task.outputs(np.array([[-3, 5, 4, -9]])).tolist() == [[1, 6, 4, 0]]
    x = task.sample_inputs(8, 200, 1)
    sigma = [2, 4, 3, 6, 5, 0, 1, 7]  # the σ its docstring and docs/own_tasks.md state at n = 8
    written = task.outputs(x)[:, sigma]  # the CoT written in the order σ: relu's plain recurrence
    assert np.array_equal(written, Task.from_settings({"kind": "relu"}).outputs(x[:, sigma]))
    assert not np.array_equal(task.outputs(x), Task.from_settings({"kind": "relu"}).outputs(x))


def test_delay_rings_as_padovan_and_draws_sparse_kicks():
    task = Task.from_settings(DELAY)
    kick = np.zeros((1, 12), dtype=np.int64)
    kick[0, 0] = 1
    assert task.outputs(kick).tolist() == [[1, 0, 1, 1, 1, 2, 2, 3, 4, 5, 7, 9]]  # y_i = y_{i-2} + y_{i-3} + x_i
    # y_4 = 0 + 0 + 10, y_5 = y_3 + y_2 = 0, y_6 = y_4 + y_3 = 10, y_7 = (y_5 + y_4 + 10) mod 11 = 20 mod 11 = 9
    assert task.outputs(np.array([[0, 0, 0, 10, 0, 0, 10]])).tolist() == [[0, 0, 0, 10, 0, 10, 9]]
    x = task.sample_inputs(8, 4000, 42)
    assert x.min() == 0 and x.max() == 10 and 0.45 < (x == 0).mean() < 0.55
    assert task.value_range(8) == (0, 10)


# ---------------------------------------------------------------- the Task interface, as for a built-in kind


def test_settings_round_trip_and_are_what_the_config_gave():
    for settings in (CUMSUM, SCRAMBLED, DELAY):
        task = Task.from_settings(settings)
        assert task.settings() == {"function": "outputs", "settings": {}, **settings}
        assert Task.from_settings(task.settings()) == task


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    data = {"task": DELAY, "n": 6, "positions": [5, 4, 3, 2, 1, 0], "train_samples": 300, "test_samples": 20,
            "train_seed": 42, "test_seed": 123}  # fmt: skip
    texts = []
    for name in ("a", "b"):
        paths = {split: tmp_path / name / f"data.{split}" for split in ("train", "test")}
        write_run_data(data, paths)
        texts.append([paths[split].read_bytes() for split in ("train", "test")])
    assert texts[0] == texts[1] and texts[0][0] != texts[0][1]
    line = texts[0][0].decode().splitlines()[0].split(" : ")
    inputs = np.array([[int(v) for v in line[0].split()]])
    assert line[1].split() == [str(v) for v in Task.from_settings(DELAY).outputs(inputs)[0][::-1]]  # inverse


def test_the_data_check_recomputes_every_line_with_the_files_function(tmp_path):
    task = Task.from_settings(CUMSUM)
    x = task.sample_inputs(5, 30, 3)
    y = task.outputs(x)
    path = tmp_path / "data.train"
    lines = [" ".join(map(str, a)) + " : " + " ".join(map(str, b)) for a, b in zip(x, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    assert np.array_equal(read_samples(path, task, 5)[1], y)
    wrong = y.copy()
    wrong[17, 2] = (wrong[17, 2] + 1) % 13
    lines[17] = " ".join(map(str, x[17])) + " : " + " ".join(map(str, wrong[17]))
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=rf"{path}:18: outputs .* are not the forward .*cumsum.py:outputs CoT"):
        read_samples(path, task, 5)


# ---------------------------------------------------------------- the checks: one line naming file, function and key


def own_config(**entry):
    """A workflow config with one python task `own` (file own.py in the working folder) at n = 8."""
    task = {"kind": "python", "file": "own.py", "inputs": [0, 12], "values": [0, 12], "n": [8],
            "directions": ["forward"], **entry}  # fmt: skip
    return {"tasks": {"own": task}}


def refusal(tmp_path, monkeypatch, source, **entry) -> str:
    """The planner's one line for a config whose task file holds ``source`` (None: no file)."""
    monkeypatch.chdir(tmp_path)
    if source is not None:
        (tmp_path / "own.py").write_text(textwrap.dedent(source))
    with pytest.raises(ConfigError) as error:
        plan(own_config(**entry))
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


GOOD = """\
    import numpy as np

    def outputs(x):
        return np.cumsum(x, axis=1) % 13
"""
BAD_FILES = [
    (None, {}, "tasks.own.file: own.py: no such file (relative to "),
    (
        "import numpy as np\ndef outputs(x:\n    return x\n",
        {},
        "tasks.own.file: own.py: importing it failed: SyntaxError: ",
    ),
    (
        "import numpy as np\nimport no_such_package_here\n",
        {},
        "tasks.own.file: own.py: importing it failed: "
        "ModuleNotFoundError: No module named 'no_such_package_here' (own.py, line 2)",
    ),
    (
        "x = 1\nraise RuntimeError('set TASK_DATA first')\n",
        {},
        "tasks.own.file: own.py: importing it failed: RuntimeError: set TASK_DATA first (own.py, line 2)",
    ),
    (GOOD, {"function": "cot"}, "tasks.own.function: own.py: no function 'cot' (it defines: outputs)"),
    ("outputs = 3\n", {}, "tasks.own.function: own.py: outputs is a int, not a function"),
    (
        "import numpy as np\ndef outputs(x):\n    return x[:, :-1] % 13\n",
        {},
        "tasks.own.function: own.py, outputs(): returned shape (32, 7), expected (32, 8)",
    ),
    (
        "import numpy as np\ndef outputs(x):\n    return x / 2\n",
        {},
        "tasks.own.function: own.py, outputs(): returned dtype float64, expected an integer array",
    ),
    (
        "def outputs(x):\n    return x.tolist()\n",
        {},
        "tasks.own.function: own.py, outputs(): returned a list, expected a numpy array (32, 8)",
    ),
    (
        "import numpy as np\ndef outputs(x):\n    y = x % 13\n    y[0, 2] = 13\n    return y\n",
        {},
        "tasks.own.values: own.py, outputs(): returned 13 (sample 1, step 3), outside values [0, 12]",
    ),
    (
        "import numpy as np\ndef outputs(x):\n    return (x + np.random.randint(0, 2, x.shape)) % 13\n",
        {},
        "tasks.own.function: own.py, outputs(): not deterministic: two calls on the same inputs differ (sample ",
    ),
    (
        "import numpy as np\n\n\ndef outputs(x):\n    lengths = {4: 'four'}\n    return lengths[x.shape[1]]\n",
        {},
        "tasks.own.function: own.py, outputs(): raised KeyError: 8 (own.py, line 6)",
    ),
    (
        "def outputs(x):\n    return helper(x)\n\ndef helper(x):\n    return x[:, 99]\n",
        {},
        "tasks.own.function: own.py, outputs(): raised IndexError: index 99 is out of bounds for axis 1 with size 8 "
        "(own.py, line 5)",
    ),
    (
        "import numpy as np\ndef outputs(x):\n    return (x + x[:1]) % 13\n",
        {},
        "tasks.own.function: own.py, outputs(): a sample's CoT depends on the other samples of the batch",
    ),
    (
        GOOD,
        {"settings": {"p": 13}},
        "tasks.own.settings: own.py, outputs(x): cannot be called with the inputs and "
        "settings {'p': 13}: got an unexpected keyword argument 'p'",
    ),
    (
        "def outputs(x, p):\n    return x % p\n",
        {},
        "tasks.own.settings: own.py, outputs(x, p): cannot be called with "
        "the inputs and settings {}: missing a required argument: 'p'",
    ),
]


@pytest.mark.parametrize("source,entry,message", BAD_FILES)
def test_a_bad_task_file_is_refused_in_one_line_naming_file_function_and_key(tmp_path, monkeypatch, source, entry,
                                                                              message):  # fmt: skip
    assert message in refusal(tmp_path, monkeypatch, source, **entry)


SAMPLED = {"inputs": None, "sample": "draw"}
BAD_SAMPLES = [
    (
        "import numpy as np\ndef draw(rng, count, n):\n    return np.random.randint(0, 13, (count, n))\n",
        "tasks.own.sample: own.py, draw(): two draws from the same seed differ (sample ",
    ),
    (
        "def draw(rng, count, n):\n    return rng.integers(0, 13, (count, n + 1))\n",
        "tasks.own.sample: own.py, draw(): returned shape (32, 9), expected (32, 8)",
    ),
    (
        "def draw(rng, count, n):\n    return rng.integers(0, 14, (count, n))\n",
        "tasks.own.values: own.py, draw(): returned 13 ",
    ),
    (
        "def draw(rng, n):\n    return rng.integers(0, 13, (4, n))\n",
        "tasks.own.settings: own.py, draw(rng, n): cannot be called with the inputs and settings {}: too many ",
    ),
]


def sample_refusal(tmp_path, monkeypatch, source) -> str:
    """The planner's message for a task whose inputs the function ``draw`` of ``source`` draws."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "own.py").write_text(textwrap.dedent(GOOD) + "\n" + source)
    config = own_config(sample="draw")
    del config["tasks"]["own"]["inputs"]
    with pytest.raises(ConfigError) as error:
        plan(config)
    return str(error.value)


@pytest.mark.parametrize("source,message", BAD_SAMPLES)
def test_a_bad_sample_function_is_refused_in_one_line(tmp_path, monkeypatch, source, message):
    refused = sample_refusal(tmp_path, monkeypatch, source)
    assert message in refused and "\n" not in refused


BAD_SETTINGS = [
    ({"values": None}, "tasks.own.values: python tasks need values: [low, high]"),
    ({"inputs": None}, "tasks.own.inputs: python tasks need inputs: [low, high] (drawn uniformly) or sample"),
    ({"sample": "draw"}, "tasks.own.sample: give inputs (a range drawn uniformly) or sample"),
    ({"values": [12, 0]}, "tasks.own.values: values: low 12 is greater than high 0"),
    ({"variant": "paper"}, "tasks.own.variant: not a setting of python tasks"),
    ({"modulus": 7}, "tasks.own.modulus: not a setting of python tasks"),
    ({"file": None}, "tasks.own.file: python tasks need file"),
]


def settings_refusal(tmp_path, monkeypatch, change) -> str:
    """The planner's message for the task `own` with its entry changed (None: the key removed); no file."""
    monkeypatch.chdir(tmp_path)
    config = own_config()
    for key, value in change.items():
        config["tasks"]["own"].pop(key) if value is None else config["tasks"]["own"].update({key: value})
    with pytest.raises(ConfigError) as error:
        plan(config)
    return str(error.value)


@pytest.mark.parametrize("change,message", BAD_SETTINGS)
def test_a_python_tasks_settings_are_checked_before_its_file_is_read(tmp_path, monkeypatch, change, message):
    assert settings_refusal(tmp_path, monkeypatch, change).startswith(message)


def test_the_docs_table_of_checks_shows_the_lines_the_code_gives(tmp_path, monkeypatch):
    """Each line of docs/own_tasks.md's table is what Snakemake stops with for one of the cases above: the planner's
    message after the Snakefile's `workflow config, ` (checked in the pipeline test below), … standing for any text."""

    def folder(name):
        (tmp_path / name).mkdir()
        return tmp_path / name

    messages = [
        refusal(folder(f"file{i}"), monkeypatch, source, **entry) for i, (source, entry, _) in enumerate(BAD_FILES)
    ]
    messages += [sample_refusal(folder(f"sample{i}"), monkeypatch, source) for i, (source, _) in enumerate(BAD_SAMPLES)]
    messages += [settings_refusal(folder(f"set{i}"), monkeypatch, change) for i, (change, _) in enumerate(BAD_SETTINGS)]
    text = (ROOT / "docs" / "own_tasks.md").read_text()
    table = text[text.index("## The checks") : text.index("## The examples")]
    lines = re.findall(r"^\| [^|]+ \| `(workflow config, [^`]+)`", table, re.M)
    assert len(lines) == 16
    for line in lines:
        pattern = ".+".join(map(re.escape, line.split("…")))
        assert any(re.fullmatch(pattern, f"workflow config, {message}") for message in messages), line


def test_a_profile_at_another_n_is_checked_at_its_own_n(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "own.py").write_text("def outputs(x):\n    assert x.shape[1] < 9, 'n up to 8'\n    return x\n")
    config = own_config()
    plan(config)
    config["profiles"] = {"p": {"task": "own", "n": 9, "candidates": {"kind": "random", "count": 3}}}
    with pytest.raises(ConfigError, match=r"^profiles.p.task \(own\).function: own.py, outputs\(\): raised "
                                          r"AssertionError: n up to 8 \(own.py, line 2\)$"):  # fmt: skip
        plan(config)


def test_a_later_batch_outside_values_stops_generation_in_one_line(tmp_path, monkeypatch):
    """Planning checks a small batch; every batch a job computes is checked too."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "own.py").write_text("def outputs(x):\n    return x + (x.sum() > 2000)\n")
    task = Task.from_settings({"kind": "python", "file": "own.py", "inputs": [0, 12], "values": [0, 12]})
    task.check_file(4)  # 32 samples of 4: a sum below 2000
    with pytest.raises(SettingError, match=r"^values: own.py, outputs\(\): returned 13 \(sample \d+, step \d\), "):
        task.outputs(task.sample_inputs(4, 1000, 0))


# ---------------------------------------------------------------- the whole pipeline, tiny

TINY_MODEL = {"d_model": 32, "decoder_ffn_dim": 64, "encoder_ffn_dim": 64, "max_sequence_length": 16, "dropout": 0.0}
TINY_TRAIN = {"max_steps": 4, "batch_size": 32, "save_steps": 2, "logging_steps": 2, "learning_rate": 1e-3}
TINY_PROFILE = {"task": "own", "n": 4, "train_samples": 300, "validation_samples": 20, "score_points": 2,
                "model": {"d_model": 32, "decoder_ffn_dim": 64, "dropout": 0.0},
                "train": {"max_steps": 4, "batch_size": 32, "learning_rate": 1e-3}}  # fmt: skip
OWN_TINY = {
    "run_tasks": ["own"],
    "tasks": {
        "own": {"kind": "python", "file": "tasks/own.py", "inputs": [0, 4], "values": [0, 4], "settings": {"p": 5},
                "n": [4], "directions": ["forward"], "train_samples": 300, "test_samples": 40, "model": TINY_MODEL,
                "train": TINY_TRAIN},
        "relu": {"kind": "relu", "n": [4], "directions": ["forward"], "train_samples": 300, "test_samples": 40},
    },
    "profiles": {"own_profile": {**TINY_PROFILE, "seeds": [1],
                                 "candidates": {"kind": "forward_plus_random", "count": 3, "seed": 1}}},
    "searches": {"own_search": {**TINY_PROFILE, "depth": 1, "local": False, "initial": {"kind": "random"}}},
}  # fmt: skip
# Every job run with one thread, two at a time; the targets: a run's metrics, a profile's and a search's results (not
# the summaries and plots, which know nothing of the task), and the data of a built-in task beside it.
OWN = ["--cores", "2", "--configfile", "own.yaml", "--set-threads", "train=1", "evaluate=1", "profile=1",
       "search_round=1"]  # fmt: skip
TARGETS = [
    "results/own/n=4/forward/seed=42/metrics.json",
    "results/profiles/own_profile/seed=1/losses.csv",
    "results/searches/own_search/seed=0/order.json",
    "results/relu/n=4/forward/data.test",
]


def test_a_python_task_runs_through_the_pipeline_and_its_file_reruns_only_its_jobs(tmp_path):
    """Generation, training, evaluation, a profile and a search of a task in the user's file (seconds); editing the
    file plans that task's jobs again and not the built-in task's beside it; a file that fails its checks stops
    Snakemake before any job, in one line."""
    folder = copy_workflow(tmp_path)
    (folder / "tasks").mkdir()
    shutil.copy(EXAMPLES / "cumsum.py", folder / "tasks" / "own.py")
    (folder / "own.yaml").write_text(yaml.safe_dump(OWN_TINY))
    ok(snakemake(folder, *TARGETS, *OWN))
    results = folder / "results"
    assert json.loads((results / "own/n=4/forward/seed=42/metrics.json").read_text())["order"] == [0, 1, 2, 3]
    for line in (results / "own/n=4/forward/data.test").read_text().splitlines():
        x, y = (list(map(int, part.split())) for part in line.split(" : "))
        assert y == [sum(x[: i + 1]) % 5 for i in range(4)]
    losses = pd.read_csv(results / "profiles/own_profile/seed=1/losses.csv", dtype={"label": str})
    assert len(losses) == 3 and losses["baseline"].notna().all()
    assert sorted(json.loads((results / "searches/own_search/seed=0/order.json").read_text())["order"]) == [0, 1, 2, 3]

    # The file edited: its data and everything after them again, for this task only; relu's data is not planned.
    with open(folder / "tasks" / "own.py", "a") as handle:
        handle.write("\n# edited\n")
    jobs = planned_jobs(ok(snakemake(folder, *TARGETS, *OWN, "--dry-run")).stdout)
    own = "task=own, n=4, direction=forward"
    assert jobs == {
        "generate": [own],
        "train": [f"{own}, seed=42"],
        "evaluate": [f"{own}, seed=42"],
        "profile_data": ["profile=own_profile, seed=1"],
        "profile": ["profile=own_profile, seed=1"],
        "search_round": ["search=own_search, seed=0, round=1"],
        "search_result": ["search=own_search, seed=0"],
    }

    # A file that fails its checks: Snakemake stops before any job, in the planner's one line.
    (folder / "tasks" / "own.py").write_text("def outputs(x, p):\n    return x // 0 + 9\n")
    result = snakemake(folder, *TARGETS, *OWN, "--dry-run")
    assert result.returncode != 0 and 'File "' not in result.stderr
    assert "workflow config, tasks.own.values: tasks/own.py, outputs(): returned 9 (sample 1, step 1)" in result.output


def test_the_own_tasks_experiment_plans_the_three_examples(tmp_path, monkeypatch):
    """experiments/own_tasks.yaml: each example's runs, profile (sigma among its candidates) and the search."""
    folder = copy_workflow(tmp_path)
    shutil.copytree(ROOT / "examples", folder / "examples")
    result = ok(snakemake(folder, "--dry-run", "--configfile", "experiments/own_tasks.yaml"))
    jobs = planned_jobs(result.stdout)
    assert sorted(jobs["profile_data"]) == [f"profile={p}, seed={s}" for p in ("cumsum_n8", "delay_n8", "scrambled_n8")
                                            for s in (3, 4, 5)]  # fmt: skip
    monkeypatch.chdir(folder)  # the task files' paths are relative to the workflow's folder
    config = merged_files(["workflow_config.yaml", "experiments/own_tasks.yaml"])
    rounds = plan(config).search_rounds("scrambled_search")
    assert len(rounds) > 3  # the 3 global rounds (depth 3), then the local stage's
    assert len(jobs["profile"]) == 3 * 3 and len(jobs["search_round"]) == len(rounds) * 3  # every round of 3 seeds
    runs = {"cumsum": ["forward", "inverse"], "delay": ["forward", "inverse"],
            "scrambled": ["forward", "inverse", "scrambled_search", "sigma"]}  # fmt: skip
    assert sorted(jobs["generate"]) == [f"task={t}, n=8, direction={d}" for t in sorted(runs) for d in runs[t]]
    config = yaml.safe_load((ROOT / "experiments/own_tasks.yaml").read_text())
    sigma = config["permutations"]["sigma"]["positions"]
    assert sigma == [2, 4, 3, 6, 5, 0, 1, 7] == runpy.run_path(str(EXAMPLES / "scrambled_relu.py"))["sigma"](8)
    assert sigma in config["profiles"]["cumsum_n8"]["candidates"]["orders"]
