"""Snakemake script: train one run's model (resuming from its checkpoints, if any)."""

import sys

from cotorder.devices import claim_gpu

sys.stdout = sys.stderr = open(snakemake.log[0], "a", buffering=1)
gpu = claim_gpu()
if gpu is not None:
    print(f"using GPU {gpu}", file=sys.stderr)

from cotorder.config import resolve  # noqa: E402 (after the GPU is chosen)
from cotorder.training import train  # noqa: E402

config = resolve(snakemake.params.config)
config["train"]["num_threads"] = snakemake.threads
train(config)
