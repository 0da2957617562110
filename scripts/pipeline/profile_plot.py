"""Snakemake script: a profile's ranking and loss curves."""

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.profiling import plot_losses

log_to(snakemake.log[0])
plot_losses(pd.read_csv(snakemake.input.losses, dtype={"label": str}, keep_default_na=False), snakemake.output[0],
            title=f"loss profile {snakemake.wildcards.profile}")  # fmt: skip
