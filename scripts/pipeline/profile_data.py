"""Snakemake script: a profile's mixed training split and its validation split."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.candidates import write_profile_data

log_to(snakemake.log[0])
write_profile_data(
    snakemake.params.data, train_path=snakemake.output.train, validation_path=snakemake.output.validation
)
