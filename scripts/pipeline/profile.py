"""Snakemake script: one loss-profiling run: train on the mixture, score every candidate order."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import DEFAULT_GPU_SLOTS, claim_gpu

log_to(snakemake.log[0], "a")  # appended: a resumed run keeps the interrupted run's log
claim_gpu(snakemake.config.get("gpu_slots", DEFAULT_GPU_SLOTS))  # before torch is imported

from cotorder.profiling import run_profile  # noqa: E402

table = run_profile(
    snakemake.params.profile,
    train_path=snakemake.input.train,
    validation_path=snakemake.input.validation,
    output_dir=snakemake.output.model,
    checkpoint_dir=snakemake.params.checkpoints,
    losses_path=snakemake.output.losses,
    num_threads=snakemake.threads,
)
print(table.head(10).to_string(index=False))
