"""Snakemake script: exact-match evaluation of one run's model on its test split."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import DEFAULT_GPU_SLOTS, claim_gpu

log_to(snakemake.log[0])
claim_gpu(snakemake.config.get("gpu_slots", DEFAULT_GPU_SLOTS))  # before torch is imported

from cotorder.evaluation import evaluate  # noqa: E402
from cotorder.search import read_order  # noqa: E402

settings = snakemake.params.evaluation
metrics = evaluate(
    snakemake.input.model,
    snakemake.input.test,
    settings["order"] or read_order(snakemake.input.order),
    metrics_path=snakemake.output.metrics,
    predictions_path=snakemake.output.predictions,
    batch_size=settings["batch_size"],
    device=settings["device"],
    precision=settings["precision"],
    num_threads=snakemake.threads,
)
print(f"success rate {metrics['success_rate']:.4f}")
