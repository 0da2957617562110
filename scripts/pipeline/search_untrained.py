"""Snakemake script: one seed's search whose ranker trains nothing (rank_by: baseline or lookup), all its rounds in
this job (cotorder/untrained_search.py), and its found order with its whole trace (order.json)."""

import json

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.datafiles import atomic_write
from cotorder.untrained_search import run_search

log_to(snakemake.log[0])
settings = snakemake.params.search
result = run_search(settings["replicate"], settings["rounds"], settings["initial"], snakemake.output.rounds)
with atomic_write(snakemake.output.order, "w") as handle:
    json.dump(result, handle, indent=1)
print(f"found {result['order']}")
