"""Snakemake script: results/summary.csv, one row per run."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.summary import summarize, write_csv

log_to(snakemake.log[0])
table = summarize(snakemake.params.runs, list(snakemake.input.metrics))
write_csv(table, snakemake.output[0])
print(table.drop(columns="position_accuracy").to_string(index=False))
