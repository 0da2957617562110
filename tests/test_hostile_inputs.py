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


# ---------------------------------------------------------------- the results root (items 6 and 7)


def files_outside(folder, root="results"):
    """Every path under ``folder`` but Snakemake's own records and the results root."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.relative_to(folder).parts[0] not in (".snakemake", root)
    )


@pytest.fixture
def layout(tmp_path):
    """A repository (its project folders), a file in it, and another results root with a profile."""
    repo = tmp_path / "repo"
    for name in ("rules", "cotorder", "scripts", "profiles/slurm"):
        (repo / name).mkdir(parents=True)
    (repo / "Snakefile").write_text("")
    (repo / "notes.txt").write_text("a file")
    (repo / "results" / "demo" / "logs").mkdir(parents=True)
    (repo / "results" / "demo" / "profiles" / "relu_n8" / "seed=0").mkdir(parents=True)
    (tmp_path / "checkout" / "rules").mkdir(parents=True)
    return repo


@pytest.mark.parametrize(
    "results,words",
    [
        ("notes.txt", "'notes.txt': notes.txt is a file, not a folder"),
        ("notes.txt/sub", "notes.txt is a file, not a folder"),
        ("~/res", "starts with ~, which is not expanded"),
        (".", "'.' is the repository itself"),
        ("./", "'./' is the repository itself"),
        ("/", "'/' is a folder holding the repository"),
        ("..", "'..' leads out of the working folder"),
        ("results/../../x", "leads out of the working folder"),
        ("profiles/slurm", "lies in the project's own profiles"),
        ("cotorder", "lies in the project's own cotorder"),
        ("scripts/x", "lies in the project's own scripts"),
        ("Snakefile", "is a file, not a folder"),
        ("results/demo/profiles/relu_n8", "lies in results/demo/profiles, another results root's profiles folder"),
        ("results/demo/searches/s/x", "lies in results/demo/searches, another results root's searches folder"),
        ("../checkout", "leads out of the working folder"),
        ("ABSOLUTE/checkout", "holds rules, a checkout of the project"),
    ],
)
def test_results_roots_that_would_write_into_the_project_are_refused(layout, monkeypatch, results, words):
    from cotorder.schema import results_root_problem

    monkeypatch.chdir(layout)
    results = results.replace("ABSOLUTE", str(layout.parent))
    assert words in results_root_problem(results, layout, layout)


@pytest.mark.parametrize("results", ["results", "results/demo", "results/x/y", "ABSOLUTE/elsewhere", "out"])
def test_results_roots_of_their_own_are_taken(layout, results):
    from cotorder.schema import results_root_problem

    assert results_root_problem(results.replace("ABSOLUTE", str(layout.parent)), layout, layout) is None


def test_a_results_root_refused_by_the_workflow_names_the_file_and_line_and_writes_nothing(workflow):
    """Not a dry run: the refusal comes while the Snakefile is read, before any job (and any folder) is made."""
    (workflow.dir / "NOTES.md").write_text("notes")
    overlay = workflow.dir / "overlay.yaml"
    before = files_outside(workflow.dir)
    for value, words in (
        ("NOTES.md", ["workflow config, results: 'NOTES.md': NOTES.md is a file, not a folder"]),
        ("~/res", ["workflow config, results: '~/res' starts with ~"]),
    ):
        assert_one_line(workflow("-c1", "--config", f"results={value}"), *words, status=1)
    overlay.write_text("# an overlay\nrun_tasks: []\nresults: .\n")
    before = files_outside(workflow.dir)
    assert_one_line(
        workflow("-c1", "--configfile", overlay), "overlay.yaml:3: results: '.' is the repository", status=1
    )
    assert files_outside(workflow.dir) == before and not (workflow.dir / "~").exists()


# ---------------------------------------------------------------- Snakemake's own slips (item 11)


@pytest.mark.parametrize(
    "text,words",
    [
        ("tasks:\n  relu: {kind: relu\n  x: 1\n", "workflow_config.yaml:3:4: not valid YAML: expected ',' or '}'"),
        ("", "workflow_config.yaml: empty: a config file is a mapping of keys"),
        ("- relu\n- square\n", "workflow_config.yaml: a list, not a mapping of keys"),
    ],
)
def test_the_workflows_own_config_file_is_checked_with_file_and_line(workflow, text, words):
    (workflow.dir / "workflow_config.yaml").write_text(text)
    before = files_outside(workflow.dir)
    assert_one_line(workflow("-c1"), words, status=1)
    assert files_outside(workflow.dir) == before


def test_the_slips_docs_common_mistakes_lists_are_what_snakemake_says(workflow):
    """Snakemake loads --configfile files before the Snakefile runs: these messages are its own, as documented."""
    (workflow.dir / "empty.yaml").write_text("")
    (workflow.dir / "bad.yaml").write_text("tasks:\n  relu: {kind: relu\n  x: 1\n")
    docs = (ROOT / "docs" / "common_mistakes.md").read_text()
    before = files_outside(workflow.dir)
    for args, said in (
        (["--configfile", "tests/configs/tiny.yaml", "all"], "No such file or directory: 'all'"),
        (["--configfile", "nowhere.yaml"], "No such file or directory: 'nowhere.yaml'"),
        (["--configfile", "empty.yaml"], "Config file must be given as JSON or YAML with keys at top level."),
        (["--configfile", "bad.yaml"], "Config file is not valid JSON or YAML."),
    ):
        result = workflow("-n", "-c1", *args)
        assert result.returncode == 1 and said in result.output, result.output[-3000:]
        assert said in docs
        assert files_outside(workflow.dir) == before
    for args in (
        ["all", "--configfile", "tests/configs/tiny.yaml"],
        ["--configfile", "tests/configs/tiny.yaml", "--", "all"],
    ):
        assert workflow("-n", "-c1", *args).returncode == 0  # what to type instead


@pytest.mark.parametrize(
    "text,words",
    [
        ("tasks:\n  relu: {kind: relu\n  x: 1\n", "bad.yaml:3:4: not valid YAML"),
        ("", "bad.yaml: empty"),
        ("- a\n", "bad.yaml: a list, not a mapping"),
        ("a: 1\na: 2\n", "bad.yaml:2: a is given twice in one mapping (first at line 1)"),
    ],
)
def test_the_config_checker_names_an_overlays_file_and_line(tmp_path, text, words):
    (tmp_path / "bad.yaml").write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "cotorder.schema", "bad.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert_one_line(result, words)


def test_the_config_checker_passes_the_projects_configs():
    configs = [ROOT / "workflow_config.yaml", *sorted((ROOT / "experiments").glob("*.yaml"))]
    result = subprocess.run([sys.executable, "-m", "cotorder.schema", *configs], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- damaged replicates (items 4 and 5)

ORDERS = ["0 1 2 3", "3 2 1 0", "1 0 2 3", "2 3 0 1", "0 2 1 3"]


def write_replicate(root, profile, seed, labels=("forward", "inverse", "", "", ""), shift=0.0):
    """A ranked ``losses.csv`` of five orders, as the profile rule writes it."""
    import pandas as pd

    folder = root / "profiles" / profile / f"seed={seed}"
    folder.mkdir(parents=True, exist_ok=True)
    final = [0.5 + shift, 0.9, 1.0 + shift, 1.1, 1.2]
    table = pd.DataFrame(
        {"order": ORDERS, "label": list(labels), "loss_step5": [2.0, 2.1, 2.2, 2.3, 2.4], "loss_step10": final,
         "baseline": [1.5] * 5}
    )  # fmt: skip
    table["mean"] = (table["loss_step5"] + table["loss_step10"]) / 2
    table["score"] = table["loss_step10"]
    table = table.sort_values("score", kind="stable").reset_index(drop=True)
    table.insert(0, "rank", range(1, 6))
    table.to_csv(folder / "losses.csv", index=False)
    return folder / "losses.csv"


def damage(path, how):
    lines = path.read_text().splitlines(keepends=True)
    text = {
        "three rows": "".join(lines[:4]),
        "header only": lines[0],
        "empty": "",
        "a non-number": "".join(lines[:2] + [lines[2].replace("0.9", "oops", 1)] + lines[3:]),
        "an order twice": "".join(lines[:5] + [lines[1]]),
    }[how]
    path.write_text(text)


DAMAGES = [
    ("three rows", "3 orders, not the 5 of seed 0's"),
    ("header only", "a header and no rows"),
    ("empty", "empty (no header, no rows)"),
    ("a non-number", ":3: loss_step10 'oops' is not a finite number"),
    ("an order twice", ":6: order '0 1 2 3' is given twice"),
]


@pytest.mark.parametrize("how,words", DAMAGES)
def test_a_damaged_replicate_is_refused_naming_its_file(tmp_path, how, words):
    from cotorder.study import ReplicateTableError, read_replicate_tables

    paths = {seed: write_replicate(tmp_path, "p", seed, shift=0.01 * seed) for seed in (0, 1)}
    assert [len(table) for table in read_replicate_tables(paths).values()] == [5, 5]
    damage(paths[1], how)
    with pytest.raises(ReplicateTableError, match="^" + re_escape(str(paths[1])) + ".*" + re_escape(words)):
        read_replicate_tables(paths)
    paths[1].unlink()
    with pytest.raises(ReplicateTableError, match=f"{re_escape(str(paths[1]))}: missing"):
        read_replicate_tables(paths)


def re_escape(text):
    import re

    return re.escape(text)


SUMMARY_JOB = """
import json, runpy, sys
from types import SimpleNamespace
folder, seeds, paths = json.loads(sys.argv[1])
sys.path.append({pipeline!r})  # appended, as Snakemake does: profile.py there is not the stdlib's
outputs = {{name: f"{{folder}}/{{name}}.out" for name in ("summary", "agreement")}}
job = SimpleNamespace(input=SimpleNamespace(losses=paths), params=SimpleNamespace(seeds=seeds),
                      output=SimpleNamespace(**outputs, plot=f"{{folder}}/losses.png"),
                      log=[f"{{folder}}/summary.log"], wildcards=SimpleNamespace(profile="p"))
runpy.run_path({script!r}, init_globals={{"snakemake": job}})
"""


def run_profile_summary(folder, paths):
    """scripts/pipeline/profile_summary.py as Snakemake runs it (its own process, its ``snakemake`` object)."""
    import json

    pipeline = ROOT / "scripts" / "pipeline"
    code = SUMMARY_JOB.format(pipeline=str(pipeline), script=str(pipeline / "profile_summary.py"))
    argument = json.dumps([str(folder), list(paths), [str(path) for path in paths.values()]])
    return subprocess.run([sys.executable, "-c", code, argument], capture_output=True, text=True)


@pytest.mark.parametrize("how,words", DAMAGES[:4])  # the four (the reader's test has them all)
def test_the_profile_summary_refuses_a_damaged_replicate(tmp_path, how, words):
    folder = tmp_path / "profiles" / "p"
    paths = {seed: write_replicate(tmp_path, "p", seed, shift=0.01 * seed) for seed in (0, 1)}
    damage(paths[1], how)
    result = run_profile_summary(folder, paths)
    assert result.returncode == 1, result.stderr  # the job fails; its log says why, in one line
    assert (folder / "summary.log").read_text().splitlines() == [
        f"profile p: {paths[1]}" + (folder / "summary.log").read_text().split(str(paths[1]), 1)[1].rstrip("\n")
    ]
    assert words in (folder / "summary.log").read_text()
    assert sorted(path.name for path in folder.iterdir()) == ["seed=0", "seed=1", "summary.log"]  # nothing written


def test_the_profile_summary_of_sound_replicates(tmp_path):
    import pandas as pd

    paths = {seed: write_replicate(tmp_path, "p", seed, shift=0.01 * seed) for seed in (0, 1)}
    folder = tmp_path / "profiles" / "p"
    result = run_profile_summary(folder, paths)
    assert result.returncode == 0, result.stderr + (folder / "summary.log").read_text()
    summary = pd.read_csv(folder / "summary.out")
    assert len(summary) == 5 and summary["score_sd"].notna().all()


def study(*args, cwd=None):
    return run("scripts/study_table.py", *args, cwd=cwd)


def test_study_table_of_a_profile_without_forward_among_its_candidates(tmp_path):
    for seed in (0, 1):
        write_replicate(tmp_path, "random_only", seed, labels=("", "inverse", "", "", ""), shift=0.01 * seed)
    result = study(tmp_path, "--criteria", "final")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("| random_only"))
    cells = [cell.strip() for cell in row.split("|")][1:-1]
    assert cells[2:7] == ["0 1", "", "", "", "2.0 ± 0.0"], row  # seeds; forward's rank, ranks, top: empty; inverse


@pytest.mark.parametrize(
    "seeds,words",
    [
        (["9"], "--seeds 9: no replicate of that seed (seeds read: 0 1)"),
        (["0", "7", "9"], "--seeds 7 9: no replicate of that seed"),
        (["-1"], "argument --seeds: --seeds must be 0 to 4294967295, got -1"),
    ],
)
def test_study_table_refuses_seeds_it_has_no_replicate_of(tmp_path, seeds, words):
    for seed in (0, 1):
        write_replicate(tmp_path, "p", seed)
    assert_one_line(study(tmp_path, "--seeds", *seeds), words)


@pytest.mark.parametrize("how,words", DAMAGES)
def test_study_table_refuses_a_damaged_replicate(tmp_path, how, words):
    paths = {seed: write_replicate(tmp_path, "p", seed) for seed in (0, 1)}
    damage(paths[1], how)
    assert_one_line(study(tmp_path), str(paths[1]), words)


def test_study_table_follows_the_configs_seeds(tmp_path):
    """A profile whose seeds shrank to [0]: with --configfile only seed 0 is read (and a configured seed's missing
    replicate is named); without it the seeds columns say that the stale seed 1 was read."""
    for seed in (0, 1):
        write_replicate(tmp_path, "p", seed, shift=0.01 * seed)
    config = tmp_path / "study.yaml"
    profile = "{task: relu, n: 4, candidates: {kind: forward_plus_random, count: 5}"
    config.write_text(f"results: {tmp_path}\nrun_tasks: []\nprofiles:\n  p: {profile}, seeds: [0]}}\n")
    stale = study(tmp_path, "--criteria", "final")
    assert stale.returncode == 0 and stale.stdout.count(" 0 1 ") == 2, stale.stdout + stale.stderr
    result = study("--configfile", config, "--criteria", "final")
    assert result.returncode == 0, result.stderr
    rows = [
        [cell.strip() for cell in line.split("|")] for line in result.stdout.splitlines() if line.startswith("| p ")
    ]
    assert [row[3] if len(row) > 8 else row[2] for row in rows] == ["0", "0"], result.stdout  # the seeds columns
    config.write_text(config.read_text().replace("seeds: [0]", "seeds: [0, 2]"))
    assert_one_line(study("--configfile", config), f"{tmp_path / 'profiles' / 'p' / 'seed=2' / 'losses.csv'}: missing")
    config.write_text("profiles: {p: {task: relu\n")
    assert_one_line(study("--configfile", config), f"--configfile {config}:2:1: not valid YAML")


# ---------------------------------------------------------------- issue 33: the generators' ranges and roots

SMALL_SPLITS = ("--sequence-lengths", 4, "--train-samples", 10, "--test-samples", 5)


@pytest.mark.parametrize(
    "kind,flags,words",
    [
        ("relu", ["--value-max", 9 * 10**18], ["--value-max: relu's running sum reaches n · 9000000000000000000 = "
                                               "36000000000000000000 at --sequence-lengths = 4, beyond the data's "
                                               "64-bit integers"]),
        ("relu", ["--value-min", -(2**61)], ["--value-min: relu's running sum reaches n · 2305843009213693952"]),
        ("square", ["--modulus", 2**40], ["--modulus: 1099511627776: square's x² + y² would leave the 64-bit"]),
    ],
)  # fmt: skip
def test_generator_settings_that_would_overflow_are_refused(tmp_path, kind, flags, words):
    result = run(f"scripts/dataset_generation/{kind}.py", *SMALL_SPLITS, "--output-root", tmp_path / "out", *flags)
    assert_one_line(result, *words)
    assert not (tmp_path / "out").exists()


def test_a_generator_refuses_an_empty_output_root(tmp_path):
    result = run("scripts/dataset_generation/relu.py", *SMALL_SPLITS, "--output-root", "", cwd=tmp_path)
    assert_one_line(result, "--output-root is empty")
    assert not list(tmp_path.iterdir())


def test_two_generators_given_one_root_do_not_replace_each_others_data(tmp_path):
    relu = run("scripts/dataset_generation/relu.py", *SMALL_SPLITS, "--output-root", tmp_path)
    assert relu.returncode == 0, relu.stderr
    written = (tmp_path / "n=4" / "data.train").read_bytes()
    square = run("scripts/dataset_generation/square.py", *SMALL_SPLITS, "--output-root", tmp_path)
    assert_one_line(square, f"--output-root: {tmp_path}/n=4/data.train holds data that is not square (seminar)'s "
                            "at n = 4")  # fmt: skip
    assert (tmp_path / "n=4" / "data.train").read_bytes() == written
    again = run("scripts/dataset_generation/relu.py", *SMALL_SPLITS, "--output-root", tmp_path, "--train-seed", 3)
    assert again.returncode == 0, again.stderr  # the same task's data: written again


@pytest.mark.parametrize("target,words", [("cotorder", "is a link into the project's own cotorder"),
                                          ("rules", "is a link into the project's own rules"),
                                          (".", "is a link into the repository itself")])  # fmt: skip
def test_a_results_root_linked_into_the_project_is_refused(layout, target, words):
    from cotorder.schema import results_root_problem

    (layout / "results" / "linked").symlink_to(layout / target, target_is_directory=True)
    assert words in results_root_problem("results/linked", layout, layout)
    if target != ".":  # (the repository's own sub is a root like any folder of its own)
        assert words in results_root_problem("results/linked/sub", layout, layout)


def test_a_results_root_linked_elsewhere_is_taken(layout):
    from cotorder.schema import results_root_problem

    (layout.parent / "disk").mkdir()
    (layout / "results" / "linked").symlink_to(layout.parent / "disk", target_is_directory=True)
    assert results_root_problem("results/linked", layout, layout) is None


def test_overlays_that_set_different_results_roots_are_warned_of(tmp_path):
    from cotorder.schema import stacked_results_warning

    files = []  # as Snakemake lists them: the --configfile overlays, then the Snakefile's default
    for name, results in (("a", "results/a"), ("b", "results/b"), ("c", "results/quick"), ("default", "results")):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(f"results: {results}\n")
    default = tmp_path / "default.yaml"
    warning = stacked_results_warning(files, "results/quick", default)
    assert warning.startswith("warning: the overlays set different results roots (") and "\n" not in warning
    assert "a.yaml: 'results/a'" in warning and "c.yaml: 'results/quick'" in warning and "default" not in warning
    assert warning.endswith("everything is written to 'results/quick'")
    assert stacked_results_warning([files[0], default], "results/a", default) is None  # one overlay: as meant
    (tmp_path / "b.yaml").write_text("results: results/a\n")
    assert stacked_results_warning([*files[:2], default], "results/a", default) is None  # two overlays, one root


def test_a_settings_name_with_a_dash_is_named_as_what_it_breaks(tmp_path):
    from cotorder.schema import load_schema, schema_error

    config = {"tasks": {"own": {"kind": "python", "file": "own.py", "inputs": [0, 1], "values": [0, 1],
                                "settings": {"p-q": 13}, "n": [4], "directions": ["forward"]}}}  # fmt: skip
    message = schema_error(config, load_schema(ROOT / "schemas" / "config.schema.yaml"))
    assert message.startswith("workflow config, tasks.own.settings: name 'p-q': argument names are letters, digits "
                              "and _, not starting with a digit (no -)")  # fmt: skip


def write_control(root, profile, seed):
    """A control replicate's ``losses.csv`` (rank_by: baseline): one point, loss_step0, equal to the baseline."""
    import pandas as pd

    folder = root / "profiles" / profile / f"seed={seed}"
    folder.mkdir(parents=True, exist_ok=True)
    baseline = [1.0, 1.3, 1.1, 1.2, 1.4]
    table = pd.DataFrame({"order": ORDERS, "label": ["forward", "inverse", "", "", ""], "loss_step0": baseline,
                          "baseline": baseline, "mean": baseline, "score": baseline,
                          "rank_by": "baseline"})  # fmt: skip
    table = table.sort_values("score", kind="stable").reset_index(drop=True)
    table.insert(0, "rank", range(1, 6))
    table.to_csv(folder / "losses.csv", index=False)


def test_study_table_of_a_control_says_control_and_claims_no_learning(tmp_path):
    for seed in (0, 1, 2):
        write_control(tmp_path, "control", seed)
    result = study(tmp_path, "--criteria", "final", "margin")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| control")]
    final, margin = ([cell.strip() for cell in row.split("|")][1:-1] for row in rows[:2])
    assert final[3:6] == ["1.0 ± 0.0", "1 1 1", "CONTROL (no model: the baseline's ranking)"], final
    assert margin[3:9] == ["CONTROL", "", "CONTROL (no model: the baseline's ranking)", "CONTROL", "CONTROL",
                           "CONTROL"], margin  # fmt: skip
    assert "3 of 3" not in result.stdout


def test_study_table_of_a_missing_folder_says_so(tmp_path):
    assert_one_line(study(tmp_path / "nowhere"), f"{tmp_path / 'nowhere'}: no such folder")
