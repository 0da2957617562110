"""The workflow's layout: workflow_config.yaml the default config, and each config's own results root."""

import re

import pytest
import yaml
from conftest import ROOT, TINY, ok

PATHS = re.compile(r"^\s+(input|output|log|benchmark): (.+)$", re.M)  # a dry run's files, per job


def test_workflow_config_is_the_snakefiles_default():
    assert re.search(r'^configfile: "workflow_config.yaml"$', (ROOT / "Snakefile").read_text(), re.M)
    assert not (ROOT / "experiments" / "seminar.yaml").exists()


def test_every_shipped_config_has_its_own_results_root():
    roots = {"workflow_config.yaml": yaml.safe_load((ROOT / "workflow_config.yaml").read_text()).get("results")}
    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        roots[path.name] = yaml.safe_load(path.read_text()).get("results")
    assert roots["workflow_config.yaml"] == "results"
    assert None not in roots.values(), roots
    assert len(set(roots.values())) == len(roots), roots


@pytest.mark.parametrize(
    "config",
    [TINY, ["--configfile", "experiments/profiling_demo.yaml"], ["--configfile", "experiments/search_demo.yaml"]],
    ids=["tiny", "profiling_demo", "search_demo"],
)
def test_every_file_of_a_run_lies_under_its_results_root(workflow, config):
    """Outputs, logs and benchmarks of every rule (runs, summary, plots, profiles, searches) under `results`."""
    result = ok(workflow("--dry-run", *config, "--config", "results=elsewhere/root"))
    files = [name for _, line in PATHS.findall(result.stdout) for name in line.split(", ")]
    assert any("/logs/" in name for name in files) and any("/benchmarks/" in name for name in files)
    outside = [name for name in files if not name.startswith(("elsewhere/root/", "cotorder/"))]
    assert not outside, outside
    assert "Shell command: None" not in result.output  # script rules: no empty shell command per job
