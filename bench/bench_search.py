"""The order search's CPU demo: its wall time from nothing, and the cost of one profiling round per candidate.

    .venv/bin/python bench/bench_search.py [--cores 2]

Runs ``snakemake --cores N --configfile experiments/search_demo.yaml`` in a temporary copy of the checkout,
then reads each round's Snakemake benchmark (wall seconds) and candidate count from the results. Prints the
total wall time, each round's seconds and seconds per candidate, and the found order's trace.
"""

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCH = "relu_search"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "checkout"
        ignore = shutil.ignore_patterns(".git", ".venv", "results", ".snakemake", "__pycache__", "*.egg-info")
        shutil.copytree(ROOT, folder, ignore=ignore)
        command = [sys.executable, "-m", "snakemake", "--cores", str(args.cores)]
        start = time.perf_counter()
        result = subprocess.run(
            [*command, "--configfile", "experiments/search_demo.yaml"], cwd=folder, capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
        root = folder / "results/search_demo"
        print(f"search demo from nothing (snakemake --cores {args.cores}): {wall:.0f} s")
        for seed_folder in sorted((root / "searches" / SEARCH).glob("seed=*")):
            trace = json.loads((seed_folder / "order.json").read_text())
            print(f"\n{seed_folder.name}: found {trace['order']}")
            print(f"{'round':>6} {'move':>8} {'size':>5} {'candidates':>11} {'seconds':>8} {'s/candidate':>12}  "
                  "best order")  # fmt: skip
            for record in trace["rounds"]:
                bench = root / f"benchmarks/search_round/{SEARCH}/{seed_folder.name}/round{record['round']}.tsv"
                with open(bench) as handle:
                    seconds = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
                print(f"{record['round']:>6} {record['move']:>8} {record['size']:>5} {record['candidates']:>11} "
                      f"{seconds:8.1f} {seconds / record['candidates']:12.3f}  {record['kept'][0]}")  # fmt: skip
        print((root / "searches" / SEARCH / "summary.csv").read_text())
        with open(folder / "results/search_demo/summary.csv") as handle:
            for row in csv.DictReader(handle):
                print(f"{row['direction']:>12}: success {float(row['success_rate']):.3f}")


if __name__ == "__main__":
    main()
