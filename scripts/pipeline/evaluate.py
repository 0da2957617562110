"""Snakemake script: exact-match evaluation of one run's model on its test split."""

import sys
from pathlib import Path

from cotorder.devices import claim_gpu

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
claim_gpu()

from cotorder.evaluation import evaluate  # noqa: E402 (after the GPU is chosen)

metrics = evaluate(
    snakemake.input.model,
    snakemake.input.test,
    snakemake.params.order,
    Path(snakemake.output.metrics).parent,
    batch_size=snakemake.params.batch_size,
)
print(f"success rate {metrics['success_rate']:.4f}", file=sys.stderr)
