"""Shared fixtures: a copy of the workflow in a temporary folder, as a user's checkout."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = [
    "Snakefile",
    "workflow_config.yaml",
    "experiments",
    "rules",
    "schemas",
    "report",
    "scripts",
    "envs",
    "profiles",
    "config",
]


def pytest_collection_modifyitems(items):
    """The SLURM tests last (they would run before test_summary ... test_workflow_static by name): while
    /etc/slurm/slurm.conf names a controller that is not running, every Snakemake start waits 9 s, because the SLURM
    executor plugin, which Snakemake imports at every start, runs `scontrol show config` on import and scontrol gives
    up on the controller only after 9 s. tests/slurm/cluster.sh stop removes that file again; running the SLURM tests
    last keeps the rest of the suite from paying for it should it be left behind (a teardown that failed)."""
    items.sort(key=lambda item: item.path.name == "test_slurm.py")  # stable: the rest keep their order


def copy_workflow(target: Path) -> Path:
    """The workflow's files under ``target`` (the package linked, not copied)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    (target / "tests").mkdir()
    shutil.copytree(ROOT / "tests" / "configs", target / "tests" / "configs")
    (target / "cotorder").symlink_to(ROOT / "cotorder")
    return target


# The tiny test config (tests/configs/tiny.yaml) and the runs it makes, in summary order.
TINY = ["--configfile", "tests/configs/tiny.yaml"]
TINY_RUNS = [("relu", "forward"), ("relu", "inverse"), ("square", "forward"), ("square", "swap")]
# The tiny config run locally as docs/ground_truth.md runs its studies: two one-thread jobs at a time on two cores. A
# tiny job's time is mostly its imports, on one core: a two-thread job (the rules' default) would leave the other idle.
LOCAL = ["--cores", "2", "--set-threads", "train=1", "evaluate=1", "profile=1", "search_round=1", *TINY]

PLANNED = re.compile(r"^rule (\w+):\n(?:    (?:wildcards: (.*)|.*)\n)*", re.M)  # a dry run's jobs: rule, wildcards


def snakemake(folder, *args, timeout=900):
    """Snakemake in ``folder``; the result's ``output`` is stdout and stderr together."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *map(str, args)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result.output = result.stdout + result.stderr
    return result


def ok(result):
    assert result.returncode == 0, result.output[-6000:]
    return result


def planned_jobs(dry_run_output):
    """{rule: [wildcards text, ...]} of the jobs a dry run lists."""
    jobs = {}
    for rule, wildcards in PLANNED.findall(dry_run_output):
        jobs.setdefault(rule, []).append(wildcards)
    return jobs


def mtimes(folder, pattern):
    return {p: p.stat().st_mtime_ns for p in folder.glob(pattern)}


@pytest.fixture
def workflow(tmp_path):
    """Run Snakemake in a fresh copy of the workflow: ``workflow(*args)`` -> CompletedProcess."""
    copy_workflow(tmp_path)

    def run(*args):
        return snakemake(tmp_path, *args)

    run.dir = tmp_path
    return run


@pytest.fixture(scope="session")
def tiny_finished(tmp_path_factory):
    """A workflow copy on which the tiny config has run to completion locally (LOCAL), made once for the tests that
    read it or copy it: test_workflow_run's, and test_slurm's as the local run a SLURM run must match."""
    folder = copy_workflow(tmp_path_factory.mktemp("tiny_finished"))
    ok(snakemake(folder, *LOCAL))
    return folder
