"""Bad input never passes silently: line shapes, model–data agreement, settings before jobs, CLI errors."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from packaging.specifiers import SpecifierSet
from training_helpers import evaluate_into, tiny_config, write_relu

from cotorder.config import OPTIMIZERS, resolve
from cotorder.datafiles import DataFormatError, write_samples
from cotorder.orders import apply_order, order_positions
from cotorder.runs import ConfigError, plan
from cotorder.tasks import SettingError, Task
from cotorder.training import train


@pytest.fixture(scope="module")
def relu_inverse(tmp_path_factory):
    """A briefly trained relu n = 4 model on inverse data, its data, and square test data that fits its vocabulary."""
    root = tmp_path_factory.mktemp("bad")
    paths = write_relu(root, 4, train=300, test=30, order="inverse")
    model = train(tiny_config(paths, root / "model", 4, order="inverse", max_steps=4, save_steps=4))["output_dir"]
    square = Task("square")
    x = square.sample_inputs(4, 30, seed=5)
    write_samples(root / "square.test", x, apply_order(square.outputs(x), order_positions("inverse", 4)))
    return paths, model, root / "square.test"


def edit_line(path, number, text):
    lines = Path(path).read_text().splitlines(keepends=True)
    lines[number - 1] = text + "\n"
    Path(path).write_text("".join(lines))


@pytest.mark.parametrize(
    "line,message",
    [("1 2 3 4 : 0 2", "2 outputs, expected n = 4"), ("1 2 : 1 3 6 10", "2 inputs, expected n = 4")],
)
@pytest.mark.parametrize("split", ["train", "test"])
def test_a_line_of_the_wrong_length_names_file_and_line(tmp_path, relu_inverse, split, line, message):
    paths = write_relu(tmp_path, 4, train=300, test=30, order="inverse")
    edit_line(paths[split], 7, line)
    with pytest.raises(DataFormatError, match=f"{paths[split]}:7: {message}"):
        if split == "train":
            train(tiny_config(paths, tmp_path / "out", 4, order="inverse", max_steps=2))
        else:
            evaluate_into(tmp_path / "eval", relu_inverse[1], paths["test"], "inverse", num_threads=1)


def test_data_of_another_task_is_caught_with_file_and_line(tmp_path, relu_inverse):
    _, model, square = relu_inverse
    with pytest.raises(DataFormatError, match=f"{square}:1: outputs .* are not the relu \\(seminar\\) CoT"):
        evaluate_into(tmp_path, model, square, num_threads=1)


def test_another_order_than_the_models_is_refused(tmp_path, relu_inverse):
    paths, model, _ = relu_inverse
    with pytest.raises(
        ValueError, match=r"order forward \(\[0, 1, 2, 3\]\) is not the order inverse \(\[3, 2, 1, 0\]\)"
    ):
        evaluate_into(tmp_path, model, paths["test"], "forward", num_threads=1)


def test_the_default_order_is_the_models(tmp_path, relu_inverse):
    paths, model, _ = relu_inverse
    assert evaluate_into(tmp_path, model, paths["test"], num_threads=1)["order"] == [3, 2, 1, 0]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"optimizer": "sgd_typo"}, "train.optimizer: must be one of 'adamw_torch_fused'"),
        ({"num_train_epochs": 0}, r"train.num_train_epochs: 0 with max_steps -1 \(no cap\) trains no step"),
        (
            {"num_train_epochs": 0, "max_steps": 0},
            r"train.num_train_epochs: 0 with max_steps 0 \(no cap\) trains no step",
        ),
        ({"seed": 2**32}, "train.seed: must be at most 4294967295, got 4294967296"),  # numpy's seeds end there
    ],
)
def test_settings_the_trainer_would_refuse_are_refused_when_resolved(tmp_path, change, message):
    config = tiny_config({"train": "a", "test": "b"}, tmp_path, 4, **change)
    with pytest.raises(ValueError, match=message):
        resolve(config)
    workflow = {"tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward"], "train": change}}}
    with pytest.raises(ConfigError, match=f"tasks.relu \\(n = 4, forward\\): {message}"):
        plan(workflow)


def test_optimizers_are_the_trainers():
    from transformers.training_args import OptimizerNames

    assert set(OPTIMIZERS) <= {name.value for name in OptimizerNames}


def test_an_index_window_longer_than_the_history_is_refused():
    with pytest.raises(SettingError, match=r"the index window m = 40 is longer than the 12 outputs .* act as m = 12"):
        Task("index", m=40).check_window(13)
    Task("index", m=12).check_window(13)  # the longest window that means what it says
    with pytest.raises(ConfigError, match="tasks.i.m: the index window m = 13"):
        plan({"tasks": {"i": {"kind": "index", "m": 13, "n": [13], "directions": ["forward"]}}})


def run(script, *args, cwd=None):
    return subprocess.run(
        [sys.executable, str(ROOT / script), *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def assert_refused(result, *words):
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for word in words:
        assert word in result.stderr, result.stderr[-3000:]


def test_generator_refuses_a_window_longer_than_the_history(tmp_path):
    result = run("scripts/dataset_generation/index.py", "--sequence-lengths", 13, "--m", 40, "--output-root", tmp_path)
    assert_refused(result, "--m = 40 is longer than the 12 outputs")


def test_train_cli_names_a_yaml_error_and_a_missing_data_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("data:\n  kind: relu\n  n: [4\n")
    assert_refused(run("scripts/train/train.py", "--config", broken), f"{broken}:", "not valid YAML")
    config = tiny_config({"train": tmp_path / "nowhere.train", "test": tmp_path / "t"}, tmp_path / "out", 4)
    missing = tmp_path / "missing.yaml"
    missing.write_text(yaml.safe_dump(config))
    assert_refused(
        run("scripts/train/train.py", "--config", missing), "data.train_path", "nowhere.train does not exist"
    )


def test_train_cli_names_a_bad_data_line(tmp_path):
    paths = write_relu(tmp_path, 4, train=100, test=10)
    edit_line(paths["train"], 3, "1 2 3 4 : 0 2")
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(tiny_config(paths, tmp_path / "out", 4, max_steps=2)))
    assert_refused(run("scripts/train/train.py", "--config", config), f"{paths['train']}:3: 2 outputs, expected n = 4")


@pytest.mark.parametrize(
    "args,words",
    [
        (["--batch-size", "0"], ["--batch-size must be at least 1, got 0"]),
        (["--num-samples", "0"], ["--num-samples must be -1 (all) or at least 1, got 0"]),
        (["--order", "0,x"], ["--order", "'x' is not an integer"]),
    ],
)
def test_evaluate_cli_refuses_bad_flags(tmp_path, relu_inverse, args, words):
    paths, model, _ = relu_inverse
    result = run("scripts/evaluate.py", "--model", model, "--test", paths["test"], "--output", tmp_path, *args)
    assert_refused(result, *words)


def test_evaluate_cli_names_a_missing_model_and_a_wrong_order(tmp_path, relu_inverse):
    paths, model, square = relu_inverse
    result = run("scripts/evaluate.py", "--model", tmp_path / "none", "--test", paths["test"], "--output", tmp_path)
    assert_refused(result, f"--model {tmp_path / 'none'}: no trained model there")
    wrong = run(
        "scripts/evaluate.py", "--model", model, "--test", paths["test"], "--output", tmp_path, "--order", "forward"
    )
    assert_refused(wrong, "is not the order inverse")
    other_task = run("scripts/evaluate.py", "--model", model, "--test", square, "--output", tmp_path)
    assert_refused(other_task, f"{square}:1: outputs")


def model_copy(model, target, without=(), order=None):
    """A copy of a trained model's folder without some of its files, or recording another order."""
    shutil.copytree(model, target, ignore=shutil.ignore_patterns("checkpoints", *without))
    if order is not None:
        resolved = target / "resolved_config.yaml"
        config = yaml.safe_load(resolved.read_text())
        config["data"]["order"] = order
        resolved.write_text(yaml.safe_dump(config))
    return target


def test_evaluate_cli_names_a_model_folder_it_cannot_use(tmp_path, relu_inverse):
    """Only config.json, no weights, a loss profile's mixed-order model: exit 2 naming the folder."""
    paths, model, _ = relu_inverse
    model = Path(model)
    only_config = tmp_path / "only_config"
    only_config.mkdir()
    shutil.copy(model / "config.json", only_config)
    mixed = model_copy(model, tmp_path / "mixed", order="mixed")
    for folder, words in (
        (only_config, [f"--model {only_config}: no model weights there (no model.safetensors)"]),
        (mixed, [f"{mixed} was trained on a mixture of orders (a loss profile): it has no order to evaluate"]),
    ):
        result = run("scripts/evaluate.py", "--model", folder, "--test", paths["test"], "--output", tmp_path / "out")
        assert_refused(result, *words)
        assert not (tmp_path / "out").exists()


def evaluate_main(argv):
    """scripts/evaluate.py's main in this process (its refusals without a new process's imports)."""
    spec = importlib.util.spec_from_file_location("evaluate_cli", ROOT / "scripts" / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(list(map(str, argv)))


def test_evaluate_cli_checks_the_model_folders_files(tmp_path, relu_inverse, capsys):
    paths, model, _ = relu_inverse
    for without, words in (
        (["model.safetensors"], "no model weights there (no model.safetensors)"),
        (["tokenizer.json"], "no tokenizer there (no tokenizer.json)"),
    ):
        folder = model_copy(model, tmp_path / without[0], without=without)
        with pytest.raises(SystemExit) as exit:
            evaluate_main(["--model", folder, "--test", paths["test"], "--output", tmp_path / "out"])
        assert exit.value.code == 2 and f"--model {folder}: {words}" in capsys.readouterr().err


def test_evaluate_cli_refuses_an_output_that_is_not_a_folder(tmp_path, relu_inverse, capsys):
    paths, model, _ = relu_inverse
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    result = run("scripts/evaluate.py", "--model", model, "--test", paths["test"], "--output", a_file)
    assert_refused(result, f"--output {a_file}: {a_file} is a file, not a folder")
    (tmp_path / "taken" / "metrics.json").mkdir(parents=True)
    for output, words in (
        (a_file / "sub", f"{a_file} is a file, not a folder"),
        (tmp_path / "taken", f"{tmp_path / 'taken' / 'metrics.json'} is a folder, not a file"),
    ):
        with pytest.raises(SystemExit) as exit:
            evaluate_main(["--model", model, "--test", paths["test"], "--output", output])
        assert exit.value.code == 2 and f"--output {output}: {words}" in capsys.readouterr().err
    assert a_file.read_text() == ""


@pytest.mark.parametrize(
    "make,flags,words",
    [
        (lambda root: (root / "n=4").write_text("x"), [4, 6], "n=4 is a file, not a folder: data.train cannot be"),
        (lambda root: (root / "n=4" / "data.train").mkdir(parents=True), [4, 6], "n=4/data.train is a folder"),
        (lambda root: (root / "n=6" / "data-inv.test").mkdir(parents=True), [4, 6], "n=6/data-inv.test is a folder"),
        (
            lambda root: (root / "n=4" / "data-perm.json").mkdir(parents=True),
            [4, "--permutation", "1,0,2,3"],
            "n=4/data-perm.json is a folder",
        ),
    ],
)
def test_generator_checks_every_target_before_writing_any(tmp_path, make, flags, words):
    """A folder where a file goes (or a file where a folder goes), at any n: refused before anything is written."""
    root = tmp_path / "out"
    root.mkdir()
    make(root)
    before = sorted(root.rglob("*"))
    result = run(
        "scripts/dataset_generation/relu.py",
        *("--train-samples", 10, "--test-samples", 5, "--output-root", root, "--sequence-lengths", *flags),
    )
    assert_refused(result, str(root), words)
    assert sorted(root.rglob("*")) == before  # nothing written, no data-inv.train without its data.train


def test_a_killed_writes_temporary_file_is_removed_by_the_next_write(tmp_path):
    stale = tmp_path / ".data.train.x1y2.tmp"
    stale.write_text("half a file")
    other = tmp_path / ".data.test.x1y2.tmp"  # another output's: not ours to remove
    other.write_text("half")
    write_samples(tmp_path / "data.train", [[1, 2]], [[1, 3]])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".data.test.x1y2.tmp", "data.train"]


def test_python_3_11_and_3_12_are_allowed():
    import tomllib

    specifier = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert "3.11.7" in specifier and "3.12.3" in specifier and "3.13.0" not in specifier
