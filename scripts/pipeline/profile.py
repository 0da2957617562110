"""Snakemake script: one replicate of a loss profile: its mixture, its training, every candidate order's score.

The control (``rank_by: baseline``) trains nothing: no GPU is claimed and ``model/`` holds only a note saying so."""

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.devices import DEFAULT_GPU_SLOTS, claim_gpu
from cotorder.profiling import trains  # torch is imported only where a model is trained

log_to(snakemake.log[0], "a")  # appended: a resumed run keeps the interrupted run's log
replicate = snakemake.params.replicate
if trains(replicate["scoring"]):
    claim_gpu(snakemake.config.get("gpu_slots", DEFAULT_GPU_SLOTS))  # before torch is imported

from pathlib import Path  # noqa: E402

from cotorder.profiling import run_profile  # noqa: E402

table = run_profile(
    replicate,
    train_path=snakemake.input.train,
    validation_path=snakemake.input.validation,
    folder=Path(snakemake.output.losses).parent,
    num_threads=snakemake.threads,
)
if not trains(replicate["scoring"]):  # the rule's model output: what stands in for a model
    model = Path(snakemake.output.model)
    model.mkdir(exist_ok=True)
    (model / "NO_MODEL.txt").write_text("rank_by: baseline (the control): the candidates were ranked by their "
                                        "no-learning baseline alone; no model was trained.\n")  # fmt: skip
print(table.head(10).to_string(index=False))
