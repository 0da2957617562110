"""The shortest path through a transition-cost table (cotorder/paths.py): planted paths found by both methods, the
solver agreeing with the exact method, and bad tables refused with a line naming the entry."""

import importlib.util
import itertools
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, copy_workflow, ok, planned_jobs, snakemake

from cotorder import paths
from cotorder.candidates import write_profile_data
from cotorder.paths import path_round
from cotorder.profiling import read_samples
from cotorder.runs import ConfigError, plan
from cotorder.schema import load_schema, schema_error
from cotorder.search import found_orders, read_kept, search_trace
from cotorder.tasks import Task


def planted(n: int, seed: int, cheap: float = 0.1, low: float = 1.0, high: float = 3.0):
    """A table whose arcs cost ``low`` … ``high`` except one hidden path's, which cost ``cheap``; and that path."""
    rng = np.random.default_rng(seed)
    table = rng.uniform(low, high, size=(n + 1, n))
    target = rng.permutation(n).tolist()
    table[n, target[0]] = cheap
    for a, b in itertools.pairwise(target):
        table[a, b] = cheap
    return table, target


def brute_force(table):
    n = table.shape[1]
    return min(itertools.permutations(range(n)), key=lambda order: paths.path_cost(table, order))


def test_path_cost_sums_start_then_each_transition():
    table = np.arange(12, dtype=float).reshape(4, 3)  # rows 0, 1, 2 and the start (row 3)
    # start -> 2 (table[3, 2] = 11), 2 -> 0 (table[2, 0] = 6), 0 -> 1 (table[0, 1] = 1)
    assert paths.path_cost(table, [2, 0, 1]) == 18


@pytest.mark.parametrize("n", [2, 5, 9, 14])
def test_exact_recovers_a_planted_path(n):
    table, target = planted(n, seed=n)
    result = paths.shortest_path(table, method="exact")
    assert result.order == target
    assert result.method == "exact" and result.status == "optimal" and result.optimal
    assert result.cost == pytest.approx(0.1 * n)


def test_exact_matches_brute_force_on_random_tables():
    for seed in range(5):
        table = np.random.default_rng(seed).uniform(-1, 2, size=(7, 6))  # negative costs too
        order, cost = paths.exact_path(table)
        best = brute_force(table)
        assert order == list(best)
        assert cost == pytest.approx(paths.path_cost(table, best))


def test_exact_ignores_the_diagonal():
    table, target = planted(6, seed=1)
    np.fill_diagonal(table[:6], -100.0)  # a step after itself: never taken, even when it looks cheapest
    table[0, 0] = np.nan
    assert paths.shortest_path(table, method="exact").order == target


def test_solver_recovers_a_planted_path_and_proves_it():
    table, target = planted(40, seed=3)
    result = paths.shortest_path(table, method="auto", time_limit=10)
    assert result.method == "solver"
    assert result.order == target
    # every step entered by its cheapest arc: the solver's bound is met and it stops there, optimal
    assert result.status == "ROUTING_OPTIMAL" and result.optimal and result.objective == 0
    assert result.cost == pytest.approx(4.0)


@pytest.mark.parametrize(("n", "seed"), list(itertools.product([6, 8, 10], range(3))))
def test_solver_agrees_with_exact_on_random_tables(n, seed):
    # a solution limit, not a time limit: the same answer on a loaded machine (random tables of n <= 12 needed at
    # most 1,600 solutions in 80 tried)
    table = np.random.default_rng([n, seed]).uniform(0, 3, size=(n + 1, n))
    exact = paths.shortest_path(table, method="exact")
    found = paths.shortest_path(table, method="solver", time_limit=60, solution_limit=3000)
    assert found.order == exact.order
    assert found.cost == pytest.approx(exact.cost)
    # its objective is the cost less every column's least entry, in integer units
    shift = paths.lower_bound(table)
    assert found.objective == pytest.approx((found.cost - shift) * found.scale, abs=n)


def test_lower_bound_holds_and_is_met_by_a_free_path():
    table = np.random.default_rng(0).uniform(0, 1, size=(8, 7))
    result = paths.shortest_path(table)
    assert result.lower_bound <= result.cost
    table, _ = planted(7, seed=0)
    assert paths.shortest_path(table).cost == pytest.approx(paths.lower_bound(table))


def test_cost_table_round_trips_through_csv(tmp_path):
    table, _ = planted(5, seed=2)
    paths.write_costs(table, tmp_path / "costs.csv")
    text = (tmp_path / "costs.csv").read_text().splitlines()
    assert text[0] == "from,0,1,2,3,4" and text[-1].startswith("start,")
    back = paths.read_costs(tmp_path / "costs.csv")
    off = ~np.eye(6, 5, dtype=bool)
    np.testing.assert_allclose(back[off], table[off], rtol=1e-5)
    assert np.isnan(np.diag(back[:5])).all()


def test_heatmap_is_drawn(tmp_path):
    table, target = planted(6, seed=4)
    paths.plot_costs(table, tmp_path / "costs.png", order=target, known=target, title="planted")
    assert (tmp_path / "costs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (np.zeros((4, 4)), r"costs: shape \(4, 4\): expected \(n\+1, n\)"),
        (np.zeros((5, 3)), r"shape \(5, 3\)"),
        (np.zeros(4), r"shape \(4,\)"),
        (np.zeros((1, 0)), r"shape \(1, 0\)"),
        (np.array([[0, np.nan], [1, 0], [2, 3]]), r"costs\[0, 1\] \(step 0 -> step 1\): nan: expected a finite"),
        (np.array([[0, 1.0], [1, 0], [np.inf, 3]]), r"costs\[2, 0\] \(start -> step 0\): inf"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"]]), r"entries of type <U1: expected real numbers"),
    ],
)
def test_bad_tables_are_refused_with_the_entry(table, message):
    for method in paths.METHODS:
        with pytest.raises(paths.CostTableError, match=message):
            paths.shortest_path(table, method=method)


def test_bad_settings_are_refused():
    table, _ = planted(4, seed=0)
    with pytest.raises(ValueError, match="path method 'fastest': expected one of auto, exact, solver"):
        paths.shortest_path(table, method="fastest")
    with pytest.raises(ValueError, match="time_limit: 0: expected a positive number of seconds"):
        paths.shortest_path(table, method="solver", time_limit=0)
    with pytest.raises(ValueError, match="exact method's limit of 20"):
        paths.exact_path(np.zeros((22, 21)))
    with pytest.raises(ValueError, match=r"order \[0, 0, 1, 2\]: expected a permutation"):
        paths.path_cost(table, [0, 0, 1, 2])


def test_a_corrupt_csv_is_named(tmp_path):
    bad = tmp_path / "costs.csv"
    bad.write_text("from,0,1\n0,,x\n1,2,\nstart,1,1\n")
    with pytest.raises(paths.CostTableError, match=rf"{bad}"):
        paths.read_costs(bad)


# ---------------------------------------------------------------- the path method of a search

SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")
EXAMPLES = ROOT / "examples" / "tasks"


def path_config(task: dict | None = None, n: int = 5, **entry) -> dict:
    """A config with one path search ``p`` of task ``t`` (relu unless given), its order a direction of the task."""
    task = task or {"kind": "relu"}
    return {"run_tasks": [], "tasks": {"t": {**task, "n": [n], "directions": ["forward", "p"]}},
            "searches": {"p": {"task": "t", "n": n, "method": "path", "train_samples": 3000,
                               "validation_samples": 1000, **entry}}}  # fmt: skip


def test_a_path_search_is_one_lookup_round_whose_order_is_a_direction():
    config = path_config(seeds=[0, 1], time_limit=2)
    assert schema_error(config, SCHEMA) is None
    planned = plan(config)
    found = planned.searches["p"]
    assert planned.path_searches == ["p"] and found.initial == []
    assert found.rounds == [{"move": "path", "size": 5, "keep": 1, "time_limit": 2,
                             "continuation": {"depth": 1, "max_block": 2}}]  # fmt: skip
    assert found.profile.scoring["rank_by"] == "lookup"
    assert not planned.trains_model(SimpleNamespace(search="p"))  # no GPU, one thread
    assert planned.searched("p") == ("p", 0) and planned.searched("p_seed1") == ("p", 1)
    assert planned.runs["t", 5, "p"].data["search"] == "p"  # trained as a direction, its order read when it runs
    # the global-local search stays the default, one key away
    default = {**path_config()["searches"]["p"], "depth": 2, "initial": {"kind": "random"}}
    del default["method"]
    assert plan({**config, "searches": {"p": default}}).path_searches == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"initial": {"kind": "random"}}, "searches.p.initial: a setting of the global-local search"),
        ({"rank_by": "mean"}, "searches.p.rank_by: mean: the path method ranks by lookup"),
        ({"depth": 5}, "searches.p.depth: depth K = 5 must be between 1 and n - 1 = 4"),
        ({"local": False, "max_block": 3}, "searches.p.max_block: a setting of the local stage, which local: false"),
        ({"time_limit": 0}, "searches.p.time_limit: 0 is less than or equal to the minimum of 0"),
        ({"method": "shortest"}, "searches.p.method: 'shortest' is not one of ['global_local', 'path']"),
        ({"method": "global_local"}, "searches.p: missing required key"),
    ],
)
def test_a_bad_path_search_is_refused_at_planning(entry, message):
    config = path_config(**entry)
    error = schema_error(config, SCHEMA)
    if error is None:
        with pytest.raises(ConfigError) as raised:
            plan(config)
        error = str(raised.value)
    assert message in error


def test_a_global_local_search_refuses_the_path_settings():
    config = path_config(depth=1, initial={"kind": "random"}, time_limit=3)
    del config["searches"]["p"]["method"]
    assert schema_error(config, SCHEMA) is None
    with pytest.raises(ConfigError, match="searches.p.time_limit: a setting of method: path"):
        plan(config)


def run_path_round(config: dict, folder):
    """The round as its job runs it (scripts/pipeline/search_path.py): the search's rows, then path_round."""
    planned = plan(config)
    settings = planned.search_round(SimpleNamespace(search="p", seed=0, round=1))
    data = settings["replicate"]["data"]
    files = {"train_path": folder / "data.train", "validation_path": folder / "data.valid"}
    write_profile_data(data, **files)
    task = Task.from_settings(data["task"])
    rows = [array for file in files.values() for array in read_samples(file, task, data["n"])]
    return path_round(data, rows, settings, folder)


def scrambled(name: str, n: int, **task):
    """An example task of examples/tasks/ and its friendly order σ at n."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"kind": "python", "file": str(EXAMPLES / f"{name}.py"), **task}, module.sigma(n)


def test_a_path_round_finds_scrambled_relus_order_and_draws_its_costs(tmp_path):
    task, sigma = scrambled("scrambled_relu", 6, inputs=[-9, 9], values=[0, 54])
    record = run_path_round(path_config(task, n=6), tmp_path)
    assert record["kept"] == [sigma] and record["path"]["order"] == sigma
    assert not record["continued"] and record["path"]["method"] == "exact" and record["path"]["optimal"]
    # the full ranker agrees with the one-step costs along the path: one step is enough
    assert record["path_score"] == pytest.approx(record["one_step_score"], abs=paths.TWO_STEP_MARGIN)
    costs = paths.read_costs(tmp_path / "costs.csv")
    assert paths.path_cost(costs, sigma) == pytest.approx(record["path"]["cost"], rel=1e-4)
    assert (tmp_path / "costs.png").is_file()
    (tmp_path / "kept.json").write_text(json.dumps(record))  # as its job writes it, search_result reads it back
    result = search_trace([read_kept(tmp_path / "kept.json", 6)])
    assert result["order"] == sigma and paths.method_label(result) == "path"
    assert found_orders({0: result}).iloc[0]["rank_by"] == "lookup"


def test_where_one_step_is_not_enough_the_search_continues_and_says_so(tmp_path):
    task, sigma = scrambled("scrambled_fibonacci", 6, inputs=[0, 12], values=[0, 12], settings={"p": 13})
    record = run_path_round(path_config(task, n=6), tmp_path)
    assert record["continued"]  # each step needs the two before it: the full ranker sees what the costs cannot
    assert record["one_step_score"] - record["path_score"] > paths.TWO_STEP_MARGIN
    assert record["scores"][0] <= record["path_score"] and record["continuation"]
    assert paths.method_label(search_trace([json.loads(json.dumps(record))])) == "path+search"
    assert pd.read_csv(tmp_path / "losses.csv")["part"].tolist() == ["path", "continued"]


def test_a_path_search_runs_in_the_workflow_and_its_order_is_trained_as_a_direction(tmp_path):
    """Through Snakemake: the path search's one job (no model, one thread), its order.json and summary.csv (method
    path); then its order is a direction whose data, training and evaluation are planned from that order."""
    folder = copy_workflow(tmp_path)
    config = {**path_config(), "results": "results/p"}
    config["tasks"]["t"].update(train_samples=200, test_samples=40, model={"d_model": 32, "decoder_ffn_dim": 64},
                                train={"max_steps": 4, "batch_size": 32})  # fmt: skip
    (folder / "path.yaml").write_text(yaml.safe_dump(config))
    output = ok(snakemake(folder, "searches", "--cores", "1", "--configfile", "path.yaml")).output
    assert "rule search_path:" in output and "rule search_round:" not in output
    search = folder / "results/p/searches/p"
    order = json.loads((search / "seed=0/order.json").read_text())
    assert order["order"] == [0, 1, 2, 3, 4] and order["rounds"][0]["path"]["method"] == "exact"  # relu: forward
    summary = pd.read_csv(search / "summary.csv")
    assert summary[["method", "rank_by", "kendall_to_forward"]].values.tolist() == [["path", "lookup", 0]]
    assert (search / "seed=0/round1/costs.csv").is_file() and (search / "seed=0/round1/costs.png").is_file()
    planned = planned_jobs(ok(snakemake(folder, "-n", "results/p/t/n=5/p/seed=42/metrics.json", "--cores", "1",
                                        "--configfile", "path.yaml")).output)  # fmt: skip
    assert {"generate", "train", "evaluate"} <= set(planned) and "search_path" not in planned
