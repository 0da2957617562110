"""Snakemake script: a profile's replicates together: summary.csv (with the verdict), agreement.csv, losses.png."""

import pandas as pd
from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.evidence import agreement, summarize, verdict
from cotorder.profiling import plot_profile, write_table

log_to(snakemake.log[0])
tables = {seed: pd.read_csv(path, dtype={"label": str}, keep_default_na=False)
          for seed, path in zip(snakemake.params.seeds, snakemake.input.losses, strict=True)}  # fmt: skip
summary = summarize(tables)
found = verdict(summary, len(tables))
pairs = agreement(tables)
write_table(summary.assign(verdict=found["verdict"], verdict_reason=found["reason"]), snakemake.output.summary)
write_table(pairs, snakemake.output.agreement)
plot_profile(summary, tables, found, snakemake.output.plot, title=f"loss profile {snakemake.wildcards.profile}")
print(summary.head(10).to_string(index=False))
print(f"rank agreement (Spearman) between seeds: {pairs['spearman'].round(3).tolist()}")
print(f"verdict: {found['verdict']}: {found['reason']}")
