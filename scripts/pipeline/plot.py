"""Snakemake script: success-rate curves and per-position accuracy heatmaps."""

import sys

import pandas as pd

from cotorder.summary import plot_positions, plot_success

sys.stderr = open(snakemake.log[0], "w", buffering=1)
table = pd.read_csv(snakemake.input.summary)
plot_success(table, snakemake.output.success)
plot_positions(table, snakemake.output.positions)
print(f"plotted {len(table)} runs", file=sys.stderr)
