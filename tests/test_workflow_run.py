"""The pipeline run for real on a tiny config: outputs, and reruns only on change."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml
from conftest import LOCAL, TINY_RUNS, copy_workflow, mtimes, ok, planned_jobs, snakemake


@pytest.fixture
def finished(tiny_finished):
    """A workflow copy on which the tiny config has run to completion once (shared: only read or copied)."""
    return tiny_finished


@pytest.fixture
def done(finished, tmp_path):
    """A private copy of the finished run (results, Snakemake's records and all)."""
    target = tmp_path / "run"
    shutil.copytree(finished, target, symlinks=True)
    return target


def planned(folder):
    """The jobs a dry run of the tiny config would run."""
    return planned_jobs(ok(snakemake(folder, *LOCAL, "--dry-run")).stdout)


def edit_tiny(folder, change):
    path = folder / "tests" / "configs" / "tiny.yaml"
    config = json.loads(json.dumps(yaml.safe_load(path.read_text())))  # YAML anchors shared dicts: unshare
    change(config)
    path.write_text(yaml.safe_dump(config))


def test_outputs_summary_and_plots(finished):
    with open(finished / "results" / "summary.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["task"], row["direction"]) for row in rows] == TINY_RUNS
    for row in rows:
        assert row["n"] == "4"
        assert 0 <= float(row["success_rate"]) <= 1
        assert len(yaml.safe_load(row["position_accuracy"])) == 4
    for name in ("success_rate.png", "position_accuracy.png"):
        assert (finished / "results" / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (finished / "results" / "replicates.csv").read_text().startswith("task,n,direction,seed,success_rate,")
    for task, direction in TINY_RUNS:
        run = finished / "results" / task / "n=4" / direction
        assert (run / "data.train").is_file() and (run / "data.test").is_file()
        assert (run / "seed=42" / "model" / "model.safetensors").is_file()  # the default seed: train.seed's
        assert (run / "seed=42" / "metrics.json").is_file() and (run / "seed=42" / "predictions.txt").is_file()
        logs, benchmarks = finished / "results" / "logs", finished / "results" / "benchmarks"
        assert (logs / "generate" / task / "n=4" / f"{direction}.log").is_file()
        for rule in ("train", "evaluate"):
            assert (logs / rule / task / "n=4" / direction / "seed=42.log").is_file()
            assert (benchmarks / rule / task / "n=4" / direction / "seed=42.tsv").is_file()


def test_metrics_follow_the_written_order(finished):
    """The swap run's data is the forward data with y_1 and y_2 exchanged."""
    forward = (finished / "results/square/n=4/forward/data.test").read_text().splitlines()
    swapped = (finished / "results/square/n=4/swap/data.test").read_text().splitlines()
    for a, b in zip(forward, swapped, strict=True):
        x, y = a.split(" : ")
        y = y.split()
        assert b == x + " : " + " ".join([y[1], y[0], y[2], y[3]])


def test_second_run_does_nothing(done):
    result = ok(snakemake(done, *LOCAL, "--dry-run"))
    assert "Nothing to be done" in result.stdout + result.stderr


def test_changed_training_setting_retrains_only_that_task(done):
    edit_tiny(done, lambda c: c["tasks"]["relu"]["train"].update(learning_rate=0.002))
    jobs = planned(done)
    assert "generate" not in jobs
    assert (
        sorted(jobs["train"])
        == sorted(jobs["evaluate"])
        == [
            "task=relu, n=4, direction=forward, seed=42",
            "task=relu, n=4, direction=inverse, seed=42",
        ]
    )
    assert "summarize" in jobs and "plot" in jobs
    untouched = mtimes(done, "results/square/**/*") | mtimes(done, "results/relu/**/data.*")
    ok(snakemake(done, *LOCAL))
    assert mtimes(done, "results/square/**/*") | mtimes(done, "results/relu/**/data.*") == untouched


def test_changed_generation_setting_regenerates_only_that_task(done):
    """The plan only: that a run leaves what it does not plan untouched is the training-setting test's."""
    edit_tiny(done, lambda c: c["tasks"]["square"].update(train_seed=7))
    jobs = planned(done)
    expected = ["task=square, n=4, direction=forward", "task=square, n=4, direction=swap"]
    assert sorted(jobs["generate"]) == expected
    assert sorted(jobs["train"]) == sorted(jobs["evaluate"]) == [f"{run}, seed=42" for run in expected]


def test_added_n_and_direction_add_only_their_jobs(done):
    def grow(config):
        config["tasks"]["relu"]["n"] = [4, 5]
        config["tasks"]["square"]["directions"] = ["forward", "swap", "inverse"]

    edit_tiny(done, grow)
    jobs = planned(done)
    expected = [
        "task=relu, n=5, direction=forward",
        "task=relu, n=5, direction=inverse",
        "task=square, n=4, direction=inverse",
    ]
    assert sorted(jobs["generate"]) == expected
    assert sorted(jobs["train"]) == sorted(jobs["evaluate"]) == [f"{run}, seed=42" for run in expected]


def test_added_seeds_add_only_their_replicates(done):
    """Another training seed for relu: only its train and evaluate jobs; the summary has mean and spread."""
    edit_tiny(done, lambda c: c["tasks"]["relu"].update(seeds=[42, 1]))
    jobs = planned(done)
    expected = [f"task=relu, n=4, direction={d}, seed=1" for d in ("forward", "inverse")]
    assert "generate" not in jobs
    assert sorted(jobs["train"]) == sorted(jobs["evaluate"]) == sorted(expected)
    untouched = mtimes(done, "results/*/n=4/*/seed=42/**/*") | mtimes(done, "results/*/n=4/*/data.*")
    ok(snakemake(done, *LOCAL))
    assert mtimes(done, "results/*/n=4/*/seed=42/**/*") | mtimes(done, "results/*/n=4/*/data.*") == untouched
    with open(done / "results" / "replicates.csv") as handle:
        replicates = [(row["task"], row["direction"], row["seed"]) for row in csv.DictReader(handle)]
    assert replicates == [("relu", d, s) for d in ("forward", "inverse") for s in ("42", "1")] + [
        ("square", "forward", "42"),
        ("square", "swap", "42"),
    ]
    with open(done / "results" / "summary.csv") as handle:
        summary = {(row["task"], row["direction"]): row for row in csv.DictReader(handle)}
    assert [row["replicates"] for row in summary.values()] == ["2", "2", "1", "1"]
    assert summary["square", "swap"]["success_rate_std"] == ""  # one replicate: no spread
    assert float(summary["relu", "forward"]["success_rate_std"]) >= 0


def test_single_target_builds_only_its_chain_under_its_results_root(tmp_path):
    """A config's `results` root holds every file its jobs write: outputs, checkpoints, logs, benchmarks."""
    folder = copy_workflow(tmp_path)
    before = set(folder.iterdir())
    root = folder / "out" / "tiny"
    target = "out/tiny/relu/n=4/inverse/seed=42/metrics.json"
    ok(snakemake(folder, target, *LOCAL, "--config", "results=out/tiny"))  # the target first: both take several values
    assert (folder / target).is_file()
    assert sorted(p.relative_to(root).as_posix() for p in root.glob("*/n=*/*")) == ["relu/n=4/inverse"]
    assert not (root / "summary.csv").exists()
    assert set(folder.iterdir()) - before == {folder / ".snakemake", folder / "out"}  # no results/ folder
    assert [p.name for p in (folder / "out").iterdir()] == ["tiny"]
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.log")) == [
        "logs/evaluate/relu/n=4/inverse/seed=42.log",
        "logs/generate/relu/n=4/inverse.log",
        "logs/train/relu/n=4/inverse/seed=42.log",
    ]
    assert (root / "benchmarks/train/relu/n=4/inverse/seed=42.tsv").is_file()
    assert (root / "relu/n=4/inverse/seed=42/checkpoints").is_dir()


def resumable_config(folder):
    def change(config):
        config["run_tasks"] = ["relu"]
        config["tasks"]["relu"].update(directions=["forward"], train_samples=1000)
        config["tasks"]["relu"]["train"].update(max_steps=40, save_steps=8, batch_size=64)

    edit_tiny(folder, change)


def test_killed_training_resumes_from_its_checkpoint(tmp_path):
    interrupted, uninterrupted = copy_workflow(tmp_path / "killed"), copy_workflow(tmp_path / "straight")
    for folder in (interrupted, uninterrupted):
        resumable_config(folder)
    run = "results/relu/n=4/forward/seed=42"
    target = f"{run}/metrics.json"  # the replicate's chain: the summary and plots are not what resuming is about
    with (
        open(tmp_path / "straight.out", "w") as out,
        subprocess.Popen(  # the uninterrupted run, beside the killed one: one-thread jobs, one core each
            [sys.executable, "-m", "snakemake", target, *LOCAL], cwd=uninterrupted, stdout=out, stderr=subprocess.STDOUT
        ) as straight_run,
    ):
        resume_killed_training(interrupted, run, target)
    assert straight_run.returncode == 0, (tmp_path / "straight.out").read_text()[-6000:]
    resumed, straight = (
        json.loads((folder / run / "metrics.json").read_text()) for folder in (interrupted, uninterrupted)
    )
    for key in ("success_rate", "position_accuracy", "token_accuracy", "final_accuracy", "training_steps"):
        assert resumed[key] == straight[key], key
    assert (interrupted / run / "model" / "train_log.csv").read_text() == (
        uninterrupted / run / "model" / "train_log.csv"
    ).read_text()


def resume_killed_training(interrupted, run, target):
    """``target``'s run killed mid-training, then run again: it resumes from the last checkpoint."""
    job = subprocess.Popen(
        [sys.executable, "-m", "snakemake", target, *LOCAL],
        cwd=interrupted,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not (interrupted / run / "checkpoints" / "checkpoint-16" / "trainer_state.json").exists():
        assert job.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no checkpoint within 300 s"
        time.sleep(0.1)
    os.killpg(job.pid, signal.SIGKILL)  # Snakemake and its training job, mid-run
    job.wait()
    assert not (interrupted / run / "model" / "model.safetensors").exists()

    ok(snakemake(interrupted, "--unlock", *LOCAL))  # a killed Snakemake leaves its lock, as after a power loss
    ok(snakemake(interrupted, target, *LOCAL))
    log = (interrupted / "results/logs/train/relu/n=4/forward/seed=42.log").read_text()
    assert re.search(r"resuming from \S+/checkpoints/checkpoint-(16|24|32)", log), log[-3000:]


def test_report_holds_table_and_plots_with_captions(done):
    ok(snakemake(done, "--report", "results/report.html", *LOCAL))
    report = (done / "results" / "report.html").read_text()
    for path in ("results/summary.csv", "results/plots/success_rate.png", "results/plots/position_accuracy.png"):
        assert f'"{path}": {{"name"' in report, path
    assert "Success rate (exact match of the whole CoT" in report
    assert "indexed by its <em>forward</em> position" in report


def test_profile_replicates_run_from_nothing_and_rerun_only_what_changed(tmp_path):
    folder = copy_workflow(tmp_path)

    def profile_only(config):
        config["run_tasks"] = []
        config["profiles"] = {
            "tiny": {
                "task": "relu",
                "n": 4,
                "seeds": [1],
                "candidates": {"kind": "forward_plus_random", "count": 6, "seed": 1},
                "train_samples": 300,
                "validation_samples": 20,
                "score_points": 3,
                "model": {"d_model": 32, "decoder_ffn_dim": 64, "dropout": 0.0},
                "train": {"max_steps": 6, "batch_size": 32, "learning_rate": 1e-3},
            }
        }

    edit_tiny(folder, profile_only)
    ok(snakemake(folder, *LOCAL))
    profile = folder / "results" / "profiles" / "tiny"
    rows = pd.read_csv(profile / "seed=1" / "losses.csv", dtype={"label": str}, keep_default_na=False)
    assert rows["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert [column for column in rows if column.startswith("loss_step")] == ["loss_step2", "loss_step4", "loss_step6"]
    assert sorted(rows["label"]) == ["", "", "", "", "", "forward"]
    assert rows["score"].is_monotonic_increasing
    # margin, baseline and score each written to 6 significant digits: each up to half a unit of 1e-5 off
    assert rows["margin"].tolist() == pytest.approx((rows["baseline"] - rows["score"]).tolist(), abs=2e-5)
    assert rows["baseline"].between(0, 10).all()
    assert (profile / "losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len((profile / "seed=1" / "data.train").read_text().splitlines()) == 300
    assert len((profile / "seed=1" / "mixture.train").read_text().splitlines()) == 300
    summary = pd.read_csv(profile / "summary.csv")
    assert summary["verdict"].isin(["no signal", "cannot tell"]).all()  # one seed never says "signal"
    assert not (folder / "results" / "summary.csv").exists()  # run_tasks: [] trains no run

    # Another seed: its replicate and the summary, on the same data; the first seed's files are kept.
    edit_tiny(folder, lambda c: c["profiles"]["tiny"].update(seeds=[1, 2]))
    assert planned(folder) == {"profile_data": ["profile=tiny, seed=2"], "profile": ["profile=tiny, seed=2"],
                               "profile_summary": ["profile=tiny"], "all": [""]}  # fmt: skip
    first = (profile / "seed=1" / "losses.csv").read_bytes()
    ok(snakemake(folder, *LOCAL))
    assert (profile / "seed=1" / "losses.csv").read_bytes() == first
    summary = pd.read_csv(profile / "summary.csv")
    assert {"score_mean", "score_sd", "rank_mean", "rank_sd", "rank_seed1", "rank_seed2", "baseline"} <= set(summary)
    assert summary["score_sd"].notna().all() and len(pd.read_csv(profile / "agreement.csv")) == 1
    mixtures = [(profile / f"seed={seed}" / "mixture.train").read_text() for seed in (1, 2)]
    assert mixtures[0] != mixtures[1]  # each seed its own assignment of samples to orders
    assert sorted(mixtures[0].split()) == sorted(mixtures[1].split())  # of the same samples
    data = [[(profile / f"seed={seed}" / name).read_text() for name in ("data.train", "data.valid")] for seed in (1, 2)]
    assert data[0][0] == data[1][0] and data[0][1] != data[1][1]  # each seed its own validation rows

    # Ground truth: forward and two orders picked by rank trained as runs of the task; only their jobs are added.
    edit_tiny(folder, lambda c: c["profiles"]["tiny"].update(validate={"orders": 3}))
    jobs = planned(folder)
    runs = ["task=relu, n=4, direction=" + d for d in ("forward", "tiny_pick1", "tiny_pick2")]
    assert {rule: sorted(found) for rule, found in jobs.items()} == {
        "profile_pick": ["profile=tiny, pick=1", "profile=tiny, pick=2"],
        "generate": runs,
        "train": [f"{run}, seed=42" for run in runs],
        "evaluate": [f"{run}, seed=42" for run in runs],
        "profile_validation": ["profile=tiny"],
        "ground_truth": [""],
        "all": [""],
    }
    ok(snakemake(folder, *LOCAL))
    table = pd.read_csv(profile / "validation.csv", dtype={"label": str, "order": str}, keep_default_na=False)
    ranked = pd.read_csv(profile / "summary.csv", dtype={"label": str, "order": str}, keep_default_na=False)
    ranked = ranked.set_index("order")
    picks = [json.loads((profile / "picks" / f"pick{k}.json").read_text()) for k in (1, 2)]
    assert [(p["rank"], p["why"]) for p in picks] == [(ranked["rank"][ranked["label"] == ""].min(), "top"),
                                                      (6, "bottom")]  # fmt: skip
    trained = {"0 1 2 3", *(" ".join(map(str, p["order"])) for p in picks)}
    assert set(table["order"]) == trained and table["profile_rank"].tolist() == sorted(ranked["rank"][list(trained)])
    metrics = json.loads((folder / "results/relu/n=4/tiny_pick2/seed=42/metrics.json").read_text())
    assert metrics["order"] == picks[1]["order"]  # the pick trained and evaluated in its order
    row = table.set_index("order").loc[" ".join(map(str, picks[1]["order"]))]
    assert (
        row["success"] == metrics["success_rate"]
        and row["baseline_rank"] == ranked["baseline"].rank(method="min")[" ".join(map(str, picks[1]["order"]))]
    )
    correlation = pd.read_csv(profile / "validation_correlation.csv")
    assert correlation["ranking"].tolist() == ["profile", "first", "final", "mean", "margin", "baseline"]
    assert (profile / "validation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    every = pd.read_csv(folder / "results" / "ground_truth.csv")  # every validated profile's, in one table
    assert every["profile"].unique().tolist() == ["tiny"]
    assert every["ranking"].tolist() == correlation["ranking"].tolist()
    assert every["seed_top_success_rank"].between(1, 3).all()  # over the profile's two replicates, 3 trained orders
    assert "| tiny | 3 |" in (folder / "results" / "ground_truth.md").read_text()

    # A profile's training setting: its replicates, summary and picks again, and the picks' runs; forward stays.
    edit_tiny(folder, lambda c: c["profiles"]["tiny"]["train"].update(learning_rate=2e-3))
    jobs = planned(folder)
    assert sorted(jobs["profile"]) == ["profile=tiny, seed=1", "profile=tiny, seed=2"] and "profile_data" not in jobs
    assert sorted(jobs["train"]) == [f"{run}, seed=42" for run in runs[1:]]


TINY_SEARCH = {
    "task": "relu",
    "n": 4,
    "depth": 2,
    "initial": {"kind": "random", "seed": 0},
    "climb": False,  # the paper's rounds: each climb round would train a model (test_search.py tests the climb)
    "train_samples": 300,
    "validation_samples": 20,
    "score_points": 2,
    "model": {"d_model": 32, "decoder_ffn_dim": 64, "dropout": 0.0},
    "train": {"max_steps": 6, "batch_size": 32, "learning_rate": 1e-3},
}


def test_search_seeds_run_round_by_round_resume_at_their_round_and_train_as_a_direction(tmp_path):
    """Two seeds of a search from nothing, the first seed's found order trained as the direction `tiny` of relu."""
    folder = copy_workflow(tmp_path)

    def with_search(config):
        config.update(run_tasks=["relu"], searches={"tiny": {**TINY_SEARCH, "seeds": [1, 2]}})
        config["tasks"]["relu"]["directions"] = ["forward", "tiny"]

    edit_tiny(folder, with_search)
    jobs = planned(folder)
    rounds = {seed: [f"search=tiny, seed={seed}, round={i}" for i in (1, 2, 3, 4)] for seed in (1, 2)}
    assert sorted(jobs["search_round"]) == rounds[1] + rounds[2]  # K = 2 global rounds, then l = 2 intra, inter
    assert sorted(jobs["search_result"]) == ["search=tiny, seed=1", "search=tiny, seed=2"]
    assert jobs["search_summary"] == ["search=tiny"]
    ok(snakemake(folder, *LOCAL))
    result = json.loads((folder / "results/searches/tiny/seed=2/order.json").read_text())
    trace = result["rounds"]
    assert [(r["move"], r["size"]) for r in trace] == [("global", 1), ("global", 2), ("intra", 2), ("inter", 2)]
    assert [r["candidates"] for r in trace[:2]] == [6, 6]  # T = 3! each global round
    assert [len(r["kept"]) for r in trace] == [3, 1, 1, 1]  # T / 2!, T / 3!, then the best
    assert result["order"] == trace[-1]["kept"][0] and sorted(result["order"]) == [0, 1, 2, 3]
    assert all(r["median"] >= r["scores"][0] for r in trace)
    summary = pd.read_csv(folder / "results/searches/tiny/summary.csv", dtype={"order": str})
    assert summary["seed"].tolist() == [1, 2] and summary["order"][1] == " ".join(map(str, result["order"]))
    assert summary["kendall_to_forward"].add(summary["kendall_to_inverse"]).eq(6).all()  # 4·3/2 pairs
    assert (folder / "results/searches/tiny/search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The direction `tiny`: the task's data written in seed 1's found order, trained and evaluated in it.
    order = json.loads((folder / "results/searches/tiny/seed=1/order.json").read_text())["order"]
    forward = (folder / "results/relu/n=4/forward/data.test").read_text().splitlines()
    searched = (folder / "results/relu/n=4/tiny/data.test").read_text().splitlines()
    for a, b in zip(forward, searched, strict=True):
        x, y = a.split(" : ")
        assert b == x + " : " + " ".join(y.split()[p] for p in order)
    with open(folder / "results" / "summary.csv") as handle:
        assert [row["direction"] for row in csv.DictReader(handle)] == ["forward", "tiny"]
    metrics = json.loads((folder / "results/relu/n=4/tiny/seed=42/metrics.json").read_text())
    assert metrics["order"] == order

    # Seed 2's search killed after round 2: its rounds 3 and 4 are what is left to run; it ends with the same order.
    # Seed 1's search and the direction trained from it are not touched.
    for index in (3, 4):
        shutil.rmtree(folder / f"results/searches/tiny/seed=2/round{index}")
    for done in ("seed=2/order.json", "summary.csv", "search.png"):  # what a killed search had not reached
        (folder / "results/searches/tiny" / done).unlink()
    jobs = planned(folder)
    assert sorted(jobs["search_round"]) == rounds[2][2:] and jobs["search_result"] == ["search=tiny, seed=2"]
    assert sorted(jobs) == ["all", "search_result", "search_round", "search_summary"]
    ok(snakemake(folder, *LOCAL))
    assert json.loads((folder / "results/searches/tiny/seed=2/order.json").read_text())["order"] == result["order"]

    # A later stage's setting: without the local stage only the results are made again, and the direction's runs.
    edit_tiny(folder, lambda c: c["searches"]["tiny"].update(local=False))
    jobs = planned(folder)
    assert "search_round" not in jobs and sorted(jobs["search_result"]) == [
        "search=tiny, seed=1",
        "search=tiny, seed=2",
    ]
    assert jobs["generate"] == ["task=relu, n=4, direction=tiny"]
    assert jobs["train"] == jobs["evaluate"] == ["task=relu, n=4, direction=tiny, seed=42"]
