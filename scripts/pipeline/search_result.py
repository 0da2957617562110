"""Snakemake script: one seed's found order with its whole trace (order.json)."""

import json
import sys

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.datafiles import atomic_write
from cotorder.search import KeptFileError, read_kept, search_trace

log_to(snakemake.log[0])
try:  # every round's kept orders, checked: the last round's is the found order
    result = search_trace([read_kept(path, snakemake.params.n) for path in snakemake.input.rounds])
except KeptFileError as error:
    sys.exit(str(error))
with atomic_write(snakemake.output.order, "w") as handle:
    json.dump(result, handle, indent=1)
print(f"found {result['order']}")
