"""Snakemake script: one run's train and test splits, written in the run's order."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.generate import generate, write_split
from cotorder.tasks import Task

log_to(snakemake.log[0])
params = snakemake.params.generation
task = Task(**params["task"])
for split in ("train", "test"):
    x, y = generate(task, params["n"], params[f"{split}_samples"], params[f"{split}_seed"], params["positions"])
    write_split(snakemake.output[split], x, y)
