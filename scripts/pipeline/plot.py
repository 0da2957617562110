"""Snakemake script: success-rate curves and per-position accuracy heatmaps."""

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.summary import plot_positions, plot_success

log_to(snakemake.log[0])
table = pd.read_csv(snakemake.input.summary)
plot_success(table, snakemake.output.success)
plot_positions(table, snakemake.output.positions)
print(f"plotted {len(table)} runs")
