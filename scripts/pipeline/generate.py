"""Snakemake script: one run's train and test splits, written in the run's order."""

import time

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.datafiles import write_samples
from cotorder.generate import generate
from cotorder.tasks import Task

log_to(snakemake.log[0])
params = snakemake.params.generation
task = Task(**params["task"])
for split in ("train", "test"):
    start = time.perf_counter()
    x, y = generate(task, params["n"], params[f"{split}_samples"], params[f"{split}_seed"], params["positions"])
    path = snakemake.output[split]
    size = write_samples(path, x, y)
    print(f"wrote {path} ({len(x)} samples, {size / 1e6:.1f} MB, {time.perf_counter() - start:.2f} s)")
