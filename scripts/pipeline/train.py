"""Snakemake script: train one run's model (resuming from its checkpoints, if any)."""

import json
import sys

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import DEFAULT_GPU_SLOTS, claim_gpu

log_to(snakemake.log[0], "a")  # appended: a resumed run keeps the interrupted run's log
gpu = claim_gpu(snakemake.config.get("gpu_slots", DEFAULT_GPU_SLOTS))  # before torch is imported
if gpu is not None:
    print(f"using GPU {gpu}")

from cotorder.datafiles import DataFormatError  # noqa: E402
from cotorder.runs import training_config  # noqa: E402
from cotorder.search import read_order  # noqa: E402
from cotorder.tasks import SettingError  # noqa: E402
from cotorder.training import train  # noqa: E402

config = training_config(
    snakemake.params.training,
    train_path=snakemake.input.train,
    test_path=snakemake.input.test,
    output_dir=snakemake.output.model,
    checkpoint_dir=snakemake.params.checkpoints,
    num_threads=snakemake.threads,
    order=read_order(snakemake.input.order),  # a search's order, for its direction
)
try:
    result = train(config)
except (DataFormatError, SettingError) as error:  # a line that is not its task's CoT, a task file failing: one line
    sys.exit(str(error))
print(json.dumps(result, indent=2))
