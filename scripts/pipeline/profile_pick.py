"""Snakemake script: one order a profile's ground truth trains, picked by its rank (picks/pick<k>.json)."""

import json

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.datafiles import atomic_write
from cotorder.validation import picked_orders

log_to(snakemake.log[0])
summary = pd.read_csv(snakemake.input.summary, dtype={"label": str, "order": str}, keep_default_na=False)
pick = picked_orders(summary, snakemake.params.picks)[int(snakemake.wildcards.pick) - 1]
with atomic_write(snakemake.output.order, "w") as handle:
    json.dump(pick, handle)
print(f"pick {snakemake.wildcards.pick}: {pick}")
