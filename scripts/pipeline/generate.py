"""Snakemake script: one run's train and test splits, written in the run's order."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.generate import write_run_data
from cotorder.search import read_order

log_to(snakemake.log[0])
paths = {"train": snakemake.output.train, "test": snakemake.output.test}
write_run_data(snakemake.params.data, paths, read_order(snakemake.input.order))
