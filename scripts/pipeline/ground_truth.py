"""Snakemake script: every validated profile's ground truth in one table (ground_truth.csv, ground_truth.md,
ground_truth.png)."""

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.datafiles import atomic_write
from cotorder.profiling import write_table
from cotorder.validation import ground_truth_markdown, ground_truth_table, plot_ground_truth

log_to(snakemake.log[0])
tables = {
    name: pd.read_csv(path) for name, path in zip(snakemake.params.profiles, snakemake.input.correlations, strict=True)
}
table = ground_truth_table(tables)
write_table(table, snakemake.output.table)
markdown = ground_truth_markdown(table)
with atomic_write(snakemake.output.markdown, mode="w") as handle:
    handle.write(markdown)
plot_ground_truth(table, snakemake.output.plot)
print(markdown)
