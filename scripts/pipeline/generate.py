"""Snakemake script: one run's train and test splits, written in the run's order."""

import sys

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.generate import write_run_data
from cotorder.search import read_order
from cotorder.tasks import SettingError

log_to(snakemake.log[0])
paths = {"train": snakemake.output.train, "test": snakemake.output.test}
try:
    write_run_data(snakemake.params.data, paths, read_order(snakemake.input.order))
except SettingError as error:  # a python task's file failing on a later batch: one line in the log, no traceback
    sys.exit(str(error))
