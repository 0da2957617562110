"""The pipeline's definition: lint, formatting, dry runs, config validation, conda pins."""

import re
import subprocess
import sys
from importlib.metadata import version

import pytest
import yaml
from conftest import ROOT, ok

CONFIGS = {
    "default": [],
    "quick": ["--configfile", "experiments/quick.yaml"],
    "paper": ["--configfile", "experiments/paper.yaml"],
    "profiling_demo": ["--configfile", "experiments/profiling_demo.yaml"],
    "profiling_paper": ["--configfile", "experiments/profiling_paper.yaml"],
    "study_profiling": ["--configfile", "experiments/study_profiling.yaml"],
    "study_local": ["--configfile", "experiments/study_local.yaml"],
    "search_demo": ["--configfile", "experiments/search_demo.yaml"],
    "search_paper": ["--configfile", "experiments/search_paper.yaml"],
    "ground_truth_choose": ["--configfile", "experiments/ground_truth_choose.yaml"],
    "ground_truth_report": ["--configfile", "experiments/ground_truth_report.yaml"],
    "ground_truth_demo": [
        "--configfile",
        "experiments/profiling_demo.yaml",
        "experiments/stacked/ground_truth_demo.yaml",
    ],
}


# Every other config in experiments/ (their own tests dry-run these: own_tasks.yaml in test_own_tasks.py), and each
# overlay in experiments/stacked/ on the config it is stacked on.
OTHER_CONFIGS = ["discovery.yaml", "path_search.yaml", "unseen_task.yaml", "own_task_template.yaml"]
STACKED_ON = {"ground_truth_demo.yaml": "profiling_demo.yaml", "discovery_found.yaml": "discovery.yaml"}


def test_every_experiment_config_is_dry_run_by_a_test():
    named = {args[1].removeprefix("experiments/") for args in CONFIGS.values() if len(args) == 2}
    tested = named | set(OTHER_CONFIGS) | {"own_tasks.yaml"}
    assert {p.name for p in (ROOT / "experiments").glob("*.yaml")} == tested
    assert {p.name for p in (ROOT / "experiments" / "stacked").glob("*.yaml")} == set(STACKED_ON)


@pytest.mark.parametrize("files", [[name] for name in OTHER_CONFIGS] + [[base, f"stacked/{name}"] for name, base in
                                                                       STACKED_ON.items()], ids=" ".join)  # fmt: skip
def test_an_experiment_config_plans_before_any_job_runs(workflow, files):
    (workflow.dir / "examples").symlink_to(ROOT / "examples")  # the task files these configs name
    result = workflow("--dry-run", "--configfile", *[f"experiments/{name}" for name in files])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Job stats:" in result.stdout


def test_lint_is_clean(workflow):
    result = workflow("--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [["snakefmt", "--check", "."], ["ruff", "check", "."], ["ruff", "format", "--check", "."]],
    ids=" ".join,
)
def test_formatters_and_linters_are_clean(command):
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def job_counts(output):
    """The 'Job stats' table of a dry run as {rule: count}."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


@pytest.mark.parametrize(
    "name,runs",
    [
        ("default", 5 * 2 + 5 * 2 + 2 * 2),  # relu, square at 5 n; index at 2 n; forward and inverse
        ("quick", None),
        ("paper", 3 * 2 * 2 + 4 * 2),  # relu, square at L 20, 50, 100; index (d 2, 4, 8 at 13; d 2 at 31)
    ],
)
def test_dry_run_plans_every_chain(workflow, name, runs):
    result = workflow("--dry-run", *CONFIGS[name])
    assert result.returncode == 0, result.stdout + result.stderr
    counts = job_counts(result.stdout)
    assert counts["generate"] == counts["train"] == counts["evaluate"]
    assert counts["summarize"] == counts["plot"] == 1
    if runs is not None:
        assert counts["train"] == runs


@pytest.mark.parametrize(
    "name,profiles,seeds", [("profiling_demo", 4, 3), ("profiling_paper", 3, 3), ("study_profiling", 25, 3)]
)
def test_dry_run_plans_every_profile_and_no_run(workflow, name, profiles, seeds):
    result = workflow("--dry-run", *CONFIGS[name])
    assert result.returncode == 0, result.stdout + result.stderr
    counts = job_counts(result.stdout)
    assert counts["profile_summary"] == profiles
    assert counts["profile"] == counts["profile_data"] == profiles * seeds  # per replicate: its data, one training
    assert "train" not in counts and "summarize" not in counts  # run_tasks: []


@pytest.mark.parametrize(
    "name,profiles,runs", [("ground_truth_choose", 2 * 4, 2 * 16), ("ground_truth_report", 2 * 2 * 2, 2 * 2 * 16)]
)
def test_the_ground_truth_study_trains_its_orders_once_for_all_its_profiles(workflow, name, profiles, runs):
    """16 orders per task and n, one training seed, shared by every profile setting of that task and n."""
    counts = job_counts(ok(workflow("--dry-run", *CONFIGS[name])).stdout)
    assert counts["profile_summary"] == counts["profile_validation"] == profiles and counts["ground_truth"] == 1
    assert counts["profile"] == 3 * profiles and counts["train"] == counts["evaluate"] == runs
    assert "profile_pick" not in counts and "summarize" not in counts


def test_the_ground_truth_demo_adds_only_the_trained_orders_to_the_profiling_demo(workflow):
    """relu and square: forward, inverse and 10 picks each, three training seeds; the profiles as in their demo."""
    counts = job_counts(ok(workflow("--dry-run", *CONFIGS["ground_truth_demo"])).stdout)
    assert counts["profile"] == 4 * 3 and counts["profile_summary"] == 4
    assert counts["profile_pick"] == 2 * 10 and counts["profile_validation"] == 2
    assert counts["generate"] == 2 * 12 and counts["train"] == counts["evaluate"] == 2 * 12 * 3
    assert "summarize" not in counts  # run_tasks: [] still: only the ground truth's runs


@pytest.mark.parametrize(
    "name,searches,untrained,seeds,rounds,runs",
    [("search_demo", 4, 2, 3, 34, 16), ("search_paper", 16, 0, 1, 224, 48), ("study_local", 6, 0, 1, 42, 0)],
)
def test_dry_run_plans_every_search_round_and_the_found_orders_runs(workflow, name, searches, untrained, seeds,
                                                                     rounds, runs):  # fmt: skip
    """A model-ranked search is a job a round (search_round) and a search_result a seed; a search ranked without
    training (the demo's controls) one search_untrained job a seed."""
    result = workflow("--dry-run", *CONFIGS[name])
    assert result.returncode == 0, result.stdout + result.stderr
    counts = job_counts(result.stdout)
    assert counts["search_summary"] == searches and counts["search_result"] == (searches - untrained) * seeds
    assert counts.get("search_untrained", 0) == untrained * seeds
    assert counts["search_round"] == rounds * seeds
    assert counts.get("generate", 0) == counts.get("train", 0) == counts.get("evaluate", 0) == runs


def write_config(folder, text):
    (folder / "overlay.yaml").write_text(text)
    return ["--configfile", "overlay.yaml"]


BAD_CONFIGS = [
    ("tasks: {relu: {kind: relu, n: [1], directions: [forward]}}", "1 is less than the minimum of 2"),
    ("tasks: {relu: {kind: cube, n: [5], directions: [forward]}}", "'cube' is not one of"),
    ("tasks: {relu: {kind: relu, n: [5], directions: [forward], colour: red}}", "'colour' was unexpected"),
    ("tasks: {relu: {kind: relu, n: five, directions: [forward]}}", "'five' is not of type 'array'"),
    ("tasks: {relu: {kind: relu, n: [5], directions: [forward], m: 3}}", "tasks.relu.m: not a setting of relu"),
    ("run_tasks: [relu, cube]", "run_tasks: 'cube': no such task"),
    ("tasks: {p: {kind: prod, n: [5], directions: [forward]}}", "tasks.p.n: prod needs an even n"),
    (
        "profiles: {p: {task: cube, n: 4, candidates: {kind: random, count: 3}}}",
        "profiles.p.task: 'cube': no such task",
    ),
    (
        "profiles: {p: {task: relu, n: 3, candidates: {kind: random, count: 7}}}",
        "profiles.p.candidates: 7 distinct orders asked for, but n = 3 has only 6",
    ),
    (
        "profiles: {p: {task: relu, n: 4, candidates: {kind: random, count: 3}, train: {save_steps: 5}}}",
        "profiles.p.train.save_steps: set by score_points",
    ),
    ("profiles: {p: {task: relu, n: 4, candidates: {kind: best, count: 3}}}", "profiles"),
    ("tasks: {relu: {kind: relu, n: [5], directions: [sideways]}}", "tasks.relu.directions: 'sideways'"),
    (
        "permutations: {swap: {positions: [1, 0, 2]}}\ntasks: {relu: {kind: relu, n: [5], directions: [swap]}}",
        "permutations.swap.positions (used by tasks.relu, n = 5): permutation [1, 0, 2] has length 3",
    ),
    (
        "tasks: {relu: {kind: relu, n: [5], directions: [forward], value_min: 4, value_max: 1}}",
        "tasks.relu: value_min 4 is greater than value_max 1",
    ),
    ("tasks: {idx: {kind: index, n: [5], directions: [forward]}}", "tasks.idx.m: index tasks need m"),
    (
        "tasks: {relu: {kind: relu, n: [5], directions: [forward], train: {output_dir: out}}}",
        "tasks.relu.train.output_dir: set by the pipeline's rules",
    ),
    (
        "tasks: {relu: {kind: relu, n: [5], directions: [forward], train: {num_threads: 8}}}",
        "tasks.relu.train.num_threads: set by Snakemake's threads (--set-threads train=N)",
    ),
    ("tasks: {relu: {kind: relu, n: [5], directions: [forward], train: {lr: 1}}}", "train.lr: unknown config key"),
    (
        "tasks: {relu: {kind: relu, n: [5], directions: [forward], model: {d_model: -4}}}",
        "model.d_model: must be at least 1",
    ),
]


@pytest.mark.parametrize("text,message", BAD_CONFIGS)
def test_bad_config_is_refused_before_any_job(workflow, text, message):
    result = workflow("--cores", 1, *write_config(workflow.dir, text))
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (workflow.dir / "results").exists()
    if message.startswith(("tasks.", "run_tasks", "profiles.")):  # our checks, not the schema's: no traceback
        assert 'File "' not in result.stderr, result.stderr


ENV_PACKAGES = {"pytorch": "torch", "pytorch-gpu": "torch", "calt-x": "calt-x"}


def pinned_packages(env_file):
    spec = yaml.safe_load(env_file.read_text())
    pins = {}
    for item in spec["dependencies"]:
        for entry in item["pip"] if isinstance(item, dict) else [item]:
            name, pinned = re.split(r"==?", entry, maxsplit=1)
            pins[name] = pinned
    return pins


def test_every_rule_names_a_conda_environment(workflow):
    result = workflow("--list-rules")
    rules = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    text = "\n".join(p.read_text() for p in (ROOT / "rules").glob("*.smk"))
    for block in re.split(r"\n(?=rule )", text):
        name = re.match(r"rule (\w+):", block)
        if name and ("script:" in block or "shell:" in block):
            conda = re.search(r'conda:\n\s+"\.\./(envs/\w+\.yaml)"', block)
            assert conda, f"rule {name.group(1)} names no conda environment"
            assert (ROOT / conda.group(1)).is_file()
    assert {"generate", "train", "evaluate", "summarize", "plot"} <= set(rules)


@pytest.mark.parametrize("env_file", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_conda_pins_match_the_tested_versions(env_file):
    pins = pinned_packages(env_file)
    assert pins.pop("python") == f"{sys.version_info.major}.{sys.version_info.minor}"
    for name, pinned in pins.items():
        if name in ("pip", "cuda-version"):
            continue
        installed = version(ENV_PACKAGES.get(name, name)).split("+")[0]
        assert installed == pinned, f"{env_file.name}: {name}={pinned}, but the tests run {installed}"
