"""What a newcomer meets first: the own-task template run as the docs give it, the warning for a config that adds a
task into the default config's folder, and the lines with which a finished run says where its results are."""

import re
import shlex
import shutil

import pytest
import yaml
from conftest import ROOT, TINY, copy_workflow, ok, planned_jobs, snakemake
from snakemake.cli import parse_config

from cotorder.schema import added_tasks_warning, merged_files
from cotorder.summary import report_command, where_results_are

TEMPLATE = "experiments/own_task_template.yaml"
OWN_TASK_DOCS = ["README.md", "docs/own_tasks.md"]
FILES = re.compile(r"^\s+(?:input|output|log|benchmark): (.+)$", re.M)  # a dry run's files, per job


def fenced(document, language, needle):
    """The one fenced ``language`` block of ``document`` that holds ``needle``."""
    blocks = [b for b in re.findall(rf"^```{language}\n(.*?)^```", (ROOT / document).read_text(), re.M | re.S)
              if needle in b]  # fmt: skip
    assert len(blocks) == 1, f"{document}: {len(blocks)} {language} blocks hold {needle!r}"
    return blocks[0]


def subset(part, whole) -> bool:
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            key in whole and subset(value, whole[key]) for key, value in part.items()
        )
    return part == whole


# ---------------------------------------------------------------- the own-task template, as the docs give it


@pytest.mark.parametrize("document", OWN_TASK_DOCS)
def test_the_own_task_commands_of_the_docs_plan_the_task_alone_into_its_own_folder(tmp_path, document):
    """The docs' commands run as written (Snakemake as a dry run): the template's task and nothing else, every file
    under results/own/, no warning."""
    folder = copy_workflow(tmp_path)
    shutil.copytree(ROOT / "examples", folder / "examples")
    copy, run = fenced(document, "bash", f"cp {TEMPLATE}").strip().splitlines()
    assert copy == f"cp {TEMPLATE} my_task.yaml"
    shutil.copy(folder / TEMPLATE, folder / "my_task.yaml")
    program, *arguments = shlex.split(run)
    assert program in ("snakemake", ".venv/bin/snakemake") and "my_task.yaml" in arguments
    result = ok(snakemake(folder, *arguments, "--dry-run"))
    runs = ["task=own, n=8, direction=forward", "task=own, n=8, direction=inverse"]
    assert {rule: sorted(jobs) for rule, jobs in planned_jobs(result.stdout).items()} == {
        "generate": runs,
        "train": [f"{run}, seed=42" for run in runs],
        "evaluate": [f"{run}, seed=42" for run in runs],
        "summarize": [""],
        "plot": [""],
        "all": [""],
    }
    files = [name for line in FILES.findall(result.stdout) for name in line.split(", ")]
    assert files and all(name.startswith(("results/own/", "cotorder/", "examples/tasks/cumsum.py")) for name in files)
    assert "warning" not in result.output


def test_the_template_trains_the_quick_demos_model_on_its_sample_counts():
    template = yaml.safe_load((ROOT / TEMPLATE).read_text())
    quick = yaml.safe_load((ROOT / "experiments/quick.yaml").read_text())["tasks"]["relu"]
    own = template["tasks"]["own"]
    assert (template["results"], template["run_tasks"]) == ("results/own", ["own"])
    for key in ("model", "train", "train_samples", "test_samples"):
        assert own[key] == quick[key], key


def test_the_own_task_config_docs_show_is_the_templates():
    shown = yaml.safe_load(fenced("docs/own_tasks.md", "yaml", "run_tasks: [own]"))
    assert subset(shown, yaml.safe_load((ROOT / TEMPLATE).read_text())), shown


# ---------------------------------------------------------------- a task added into the default's folder: a warning

CUMSUM = {"kind": "python", "file": "examples/tasks/cumsum.py", "inputs": [0, 12], "values": [0, 12],
          "settings": {"p": 13}, "n": [8], "directions": ["forward"]}  # fmt: skip
SNIPPET = {"tasks": {"cumsum": CUMSUM}}  # a task entry pasted into a config of its own
DEFAULT = ROOT / "workflow_config.yaml"


def warning_for(tmp_path, overlay, **settings):
    path = tmp_path / "my_task.yaml"
    path.write_text(yaml.safe_dump(overlay))
    return added_tasks_warning(merged_files([DEFAULT, path]) | settings, DEFAULT, [path])


def test_a_task_added_without_run_tasks_and_results_is_warned_of_with_what_to_add(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert warning_for(tmp_path, SNIPPET) == (
        "warning: my_task.yaml adds task cumsum but keeps the default config's results folder results/ (one "
        f"summary.csv for both) and sets no run_tasks: {DEFAULT}'s tasks (relu, square, index) run too. Add "
        "run_tasks: [cumsum] and results: results/cumsum (a starter: experiments/own_task_template.yaml)"
    )
    only_results = warning_for(tmp_path, {**SNIPPET, "run_tasks": ["cumsum"]})
    assert "keeps the default config's results folder results/" in only_results
    assert "sets no run_tasks" not in only_results
    assert only_results.endswith("Add results: results/cumsum (a starter: experiments/own_task_template.yaml)")
    assert warning_for(tmp_path, {**SNIPPET, "results": "results/cumsum"}) is None  # its own folder: meant
    assert warning_for(tmp_path, {}, tasks=SNIPPET["tasks"]).startswith("warning: --config adds task cumsum but ")


@pytest.mark.parametrize("config", sorted((ROOT / "experiments").glob("*.yaml")), ids=lambda path: path.name)
def test_no_shipped_config_is_warned_of(config):
    """paper.yaml adds tasks beside the default's, in its own folder: no warning."""
    assert added_tasks_warning(merged_files([DEFAULT, config]), DEFAULT, [config]) is None


def test_planning_a_pasted_task_entry_warns_once_on_stderr(tmp_path):
    folder = copy_workflow(tmp_path)
    shutil.copytree(ROOT / "examples", folder / "examples")
    (folder / "my_task.yaml").write_text(yaml.safe_dump(SNIPPET))
    result = ok(snakemake(folder, "--dry-run", "--configfile", "my_task.yaml"))
    assert result.stderr.count("warning: my_task.yaml adds task cumsum but keeps the default config's results") == 1
    assert "task=relu, n=30, direction=inverse" in result.stdout  # the default's grid, as warned


# ---------------------------------------------------------------- where a finished run's results are


def test_the_report_command_is_the_runs_config_as_given():
    command = report_command(".venv/bin/snakemake", "results/quick", ["experiments/quick.yaml", "my.yaml"], {})
    assert (
        command == ".venv/bin/snakemake --report results/quick/report.html --configfile experiments/quick.yaml my.yaml"
    )
    settings = {"run_tasks": ["relu"], "results": "out/quick relu", "gpu_slots": 2}
    command = report_command("/venv/lib/python3.11/site-packages/snakemake/__main__.py", "out/quick relu", [], settings)
    assert command.startswith("snakemake --report 'out/quick relu/report.html' --config ")
    given = shlex.split(command)[shlex.split(command).index("--config") + 1 :]
    assert parse_config(given) == {"run_tasks": ["relu"], "results": "out/quick relu", "gpu_slots": 2}


def test_a_whole_run_names_its_summaries_and_plots_and_the_report():
    built = ["results/quick/summary.csv", "results/quick/replicates.csv", "results/quick/plots/success_rate.png",
             "results/quick/plots/position_accuracy.png", "results/quick/relu/n=5/forward/seed=42/metrics.json",
             *(f"results/quick/profiles/p{i}/summary.csv" for i in range(8)),
             "results/quick/searches/s/summary.csv"]  # fmt: skip
    assert where_results_are("results/quick/", built, True, "REPORT").splitlines() == [
        "Results in results/quick/: summary.csv, replicates.csv, plots/success_rate.png, plots/position_accuracy.png; "
        "profiles/<name>/summary.csv for p0, p1, p2, p3, p4, p5, … (8 in all); searches/<name>/summary.csv for s "
        "(every output: docs/results.md)",
        "Report: REPORT",
    ]


def test_a_run_of_single_targets_names_no_summary_it_did_not_build():
    built = ["results/quick/relu/n=5/forward/seed=42/metrics.json", "results/quick/relu/n=5/forward/data.test"]
    assert where_results_are("results/quick", built, False, "REPORT") == (
        "Results in results/quick/ (this run built part of the config: no summary, plots or report)"
    )
    assert where_results_are("results/quick", [*built, "results/quick/summary.csv"], False, "REPORT") == (
        "Results in results/quick/: summary.csv (every output: docs/results.md)"
    )


def test_a_finished_run_ends_with_where_its_results_are(tiny_finished, tmp_path):
    """The tiny config's finished run, copied: its plots made again end the run with the results folder, its files and
    the report command, which makes the report; a dry run says nothing of results; a single target only its folder."""
    folder = tmp_path / "run"
    shutil.copytree(tiny_finished, folder, symlinks=True)
    result = ok(snakemake(folder, "--cores", "1", "--forcerun", "plot", *TINY))
    lines = result.stderr.splitlines()
    assert (
        "Results in results/: summary.csv, replicates.csv, plots/success_rate.png, plots/position_accuracy.png "
        "(every output: docs/results.md)"
    ) in lines
    report = "snakemake --report results/report.html --configfile tests/configs/tiny.yaml"
    assert f"Report: {report}" in lines
    ok(snakemake(folder, *shlex.split(report)[1:]))
    assert (folder / "results" / "report.html").read_text().lstrip().lower().startswith("<!doctype html>")

    dry = ok(snakemake(folder, "--cores", "1", "--forcerun", "plot", "--dry-run", *TINY))
    assert "Results in" not in dry.output and "Report:" not in dry.output

    target = "results/relu/n=4/forward/data.test"
    single = ok(snakemake(folder, "--cores", "1", "--force", target, *TINY))
    assert "Results in results/ (this run built part of the config: no summary, plots or report)" in single.stderr
    assert "Report:" not in single.output
