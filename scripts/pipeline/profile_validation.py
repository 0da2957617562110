"""Snakemake script: a profile's ground truth: its trained orders' success beside its rankings (validation.csv,
validation_correlation.csv, validation.png)."""

import json
import sys
from pathlib import Path

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.profiling import write_table
from cotorder.study import ReplicateTableError, read_replicate_tables
from cotorder.validation import correlations, plot_validation, validation_table

log_to(snakemake.log[0])
read = {"dtype": {"label": str, "order": str}, "keep_default_na": False}
summary = pd.read_csv(snakemake.input.summary, **read)
try:  # every configured seed's table, checked as the profile's summary checks them
    tables = read_replicate_tables(dict(zip(snakemake.params.seeds, snakemake.input.losses, strict=True)))
except ReplicateTableError as error:
    sys.exit(f"profile {snakemake.wildcards.profile}: {error}")
metrics = {}
for path in snakemake.input.metrics:
    run = json.loads(Path(path).read_text())
    metrics.setdefault(" ".join(map(str, run["order"])), []).append(run)
table = validation_table(summary, tables, metrics)
correlation = correlations(table, tables)
write_table(table, snakemake.output.table)
write_table(correlation, snakemake.output.correlation)
plot_validation(
    table, correlation, snakemake.output.plot, title=f"ground truth of loss profile {snakemake.wildcards.profile}"
)
print(table.to_string(index=False))
print(correlation.to_string(index=False))
