"""Snakemake script: one seed's found order with its whole trace (order.json)."""

import json
from pathlib import Path

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.datafiles import atomic_write
from cotorder.search import search_trace

log_to(snakemake.log[0])
result = search_trace([json.loads(Path(path).read_text()) for path in snakemake.input.rounds])
with atomic_write(snakemake.output.order, "w") as handle:
    json.dump(result, handle, indent=1)
print(f"found {result['order']}")
