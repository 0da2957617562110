"""Snakemake script: success-rate curves and per-position accuracy heatmaps."""

from pathlib import Path

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.summary import figure_title, plot_positions, plot_success

log_to(snakemake.log[0])
summary, replicates = pd.read_csv(snakemake.input.summary), pd.read_csv(snakemake.input.replicates)
results = Path(snakemake.output.success).parent.parent  # <results>/plots/success_rate.png
title = figure_title(snakemake.params.configs, str(results), replicates["seed"])
plot_success(summary, replicates, snakemake.output.success, title)
plot_positions(summary, snakemake.output.positions, title)
print(f"plotted {len(summary)} runs, {len(replicates)} replicates")
