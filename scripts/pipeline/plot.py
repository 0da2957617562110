"""Snakemake script: success-rate curves and per-position accuracy heatmaps."""

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.summary import plot_positions, plot_success

log_to(snakemake.log[0])
summary, replicates = pd.read_csv(snakemake.input.summary), pd.read_csv(snakemake.input.replicates)
plot_success(summary, replicates, snakemake.output.success)
plot_positions(summary, snakemake.output.positions)
print(f"plotted {len(summary)} runs, {len(replicates)} replicates")
