"""Snakemake script: a profile replicate's training split (forward; the same inputs for every replicate) and its own
validation split (the replicate's validation_seed: cotorder.runs.Profile.replicate)."""

import sys

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.candidates import write_profile_data
from cotorder.tasks import SettingError

log_to(snakemake.log[0])
try:
    write_profile_data(
        snakemake.params.data, train_path=snakemake.output.train, validation_path=snakemake.output.validation
    )
except SettingError as error:  # a python task's file failing on a later batch: one line in the log, no traceback
    sys.exit(str(error))
