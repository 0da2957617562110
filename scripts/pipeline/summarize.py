"""Snakemake script: <results>/replicates.csv (one row per replicate) and <results>/summary.csv (one row per run)."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.summary import aggregate, replicate_table, write_csv

log_to(snakemake.log[0])
replicates = replicate_table(snakemake.params.replicates, list(snakemake.input.metrics))
write_csv(replicates, snakemake.output.replicates)
summary = aggregate(replicates)
write_csv(summary, snakemake.output.summary)
print(summary.drop(columns="position_accuracy").to_string(index=False))
