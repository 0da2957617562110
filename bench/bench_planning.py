"""Planning time: Snakemake's dry runs and up-to-date runs of this workflow against an empty workflow.

    .venv/bin/python bench/bench_planning.py [--repeats 3]

Measures, in one run and in fresh copies of the workflow: a dry run of the default config and of
experiments/paper.yaml with nothing built, and a run of the default config when every output is up to
date (placeholder outputs, oldest first), each against `snakemake --dry-run` of a one-rule
workflow (Snakemake's own start-up). Targets: the default config's dry run within 0.5 s of that
baseline, the others within 2 s.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
