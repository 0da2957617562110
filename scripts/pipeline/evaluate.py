"""Snakemake script: exact-match evaluation of one run's model on its test split."""

from pathlib import Path

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import claim_gpu

log_to(snakemake.log[0])
claim_gpu()  # before torch is imported

from cotorder.evaluation import evaluate  # noqa: E402

metrics = evaluate(
    snakemake.input.model,
    snakemake.input.test,
    snakemake.params.order,
    Path(snakemake.output.metrics).parent,
    batch_size=snakemake.params.batch_size,
)
print(f"success rate {metrics['success_rate']:.4f}")
