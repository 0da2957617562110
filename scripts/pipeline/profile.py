"""Snakemake script: one replicate of a loss profile: its mixture, its training, every candidate order's score."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import DEFAULT_GPU_SLOTS, claim_gpu

log_to(snakemake.log[0], "a")  # appended: a resumed run keeps the interrupted run's log
claim_gpu(snakemake.config.get("gpu_slots", DEFAULT_GPU_SLOTS))  # before torch is imported

from pathlib import Path  # noqa: E402

from cotorder.profiling import run_profile  # noqa: E402

table = run_profile(
    snakemake.params.replicate,
    train_path=snakemake.input.train,
    validation_path=snakemake.input.validation,
    folder=Path(snakemake.output.losses).parent,
    num_threads=snakemake.threads,
)
print(table.head(10).to_string(index=False))
