"""The pipeline on a real one-node SLURM cluster (tests/slurm/cluster.sh), through profiles/slurm."""

import copy
import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TINY, copy_workflow, mtimes, ok, planned_jobs, snakemake

CLUSTER = ROOT / "tests" / "slurm" / "cluster.sh"
# The tiny config with one run of each task (tests/configs/tiny_slurm.yaml): each step's jobs fit the node at once.
SLURM_TINY = [*TINY, "tests/configs/tiny_slurm.yaml"]
SLURM_RUNS = [("relu", "forward"), ("square", "swap")]
TIMINGS = {"train_wall_time_s", "eval_wall_time_s", "generation_samples_per_second"}  # differ run to run
FAILING = "results/relu/n=4/forward"  # the run whose training the failure test breaks
FAILING_REPLICATE = f"{FAILING}/seed=42"
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
APT_UNREACHABLE = re.compile(
    r"Failed to fetch|Temporary failure resolving|Could not resolve|Could not connect|Unable to connect|"
    r"Network is unreachable|Unable to locate package"
)


@pytest.fixture(scope="module")
def cluster():
    """The one-node SLURM cluster, started for these tests and stopped after them (unless it was running before)."""
    running = subprocess.run([CLUSTER, "status"], capture_output=True).returncode == 0
    start = subprocess.run([CLUSTER, "start"], capture_output=True, text=True)
    if start.returncode != 0:
        if not running:
            subprocess.run([CLUSTER, "stop"])
        output = start.stdout + start.stderr
        if "installing" in output and APT_UNREACHABLE.search(output):
            pytest.skip(f"SLURM is not installed and apt cannot reach its mirrors:\n{output[-2000:]}")
        pytest.fail(f"tests/slurm/cluster.sh start failed:\n{output[-4000:]}")
    yield
    if not running:
        subprocess.run([CLUSTER, "stop"], check=True)


def write_profiles(folder):
    """Overlays of the user's profiles/slurm for this cluster, which has no slurmdbd (so no sacct: poll with squeue),
    no GPU and 2 CPUs: profiles/ci asks for what the node has; profiles/ci-gpu keeps the profile's requests and only
    test-submits training jobs (sbatch --test-only: nothing is queued, whatever the request)."""
    base = yaml.safe_load((folder / "profiles/slurm/config.yaml").read_text())
    base |= {"slurm-status-command": "squeue", "slurm-init-seconds-before-status-checks": 1}
    base["default-resources"]["slurm_partition"] = "debug"
    ci, ci_gpu = copy.deepcopy(base), copy.deepcopy(base)
    for rule in ("train", "evaluate"):
        ci["set-resources"][rule] |= {"gpu": 0, "cpus_per_task": 1, "mem_mb": 2000}
        ci["set-threads"][rule] = 1
    ci_gpu["set-resources"]["train"]["slurm_extra"] = "--test-only"
    for name, profile in (("ci", ci), ("ci-gpu", ci_gpu)):
        (folder / "profiles" / name).mkdir()
        (folder / "profiles" / name / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def on_slurm(folder, *args, profile="ci"):
    """Snakemake through SLURM with an overlay of profiles/slurm (targets first: --configfile takes several)."""
    return snakemake(folder, *args, "--profile", f"profiles/{profile}", *SLURM_TINY)


def metrics(folder):
    with open(folder / "results" / "summary.csv") as handle:
        return [{key: value for key, value in row.items() if key not in TIMINGS} for row in csv.DictReader(handle)]


def test_failed_job_names_its_log_and_rerun_completes_only_the_rest_as_the_local_run(cluster, tiny_finished, tmp_path):
    """A run through SLURM from nothing in which relu's training fails on a bad data line (relu's data is there before
    the run: the local run's, line 5 broken): the run names the job's logs and completes the square run; once the line
    is fixed, a rerun redoes only relu's chain. Every job ran as a SLURM job, with the metrics of the local run."""
    folder = write_profiles(copy_workflow(tmp_path))
    (folder / FAILING).mkdir(parents=True)
    shutil.copy2(tiny_finished / FAILING / "data.test", folder / FAILING / "data.test")
    original = (tiny_finished / FAILING / "data.train").read_text()
    lines = original.splitlines(keepends=True)
    data = folder / FAILING / "data.train"
    data.write_text("".join(lines[:4] + ["1 2 x 4 : 0 0 0 0\n"] + lines[5:]))

    failed = on_slurm(folder)
    assert failed.returncode != 0
    [(jobid, slurm_log)] = [job for job in SUBMITTED.findall(failed.output) if "rule_train/relu" in job[1]]
    assert f"SLURM-job '{jobid}' failed, SLURM status is: 'FAILED'" in failed.output
    assert f"log: results/logs/train/relu/n=4/forward/seed=42.log, {slurm_log} (check log file" in failed.output
    assert f"{FAILING}/data.train:5: 'x' is not an integer" in failed.output  # the job's log, shown
    assert "Error in rule train" in Path(slurm_log).read_text()  # the failed job's SLURM log is kept
    assert (folder / "results/square/n=4/swap/seed=42/metrics.json").is_file()  # the run kept going
    assert not (folder / "results/summary.csv").exists()

    data.write_text(original)  # the fix
    wildcards = "task=relu, n=4, direction=forward, seed=42"
    assert planned_jobs(ok(on_slurm(folder, "-n")).stdout) == {
        "train": [wildcards],
        "evaluate": [wildcards],
        "summarize": [""],
        "plot": [""],
        "all": [""],
    }
    untouched = {
        path: mtime
        for path, mtime in mtimes(folder, "results/*/n=4/**/*").items()
        if FAILING not in str(path) or path.name == "data.test"
    }
    rerun = ok(on_slurm(folder))
    assert {path: path.stat().st_mtime_ns for path in untouched} == untouched
    assert [(row["task"], row["direction"]) for row in metrics(folder)] == SLURM_RUNS
    assert metrics(folder) == [row for row in metrics(tiny_finished) if (row["task"], row["direction"]) in SLURM_RUNS]

    # Every job went through SLURM and ended there (MinJobAge keeps finished jobs in squeue).
    jobids = [jobid for jobid, _ in SUBMITTED.findall(failed.output + rerun.output)]
    squeue = subprocess.run(
        ["squeue", "-h", "-t", "all", "-j", ",".join(jobids), "-o", "%T %k"], capture_output=True, text=True, check=True
    )
    expected = [
        "FAILED rule_train_wildcards_relu_4_forward_42",  # relu's data was there: its chain began with training
        "COMPLETED rule_generate_wildcards_square_4_swap",
        *(f"COMPLETED rule_{rule}_wildcards_{t}_4_{d}_42" for rule in ("train", "evaluate") for t, d in SLURM_RUNS),
        "COMPLETED rule_summarize",
        "COMPLETED rule_plot",
    ]
    assert sorted(squeue.stdout.splitlines()) == sorted(expected)


def test_training_job_asks_sbatch_for_a_gpu(cluster, tmp_path):
    """The profile's GPU request reaches sbatch, which refuses it on this GPU-less node."""
    folder = write_profiles(copy_workflow(tmp_path))
    (folder / FAILING).mkdir(parents=True)
    for name in ("data.train", "data.test"):  # training is the one job to submit
        (folder / FAILING / name).touch()
    result = on_slurm(folder, f"{FAILING_REPLICATE}/model", "--verbose", profile="ci-gpu")
    call = re.search(r"sbatch call:\s+(sbatch .*)", result.output)
    assert call, result.output[-6000:]
    train = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())["set-resources"]["train"]
    expected = [
        "--gpus=1",
        f"-t {train['runtime']}",
        f"--mem {train['mem_mb']}",
        f"--cpus-per-task={train['cpus_per_task']}",
    ]
    for option in expected:
        assert f" {option} " in f" {call[1]} ", call[1]
    assert result.returncode != 0
    assert "Invalid generic resource (gres) specification" in result.output
