"""Snakemake script: a search's seeds together: each found order and its distance to forward, inverse and the task's
named orders (summary.csv, plot)."""

import json
from pathlib import Path

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.paths import method_label
from cotorder.profiling import write_table
from cotorder.search import found_orders, plot_search

log_to(snakemake.log[0])
results = {seed: json.loads(Path(path).read_text())
           for seed, path in zip(snakemake.params.seeds, snakemake.input.orders, strict=True)}  # fmt: skip
table = found_orders(results, snakemake.params.named)  # with the distance to each named order of the task
table["method"] = [method_label(result) for result in results.values()]  # path+search: one step was not enough
write_table(table, snakemake.output.summary)
plot_search(results, snakemake.output.plot, title=f"order search {snakemake.wildcards.search}")
print(table.to_string(index=False))
