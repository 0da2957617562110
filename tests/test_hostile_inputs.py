"""Hostile inputs (issue 24): each refused with one line naming the flag, file or key, before anything is written."""

import subprocess
import sys

import pytest
from conftest import ROOT


def run(script, *args, cwd=None):
    return subprocess.run(
        [sys.executable, str(ROOT / script), *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def assert_one_line(result, *words, status=2):
    """Refused with ``status``, no traceback, and the last line of stderr naming every one of ``words``."""
    assert result.returncode == status, result.stdout[-2000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in line, result.stderr[-3000:]
    return line


# ---------------------------------------------------------------- the generators' seeds (items 3 and 9)

GENERATOR_FLAGS = {"relu": [], "square": [], "prod": [], "index": ["--m", 2]}


@pytest.mark.parametrize("kind", sorted(GENERATOR_FLAGS))
@pytest.mark.parametrize(
    "seeds,words",
    [
        (["--train-seed", 5, "--test-seed", 5], ["--train-seed and --test-seed are both 5"]),
        (["--train-seed", -1], ["--train-seed must be 0 to 4294967295, got -1"]),
        (["--test-seed", -5], ["--test-seed must be 0 to 4294967295, got -5"]),
        (["--test-seed", 2**32], ["--test-seed must be 0 to 4294967295, got 4294967296"]),
    ],
)
def test_generators_refuse_equal_and_negative_seeds(tmp_path, kind, seeds, words):
    root = tmp_path / "out"
    result = run(
        f"scripts/dataset_generation/{kind}.py",
        *("--sequence-lengths", 4, "--train-samples", 10, "--test-samples", 5, "--output-root", root),
        *GENERATOR_FLAGS[kind],
        *seeds,
    )
    assert_one_line(result, *words)
    assert not root.exists()  # nothing written


def test_the_default_seeds_of_every_generator_differ():
    from cotorder.runs import SPLIT_DEFAULTS, TEST_SEEDS

    assert all(seed != SPLIT_DEFAULTS["train_seed"] for seed in TEST_SEEDS.values())
