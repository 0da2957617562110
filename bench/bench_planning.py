"""Planning time: Snakemake's dry runs and up-to-date runs of this workflow against an empty workflow, and the planner
(cotorder.runs.plan) on the shipped and the hostile configs.

    .venv/bin/python bench/bench_planning.py [--repeats 3] [--plans-only]

Measures, in one run and in fresh copies of the workflow: a dry run of the default config and of
experiments/paper.yaml with nothing built, and a run of the default config when every output is up to
date (placeholder outputs, oldest first), each against `snakemake --dry-run` of a one-rule
workflow (Snakemake's own start-up). Targets: the default config's dry run within 0.5 s of that
baseline, the others within 2 s.

Then `plan(config)` itself, in this process: the default config, every experiments/*.yaml overlay, and the hostile
configs of issue 33 (a profile of 5,040 random candidates at n = 4,000, which took 79 s to plan, 70 s of it drawing
the orders), each its best CPU seconds (process time: what it costs on an idle core, whatever else runs) and wall
seconds, against the default config's; target: every one under 5 s of CPU.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
RULE_ORDER = ["generate", "train", "evaluate", "summarize", "plot"]
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "results", ".snakemake", "__pycache__", "*.egg-info", "data")


def copy_workflow(target: Path) -> Path:
    """A checkout's copy, without its results, environment and history."""
    shutil.copytree(ROOT, target, ignore=NOT_COPIED)
    return target


def timed(folder, *args, expect=""):
    start = time.perf_counter()
    result = subprocess.run([*SNAKEMAKE, *args], cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode != 0 or expect not in output:
        raise SystemExit(f"snakemake {' '.join(args)} failed in {folder}:\n{output[-3000:]}")
    return seconds


def best(repeats, *args, **kwargs):
    return min(timed(*args, **kwargs) for _ in range(repeats))


def make_up_to_date(folder):
    """Placeholder files for every output, each rule's newer than its inputs'."""
    summary = subprocess.run([*SNAKEMAKE, "--summary", "--cores", "1"], cwd=folder, capture_output=True, text=True)
    outputs = [line.split("\t") for line in summary.stdout.splitlines()[1:] if "\t" in line]
    stamp = time.time() - 10  # newer than the workflow's code
    for rule in RULE_ORDER:
        stamp += 1
        for path, _, rule_name, *_ in outputs:
            if rule_name != rule:
                continue
            target = folder / path
            if rule == "train":
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("placeholder\n")
            os.utime(target, (stamp, stamp))
    return len(outputs)


HOSTILE_PLANS = {
    "profile: 5,040 random candidates at n = 4,000": {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "value_max": 0, "n": [8], "directions": ["forward"]}},
        "profiles": {"big": {"task": "relu", "n": 4000, "candidates": {"kind": "random", "count": 5040},
                             "train_samples": 10080, "model": {"max_sequence_length": 4002}}},
    },
    "profile: 5,040 forward_plus_random candidates at n = 500": {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "value_max": 0, "n": [8], "directions": ["forward"]}},
        "profiles": {"big": {"task": "relu", "n": 500, "candidates": {"kind": "forward_plus_random", "count": 5040},
                             "train_samples": 10080, "model": {"max_sequence_length": 502}}},
    },
}  # fmt: skip
PLAN_TARGET = 5.0  # CPU seconds


def plan_times(repeats: int) -> int:
    """The planner's CPU and wall seconds (best of ``repeats``) on every shipped config and the hostile ones."""
    sys.path.insert(0, str(ROOT))
    from cotorder.runs import plan
    from cotorder.schema import merged_files

    default = ROOT / "workflow_config.yaml"
    configs = {"default config": merged_files([default])}
    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        configs[f"experiments/{path.name}"] = merged_files([default, path])
    configs.update(HOSTILE_PLANS)
    rows = []
    for label, config in configs.items():
        cpu, wall = [], []
        for _ in range(repeats):
            start, clock = time.process_time(), time.perf_counter()
            plan(config)
            cpu.append(time.process_time() - start)
            wall.append(time.perf_counter() - clock)
        rows.append((label, min(cpu), min(wall)))
    base = rows[0][1]
    print(f"{'plan(config)':58}{'CPU s':>8}{'wall s':>8}{'x default':>11}   target")
    failed = False
    for label, cpu, wall in rows:
        met = cpu <= PLAN_TARGET
        failed |= not met
        print(f"{label:58}{cpu:8.2f}{wall:8.2f}{cpu / base:11.1f}   {'met' if met else 'MISSED'} (< {PLAN_TARGET} s)")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plans-only", action="store_true", help="only the planner's times (no Snakemake runs)")
    args = parser.parse_args()
    if args.plans_only:
        return plan_times(args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "empty").mkdir()
        (tmp / "empty" / "Snakefile").write_text("rule all:\n    output:\n        'done.txt'\n")
        baseline = best(args.repeats, tmp / "empty", "--dry-run", "--cores", "1")
        rows = []
        for name, extra in (("default", []), ("paper", ["--configfile", "experiments/paper.yaml"])):
            folder = copy_workflow(tmp / name)
            seconds = best(args.repeats, folder, "--dry-run", "--cores", "1", *extra)
            rows.append((f"dry run, {name} config", seconds, 0.5 if name == "default" else 2.0))
        folder = copy_workflow(tmp / "noop")
        files = make_up_to_date(folder)
        timed(folder, "--dry-run", "--cores", "1", expect="Nothing to be done")  # never train by accident
        noop = best(args.repeats, folder, "--cores", "1", expect="Nothing to be done")
        rows.append((f"up-to-date run, default config ({files} outputs)", noop, 2.0))
    print(f"{'measurement':48}{'seconds':>9}{'minus baseline':>16}{'ratio':>8}{'target':>9}")
    print(f"{'baseline: dry run of a one-rule workflow':48}{baseline:9.2f}{0:16.2f}{1:8.2f}")
    failed = False
    for label, seconds, target in rows:
        met = seconds - baseline <= target
        failed |= not met
        verdict = f"{'met' if met else 'MISSED'} (+{target} s)"
        print(f"{label:48}{seconds:9.2f}{seconds - baseline:16.2f}{seconds / baseline:8.2f}   {verdict}")
    return plan_times(args.repeats) or (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
