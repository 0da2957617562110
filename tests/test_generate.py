"""The seed's generator command lines: layout, bytes, determinism and bad input."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from cotorder import reference
from cotorder.datafiles import write_samples
from cotorder.generate import write_orders
from cotorder.generate_cli import main
from cotorder.orders import apply_order, order_positions
from cotorder.tasks import Task


def run_script(kind, *args):
    script = ROOT / "scripts" / "dataset_generation" / f"{kind}.py"
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True)


def small(tmp_path, *extra):
    return ["--output-root", tmp_path, "--train-samples", 40, "--test-samples", 10, *extra]


def assert_forward_and_inverse_are_the_reference(folder, kind, n, test_seed):
    """``folder`` holds exactly the forward and inverse splits of ``small`` sizes, byte for byte the reference's."""
    assert sorted(p.name for p in folder.iterdir()) == ["data-inv.test", "data-inv.train", "data.test", "data.train"]
    inverse = list(range(n - 1, -1, -1))
    for split, count, seed in (("train", 40, 42), ("test", 10, test_seed)):
        samples = list(reference.samples(kind, n, count, seed))
        assert (folder / f"data.{split}").read_text() == reference.file_text(samples)
        assert (folder / f"data-inv.{split}").read_text() == reference.file_text(samples, inverse)


def test_relu_layout_and_bytes_match_reference(tmp_path):
    result = run_script("relu", "--sequence-lengths", 5, 8, *small(tmp_path))
    assert result.returncode == 0, result.stderr
    for n in (5, 8):
        assert_forward_and_inverse_are_the_reference(tmp_path / f"n={n}", "relu", n, test_seed=123)
    assert (tmp_path / "n=5" / "data.train").read_text().startswith("-8 5 3 -1 -1 : 0 5 8 7 6\n")


def test_square_defaults_and_flags(tmp_path):
    assert (
        main(
            "square",
            [
                "--sequence-lengths",
                "6",
                "--modulus",
                "7",
                "--value-min",
                "-3",
                "--value-max",
                "3",
                "--variant",
                "paper",
                "--quiet",
                *map(str, small(tmp_path)),
            ],
        )
        == 0
    )
    params = {"variant": "paper", "modulus": 7, "value_min": -3, "value_max": 3}
    text = (tmp_path / "n=6" / "data.test").read_text()
    assert text == reference.file_text(reference.samples("square", 6, 10, 43, **params))


def test_index_layout_and_default_seeds(tmp_path):
    assert main("index", ["--sequence-lengths", "13", "--m", "2", "--quiet", *map(str, small(tmp_path))]) == 0
    folder = tmp_path / "n=13_m=2"
    assert (folder / "data.train").read_text() == reference.file_text(reference.samples("index", 13, 40, 42, m=2))
    assert (folder / "data.test").read_text() == reference.file_text(reference.samples("index", 13, 10, 43, m=2))
    assert (folder / "data.train").read_text().splitlines()[0] == "11 2 1 12 5 4 4 3 12 2 11 12 9 : 12 9" + " 12" * 11


def test_prod_layout_bytes_and_default_seeds(tmp_path):
    # The default test seed comes from cotorder.runs.TEST_SEEDS["prod"], which is 123.
    result = run_script("prod", "--sequence-lengths", 2, 6, 40, *small(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n=2", "n=40", "n=6"]
    for n in (2, 6, 40):
        assert_forward_and_inverse_are_the_reference(tmp_path / f"n={n}", "prod", n, test_seed=123)
    # 076 · 448 = 34048: forward is least significant digit first, inverse the usual writing.
    assert (tmp_path / "n=6" / "data.train").read_text().startswith("0 7 6 4 4 8 : 8 4 0 4 3 0\n")
    assert (tmp_path / "n=6" / "data-inv.train").read_text().startswith("0 7 6 4 4 8 : 0 3 4 0 4 8\n")


def test_prod_odd_length_exits_2_naming_the_flag(tmp_path):
    result = run_script("prod", "--sequence-lengths", 4, 7, "--output-root", tmp_path / "out")
    assert result.returncode == 2
    assert "prod needs an even --sequence-lengths (two operands of n/2 digits), got 7" in result.stderr
    assert not list(tmp_path.rglob("data*"))


@pytest.mark.parametrize("kind,extra", [("relu", []), ("square", []), ("index", ["--m", "3"])])
def test_permutation_writes_beside_forward(tmp_path, kind, extra):
    n = 5
    assert (
        main(
            kind,
            ["--sequence-lengths", str(n), "--permutation", "4,0,3,1,2", "--quiet", *extra, *map(str, small(tmp_path))],
        )
        == 0
    )
    folder = next(tmp_path.iterdir())
    assert sorted(p.name for p in folder.iterdir()) == [
        "data-perm.json",
        "data-perm.test",
        "data-perm.train",
        "data.test",
        "data.train",
    ]
    assert json.loads((folder / "data-perm.json").read_text())["permutation"] == [4, 0, 3, 1, 2]
    params = {"m": 3} if kind == "index" else {}
    train = list(reference.samples(kind, n, 40, 42, **params))
    assert (folder / "data.train").read_text() == reference.file_text(train)
    assert (folder / "data-perm.train").read_text() == reference.file_text(train, [4, 0, 3, 1, 2])


def test_no_inverse(tmp_path):
    assert main("relu", ["--sequence-lengths", "4", "--no-inverse", "--quiet", *map(str, small(tmp_path))]) == 0
    assert sorted(p.name for p in (tmp_path / "n=4").iterdir()) == ["data.test", "data.train"]


def test_two_runs_give_identical_bytes(tmp_path):
    for name in ("a", "b"):
        main("square", ["--sequence-lengths", "9", "--quiet", *map(str, small(tmp_path / name))])
    for path in (tmp_path / "a").rglob("data*"):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_progress_lines_and_quiet(tmp_path):
    loud = run_script("relu", "--sequence-lengths", 4, *small(tmp_path))
    assert loud.returncode == 0 and loud.stdout == ""
    lines = loud.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("wrote ") for line in lines)
    assert "n=4/data-inv.test (10 samples" in loud.stderr
    quiet = run_script("relu", "--sequence-lengths", 4, "--quiet", *small(tmp_path))
    assert quiet.returncode == 0 and quiet.stderr == ""


BAD = [
    ("relu", ["--sequence-lengths", "5", "--permutation", "0,1,2"], "--permutation", "length 3, expected n = 5"),
    ("relu", ["--sequence-lengths", "3", "--permutation", "0,0,1"], "--permutation", "appears more than once"),
    ("square", ["--sequence-lengths", "3", "--permutation", "0,1,3"], "--permutation", "3 is out of range"),
    ("index", ["--sequence-lengths", "3", "--m", "1", "--permutation", "0,x,1"], "--permutation", "'x' is not"),
    ("relu", ["--sequence-lengths", "3", "--value-min", "5", "--value-max", "2"], "--value-min 5", "--value-max 2"),
    ("square", ["--sequence-lengths", "3", "--modulus", "1"], "--modulus", "got 1"),
    ("relu", ["--sequence-lengths", "1"], "--sequence-lengths", "got 1"),
    ("prod", ["--sequence-lengths", "0"], "--sequence-lengths", "must be at least 2, got 0"),
    ("prod", ["--sequence-lengths", "4", "--value-max", "3"], "--value-max", "unrecognized"),
    ("index", ["--sequence-lengths", "5", "--m", "0"], "--m", "got 0"),
    ("relu", ["--sequence-lengths", "3", "--train-samples", "0"], "--train-samples", "got 0"),
    ("square", ["--sequence-lengths", "3", "--test-samples", "-2"], "--test-samples", "got -2"),
    ("relu", ["--sequence-lengths", "3", "--test-samples", "ten"], "--test-samples", "'ten'"),
    ("index", ["--sequence-lengths", "5"], "--m", "required"),
]


@pytest.mark.parametrize("kind,args,flag,detail", BAD)
def test_bad_input_exits_2_naming_the_flag(tmp_path, kind, args, flag, detail):
    result = run_script(kind, *args, "--output-root", tmp_path / "out")
    assert result.returncode == 2
    assert flag in result.stderr and detail in result.stderr
    assert not list(tmp_path.rglob("data*"))


def test_unwritable_output_root(tmp_path):
    # /proc refuses new folders even to root, who may write anywhere else.
    result = run_script("relu", "--sequence-lengths", "3", "--output-root", "/proc/cotorder-data")
    assert result.returncode == 2
    assert "--output-root '/proc/cotorder-data' cannot be created" in result.stderr


def test_output_root_that_is_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_script("relu", "--sequence-lengths", "3", "--output-root", blocker / "sub")
    assert result.returncode == 2
    assert "--output-root" in result.stderr and str(blocker / "sub") in result.stderr


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "data.train"
    target.write_text("old complete file\n")

    def full_disk(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="disk full"):
        write_samples(target, [[1, 2]], [[3, 4]])
    monkeypatch.undo()
    assert target.read_text() == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.train"]


@pytest.mark.parametrize("kind,params", [("relu", {}), ("square", {}), ("index", {"m": 3}), ("prod", {})])
def test_streamed_files_equal_the_whole_split_across_block_boundaries(tmp_path, kind, params):
    task = Task(kind, **params)
    x = task.sample_inputs(6, 50, seed=11)
    y = task.outputs(x)
    inverse = order_positions("inverse", 6)
    write_samples(tmp_path / "whole.fwd", x, y)
    write_samples(tmp_path / "whole.inv", x, apply_order(y, inverse))
    streamed = {tmp_path / "fwd": list(range(6)), tmp_path / "inv": inverse}
    write_orders(streamed, task, 6, 50, seed=11, quiet=True, rows=7)  # 7 blocks of 7 and one of 1
    assert (tmp_path / "fwd").read_bytes() == (tmp_path / "whole.fwd").read_bytes()
    assert (tmp_path / "inv").read_bytes() == (tmp_path / "whole.inv").read_bytes()
