"""The workflow config's first checks (cotorder/schema.py): one line naming the key, integers that are ints,
seeds numpy takes, keys given once per mapping."""

import pytest
import yaml
from conftest import ROOT

from cotorder.schema import check_workflow_config, config_names, duplicate_key, load_schema, schema_error

SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")
TASK = "tasks: {relu: {kind: relu, n: [4], directions: [forward]}}\n"
PROFILE = TASK + "profiles: {relu_n8: {task: relu, n: 4, candidates: %s}}"
SEARCH = TASK + "searches: {s: {task: relu, n: 4, depth: %s, initial: %s}}"


@pytest.mark.parametrize(
    "text,message",
    [
        # floats and bools where integers are meant
        (
            "tasks: {relu: {kind: relu, n: [4], directions: [forward], seeds: [42.0]}}",
            "tasks.relu.seeds[0]: 42.0 is not of type 'integer'",
        ),
        (
            "tasks: {relu: {kind: relu, n: [4], directions: [forward], train_samples: 100.0}}",
            "tasks.relu.train_samples: 100.0 is not of type 'integer'",
        ),
        (PROFILE % "{kind: random, count: 3.0}", "profiles.relu_n8.candidates.count: 3.0 is not of type 'integer'"),
        (
            TASK + "profiles: {p: {task: relu, n: 4, candidates: {kind: random, count: 3}, score_points: 2.0}}",
            "profiles.p.score_points: 2.0 is not of type 'integer'",
        ),
        (SEARCH % ("2.0", "{kind: random}"), "searches.s.depth: 2.0 is not of type 'integer'"),
        (TASK + "gpu_slots: true", "gpu_slots: True is not of type 'integer'"),
        # seeds numpy takes: 0 to 2**32 - 1
        (
            "tasks: {relu: {kind: relu, n: [4], directions: [forward], seeds: [4294967296]}}",
            "tasks.relu.seeds[0]: 4294967296 is greater than the maximum of 4294967295",
        ),
        (
            "tasks: {relu: {kind: relu, n: [4], directions: [forward], train_seed: -1}}",
            "tasks.relu.train_seed: -1 is less than the minimum of 0",
        ),
        (
            SEARCH % (2, "{kind: random, seed: 4294967296}"),
            "searches.s.initial.seed: 4294967296 is greater than the maximum of 4294967295",
        ),
        # oneOf sections: the alternative the entry's keys point to, and the bad key in it
        (PROFILE % "{kind: best, count: 3}", "profiles.relu_n8.candidates.kind: 'best' is not one of"),
        (
            PROFILE % "{kind: random, count: 3, orders: [[0, 1]]}",
            "profiles.relu_n8.candidates.orders: unknown key ('orders' was unexpected; known keys: count, include,",
        ),
        (PROFILE % "{orders: [[0, 1.0]]}", "profiles.relu_n8.candidates.orders[0][1]: 1.0 is not of type 'integer'"),
        (PROFILE % "{count: 3}", "profiles.relu_n8.candidates: missing required key 'kind'"),
        (SEARCH % (2, "{kind: rand}"), "searches.s.initial.kind: 'rand' is not one of ['random', 'blocks']"),
        (SEARCH % (2, "{orders: [[1, 0, 2, 3]], seed: 3}"), "searches.s.initial.seed: unknown key ('seed' was"),
        (
            "permutations: {p: {seed: 1, positions: [0, 1]}}\n" + TASK,
            "permutations.p: give exactly one of positions, seed (given: positions, seed)",
        ),
        # the rest, one line each
        ("tasks: {relu: {kind: relu, n: [1], directions: [forward]}}", "tasks.relu.n[0]: 1 is less than the minimum"),
        ("tasks: {relu: {n: [5], directions: [forward]}}", "tasks.relu: missing required key 'kind'"),
        ("tasks: {'a b': {kind: relu, n: [5], directions: [forward]}}", "tasks: name 'a b': names are letters,"),
        ("permutations: {forward: {seed: 1}}\n" + TASK, "permutations: name 'forward' is reserved"),
        (TASK + "results: 7", "results: 7 is not of type 'string'"),
        ("{}", "workflow config: missing required key 'tasks'"),
    ],
)
def test_a_schema_error_is_one_line_naming_the_key(text, message):
    error = schema_error(yaml.safe_load(text), SCHEMA)
    assert error is not None and "\n" not in error
    assert error.startswith(message if message.startswith("workflow config") else f"workflow config, {message}")


def test_more_errors_are_counted_and_a_long_value_is_cut():
    config = {"tasks": {"relu": {"kind": "relu", "n": "x" * 5000, "directions": ["forward"], "m": 1.5}}}
    error = schema_error(config, SCHEMA)
    assert error.endswith("(and 1 more schema error)") and len(error) < 400


@pytest.mark.parametrize(
    "name", ["workflow_config.yaml", *(f"experiments/{p.name}" for p in (ROOT / "experiments").glob("*.yaml"))]
)
def test_the_shipped_configs_pass(name):
    config = yaml.safe_load((ROOT / "workflow_config.yaml").read_text())
    config.update(yaml.safe_load((ROOT / name).read_text()))  # the overlays set whole top-level sections
    assert duplicate_key(ROOT / name) is None
    assert schema_error(config, SCHEMA) is None


def test_a_key_given_twice_names_file_line_and_key(tmp_path):
    path = tmp_path / "overlay.yaml"
    path.write_text(
        "profiles:\n"
        "  p: &p {task: relu, n: 4, candidates: {kind: random, count: 3}}\n"
        "  q: {<<: *p, n: 5}\n"  # a merge key and a key over it: not a repeat
        "searches:\n"
        "  s1: {task: relu, n: 4, depth: 1, initial: {kind: random}}\n"
        "  s2: {task: relu, n: 4, depth: 1, initial: {kind: random, seed: 1, seed: 2}}\n"
        "  s1: {task: relu, n: 5, depth: 1, initial: {kind: random}}\n"
    )
    assert duplicate_key(path) == (
        f"{path}:6: searches.s2.initial.seed is given twice in one mapping (first at line 6): "
        "the last would silently win"
    )
    path.write_text(path.read_text().replace("seed: 1, seed: 2", "seed: 1"))
    assert duplicate_key(path).startswith(f"{path}:7: searches.s1 is given twice in one mapping (first at line 5)")
    path.write_text("tasks:\n  - {a: 1}\n  - {a: 1, b: 2, b: 3}\n")
    assert duplicate_key(path).startswith(f"{path}:3: tasks[1].b is given twice")
    path.write_text('{"tasks": {"a": 1,\t"a": 2}}')  # JSON with a tab: not YAML
    assert duplicate_key(path) == f"{path}: key 'a' is given twice in one object: the last would win"


def test_check_exits_with_the_message(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(TASK)
    bad.write_text(TASK + "run_tasks: [relu]\nrun_tasks: []\n")
    config = yaml.safe_load(TASK)
    schema = ROOT / "schemas" / "config.schema.yaml"
    assert check_workflow_config(config, [good], schema) is None
    with pytest.raises(SystemExit, match=f"^{bad}:3: run_tasks is given twice"):
        check_workflow_config(config, [good, bad], schema)
    with pytest.raises(SystemExit, match=r"^workflow config, tasks.relu.n\[0\]: 4.0 is not of type 'integer'$"):
        check_workflow_config({"tasks": {"relu": {"kind": "relu", "n": [4.0], "directions": ["f"]}}}, [good], schema)


def test_the_workflow_refuses_in_one_short_message(workflow):
    """At the command line: the message, no traceback, no schema dump."""
    (workflow.dir / "overlay.yaml").write_text(PROFILE % "{kind: random, count: 3.0}")
    result = workflow("--dry-run", "--configfile", "overlay.yaml")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Using workflow specific profile")]
    assert lines == ["workflow config, profiles.relu_n8.candidates.count: 3.0 is not of type 'integer'"]
    (workflow.dir / "overlay.yaml").write_text("searches: {}\nresults: a\nresults: b\n")
    result = workflow("--dry-run", "--configfile", "overlay.yaml")
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Using workflow specific profile")]
    assert result.returncode != 0 and lines == [
        "overlay.yaml:3: results is given twice in one mapping (first at line 2): the last would silently win"
    ]


def test_config_names_state_the_files_in_merge_order_and_the_config_settings(tmp_path, monkeypatch):
    """For the plots' titles: the Snakefile's config file, then --configfile's, then --config's settings alone."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    quick, outside = tmp_path / "experiments" / "quick.yaml", tmp_path.parent / f"{tmp_path.name}-elsewhere.yaml"
    quick.write_text("results: results/quick\ntasks: {relu: {kind: relu}}\n")
    outside.write_text("tasks: {relu: {n: [4]}}\n")
    overwrite = {"results": "results/r", "tasks": {"relu": {"kind": "relu", "n": [4]}}, "run_tasks": ["relu"]}
    names = config_names(["workflow_config.yaml", quick, outside], [quick, outside], overwrite)
    assert names == [
        "workflow_config.yaml",
        "experiments/quick.yaml",
        str(outside),
        '--config results="results/r" run_tasks=["relu"]',  # tasks: the files' own
    ]
    assert config_names(["workflow_config.yaml"], [], {"x": "y" * 80})[1] == f'--config x="{"y" * 38}…'
