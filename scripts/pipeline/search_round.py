"""Snakemake script: one round of one seed's order search: profile its candidates, keep the best."""

import json
import sys
from pathlib import Path

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import DEFAULT_GPU_SLOTS, claim_gpu
from cotorder.profiling import trains  # torch is imported only where a model is trained

log_to(snakemake.log[0], "a")  # appended: a resumed round keeps the interrupted round's log
settings = snakemake.params.round
if trains(settings["replicate"]["scoring"]):  # the control (rank_by: baseline) trains nothing: no GPU
    claim_gpu(snakemake.config.get("gpu_slots", DEFAULT_GPU_SLOTS))  # before torch is imported

from cotorder.search import KeptFileError, read_kept  # noqa: E402

if snakemake.input.survivors:
    try:  # the round before's orders, checked before torch is loaded: a corrupt file is named, not this round's
        previous = read_kept(snakemake.input.survivors[0], settings["replicate"]["data"]["n"])
    except KeptFileError as error:
        sys.exit(str(error))
    survivors = previous["kept"]
else:
    previous, survivors = None, settings["initial"]

from cotorder.datafiles import atomic_write  # noqa: E402
from cotorder.profiling import run_round  # noqa: E402

result = run_round(settings["replicate"], settings["move"], settings["size"], settings["keep"], survivors,
                   Path(snakemake.output.kept).parent, num_threads=snakemake.threads,
                   per_block=settings.get("per_block", False), confirm=settings.get("confirm", 1),
                   previous=previous)  # fmt: skip
with atomic_write(snakemake.output.kept, "w") as handle:
    json.dump(result, handle, indent=1)
control = "" if trains(settings["replicate"]["scoring"]) else " (the control: ranked by the no-learning baseline alone)"
passed = " (the climb had ended: passed through)" if result.get("passed") else ""
print(f"{settings['move']} {settings['size']}: {result['candidates']} candidates, best {result['kept'][0]}{control}"
      f"{passed}")  # fmt: skip
