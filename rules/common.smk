import json
import os
from pathlib import Path
from types import SimpleNamespace

from cotorder.config import resolve as resolve_training_config
from cotorder.devices import gpu_count
from cotorder.generate import DEFAULT_TEST_SEED, SPLIT_DEFAULTS
from cotorder.orders import check_permutation, order_positions, random_permutation
from cotorder.tasks import Task

# ---- Path patterns: one place for each. ----
RESULTS = "results"
RUN = "results/{task}/n={n}/{direction}"
LOG = "results/logs/{rule}/{task}/n={n}/{direction}.log"
BENCHMARK = "results/benchmarks/{rule}/{task}/n={n}/{direction}.tsv"
# Relative to the working folder, so that Snakemake's records of these inputs survive a move.
PACKAGE = Path(os.path.relpath(workflow.basedir)) / "cotorder"

# Generation settings a task kind accepts, besides variant and the split sizes and seeds.
KIND_PARAMS = {
    "relu": ("value_min", "value_max"),
    "square": ("value_min", "value_max", "modulus"),
    "index": ("m",),
}
SPLIT_PARAMS = ("train_samples", "test_samples", "train_seed", "test_seed")

TASKS = config["tasks"]
PERMUTATIONS = config.get("permutations", {})


def fail(key, message):
    raise ValueError(f"workflow config, {key}: {message}")


def selected_tasks():
    return config.get("run_tasks", list(TASKS))


def log_path(rule):
    return LOG.replace("{rule}", rule)


def benchmark_path(rule):
    return BENCHMARK.replace("{rule}", rule)


def package_files(*names):
    """Package modules a rule's results depend on, so that changed code reruns it."""
    return [str(PACKAGE / name) for name in names]


def task_of(name):
    """The cotorder Task of a named task entry."""
    entry = TASKS[name]
    params = {key: entry[key] for key in KIND_PARAMS[entry["kind"]] if key in entry}
    return Task(entry["kind"], variant=entry.get("variant", "seminar"), **params)


def positions(task, n, direction):
    """The forward position written at each place of the CoT, for one run."""
    n = int(n)
    if direction in ("forward", "inverse"):
        return order_positions(direction, n)
    spec = PERMUTATIONS[direction]
    if "seed" in spec:
        return random_permutation(n, spec["seed"])
    return check_permutation(spec["positions"], n)


def check_config():
    """What the JSON schema cannot say, checked before any job runs."""
    for name in selected_tasks():
        if name not in TASKS:
            fail(f"run_tasks: {name!r}", f"no such task (tasks: {', '.join(TASKS)})")
    for name, entry in TASKS.items():
        kind = entry["kind"]
        for key in set(entry) & {p for params in KIND_PARAMS.values() for p in params}:
            if key not in KIND_PARAMS[kind]:
                fail(f"tasks.{name}.{key}", f"not a setting of {kind} tasks")
        if kind == "index" and "m" not in entry:
            fail(f"tasks.{name}.m", "index tasks need the window m")
        try:
            task_of(name)
        except ValueError as error:
            fail(f"tasks.{name}", str(error))
        for direction in entry["directions"]:
            if (
                direction not in ("forward", "inverse")
                and direction not in PERMUTATIONS
            ):
                fail(
                    f"tasks.{name}.directions: {direction!r}",
                    "expected forward, inverse or a name from `permutations`",
                )
            for n in entry["n"]:
                try:
                    positions(name, n, direction)
                except ValueError as error:
                    fail(
                        f"permutations.{direction}.positions (used by tasks.{name}, n = {n})",
                        str(error),
                    )


check_config()


wildcard_constraints:
    task="|".join(TASKS),
    n=r"\d+",
    direction="|".join(["forward", "inverse", *PERMUTATIONS]),


def runs(tasks=None):
    """Every (task, n, direction) to run, as dicts of wildcard values."""
    return [
        {"task": name, "n": n, "direction": direction}
        for name in (tasks or selected_tasks())
        for n in TASKS[name]["n"]
        for direction in TASKS[name]["directions"]
    ]


def run_files(pattern, tasks=None):
    return [pattern.format(**run) for run in runs(tasks)]


def canonical(params):
    """``params`` with every mapping's keys sorted: Snakemake compares params by their text, and
    the order in which a config file lists its keys changes no result."""
    return json.loads(json.dumps(params, sort_keys=True))


def generation_params(wildcards):
    """Everything the data of one run depends on."""
    entry = TASKS[wildcards.task]
    splits = {**SPLIT_DEFAULTS, "test_seed": DEFAULT_TEST_SEED[entry["kind"]]}
    splits.update({key: entry[key] for key in SPLIT_PARAMS if key in entry})
    task = task_of(wildcards.task)
    return {
        "task": {
            field: getattr(task, field)
            for field in ("kind", "variant", *KIND_PARAMS[task.kind])
        },
        "n": int(wildcards.n),
        "positions": positions(wildcards.task, wildcards.n, wildcards.direction),
        **splits,
    }


def training_config(wildcards):
    """The training config (cotorder.config sections) of one run: its data, model and training settings."""
    entry = TASKS[wildcards.task]
    generation = generation_params(wildcards)
    run = RUN.format(task=wildcards.task, n=wildcards.n, direction=wildcards.direction)
    data = {
        **generation["task"],
        "n": generation["n"],
        "train_path": f"{run}/data.train",
        "test_path": f"{run}/data.test",
        "order": generation["positions"],
    }
    train = {
        **entry.get("train", {}),
        "output_dir": f"{run}/model",
        "checkpoint_dir": f"{run}/checkpoints",
    }
    return canonical({"data": data, "model": entry.get("model", {}), "train": train})


def check_training_settings():
    """Each task's model and train sections, validated by cotorder.config before any job runs."""
    for run in runs():
        try:
            resolve_training_config(training_config(SimpleNamespace(**run)))
        except ValueError as error:
            fail(
                f"tasks.{run['task']} (n = {run['n']}, {run['direction']})", str(error)
            )


# Training and evaluation jobs ask for a GPU where this machine has one, and at most one such job
# per GPU runs at a time (unless --resources gpu=N says otherwise). The executor is not known yet
# while the Snakefile is read: cluster profiles set `gpu: 1` themselves (profiles/slurm), and on a
# login node with GPUs, --resources gpu=N sets how many GPU jobs are submitted at once.
LOCAL_GPUS = gpu_count()
if LOCAL_GPUS and "gpu" not in workflow.global_resources:
    workflow.register_resource("gpu", LOCAL_GPUS)
GPU_REQUEST = min(1, LOCAL_GPUS)


def final_targets():
    """What `snakemake` builds by default: the summary table and its plots."""
    return [
        f"{RESULTS}/summary.csv",
        f"{RESULTS}/plots/success_rate.png",
        f"{RESULTS}/plots/position_accuracy.png",
    ]
