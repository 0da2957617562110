import functools
import os
import sys
from pathlib import Path

from cotorder.devices import DEFAULT_GPU_SLOTS, gpu_count
from cotorder.runs import ConfigError, plan

# Every run of the config, resolved and checked before any job runs (cotorder/runs.py).
try:
    PLAN = plan(config)
except ConfigError as error:
    sys.exit(f"workflow config, {error}")  # the message names the key: no traceback


class TargetsOf:
    """The plan as the rules read it: a target the config does not hold (an n, a seed, a round it lacks) ends
    Snakemake with the plan's one line naming the key, before any job runs.  A ConfigError raised in an input or
    params function would reach the user wrapped in an InputFunctionException with a traceback; SystemExit is not
    wrapped."""

    def __init__(self, plan):
        self._plan = plan

    def __getattr__(self, name):
        found = getattr(self._plan, name)
        if not callable(found):
            return found

        # Snakemake reads an input function's parameters from its signature: wraps keeps it.
        @functools.wraps(found)
        def checked(*args, **kwargs):
            try:
                return found(*args, **kwargs)
            except ConfigError as error:
                sys.exit(f"target not in the workflow config: {error}")

        return checked


PLAN = TargetsOf(PLAN)

# --set-threads RULE=N below 1: one line here, not a traceback from the job's training config (train.num_threads).
# A target written after --set-threads is read as one of its pairs (seed=3/order.json: rule ".../seed", "3/order.json"
# threads) and would end in a ValueError about resources: one line naming it instead.
for rule_name, threads in workflow.resource_settings.overwrite_threads.items():
    if not rule_name.isidentifier():
        raw = getattr(threads, "raw", threads)
        sys.exit(
            f"--set-threads {rule_name}={raw}: not a rule name (a target written after --set-threads is read as "
            "one of its RULE=N pairs: give targets before --set-threads, or end its pairs with --)"
        )
    threads = getattr(threads, "value", threads)  # a snakemake Resource, or the number
    if isinstance(threads, int) and threads < 1:
        sys.exit(f"--set-threads {rule_name}={threads}: a job needs at least 1 thread")

# ---- Path patterns: one place for each. ----
# A run (task, n, direction) has one data set; each of its replicates (training seed) one model.
# Everything lands under the config's results root, so that one experiment never overwrites another.
RESULTS = os.path.normpath(config.get("results", "results"))
RUN_ID = "{task}/n={n}/{direction}"
REPLICATE_ID = f"{RUN_ID}/seed={{seed}}"
RUN = f"{RESULTS}/{RUN_ID}"
REPLICATE = f"{RESULTS}/{REPLICATE_ID}"
# A profile's replicates (seed) each have their data (the training inputs shared, validation rows their own),
# mixture, model and ranking.
PROFILE = f"{RESULTS}/profiles/{{profile}}"
PROFILE_REPLICATE = f"{PROFILE}/seed={{seed}}"
# Its ground truth (`validate`): the orders picked by rank, trained as runs, and their success beside the ranking.
PROFILE_PICK = f"{PROFILE}/picks/pick{{pick}}.json"
# A search runs once per seed, round by round; its summary compares the seeds' found orders.
SEARCH = f"{RESULTS}/searches/{{search}}"
SEARCH_REPLICATE = f"{SEARCH}/seed={{seed}}"
SEARCH_ROUND = f"{SEARCH_REPLICATE}/round{{round}}"
SEARCH_KEPT = f"{SEARCH_ROUND}/kept.json"
SEARCH_ORDER = f"{SEARCH_REPLICATE}/order.json"
# Relative to the working folder, so that Snakemake's records of these inputs survive a move.
PACKAGE = Path(os.path.relpath(workflow.basedir)) / "cotorder"


wildcard_constraints:
    task="|".join(PLAN.task_names),
    n=r"\d+",
    direction="|".join(PLAN.direction_names),
    seed=r"\d+",
    profile="|".join(PLAN.profiles) or "(?!)",
    search="|".join(PLAN.searches) or "(?!)",
    round=r"\d+",
    pick=r"\d+",


def log_path(rule, job_id):
    return f"{RESULTS}/logs/{rule}/{job_id}.log"


def benchmark_path(rule, job_id):
    return f"{RESULTS}/benchmarks/{rule}/{job_id}.tsv"


def package_files(*names):
    """Package modules a rule's results depend on, so that changed code reruns it."""
    return [str(PACKAGE / name) for name in names]


def previous_round(wildcards):
    """A search round's input: the orders the round before kept (none for the first)."""
    # A round or seed the search lacks: its line, not "missing round-1/kept.json".
    PLAN.search_round(wildcards)
    index = int(wildcards.round)
    return (
        [] if index == 1 else [SEARCH_KEPT.format(**{**wildcards, "round": index - 1})]
    )


def searched_order(wildcards):
    """The order file of a run whose direction names a search's seed or a profile's pick (none for other directions)."""
    found, picked = PLAN.searched(wildcards.direction), PLAN.picked(wildcards.direction)
    if found is not None:
        return [SEARCH_ORDER.format(search=found[0], seed=found[1])]
    return (
        []
        if picked is None
        else [PROFILE_PICK.format(profile=picked[0], pick=picked[1])]
    )


def run_settings(part):
    """A params function: one part (data, training, evaluation) of the job's run spec."""
    return lambda wildcards: PLAN.settings(wildcards, part)


# Training and evaluation jobs ask for a GPU where this machine has one, and at most one such job
# per GPU runs at a time (unless --resources gpu=N says otherwise). The executor is not known yet
# while the Snakefile is read: cluster profiles set `gpu: 1` themselves (profiles/slurm), and on a
# login node with GPUs, --resources gpu=N sets how many GPU jobs are submitted at once.
# A count given with --resources gpu=N is taken as is (nvidia-smi is not asked). With
# `gpu_slots: k`, k jobs share each GPU: the resource counts slots (cotorder/devices.py).
LOCAL_GPUS = None if "gpu" in workflow.global_resources else gpu_count()
if LOCAL_GPUS:
    workflow.register_resource(
        "gpu", LOCAL_GPUS * config.get("gpu_slots", DEFAULT_GPU_SLOTS)
    )
GPU_REQUEST = 0 if LOCAL_GPUS == 0 else 1


def final_targets():
    """What `snakemake` builds by default: the summary table and its plots, every profile's plot, every profile's
    ground truth and their table, and every search's summary."""
    summary = [
        f"{RESULTS}/summary.csv",
        f"{RESULTS}/replicates.csv",
        f"{RESULTS}/plots/success_rate.png",
        f"{RESULTS}/plots/position_accuracy.png",
    ]
    return (
        (summary if PLAN.selected else [])
        + PLAN.profile_files(f"{PROFILE}/losses.png")
        + PLAN.validation_files(f"{PROFILE}/validation.csv")
        + (
            [f"{RESULTS}/ground_truth.csv"]
            if PLAN.validation_files("{profile}")
            else []
        )
        + PLAN.search_files(f"{SEARCH}/summary.csv")
    )
