"""Snakemake script: results/summary.csv, one row per run."""

import sys

from cotorder.summary import summarize, write_csv

sys.stderr = open(snakemake.log[0], "w", buffering=1)
table = summarize(snakemake.params.runs, list(snakemake.input.metrics))
write_csv(table, snakemake.output[0])
print(table.drop(columns="position_accuracy").to_string(index=False), file=sys.stderr)
