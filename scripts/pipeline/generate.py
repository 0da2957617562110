"""Snakemake script: one run's train and test splits, written in the run's order."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.generate import write_run_data

log_to(snakemake.log[0])
write_run_data(snakemake.params.data, {"train": snakemake.output.train, "test": snakemake.output.test})
