"""Snakemake script: a path search's one round (method: path): the lookup ranker's transition costs on the search's
rows, their shortest path, the continuation where one step is not enough (cotorder/paths.py); no model trained."""

import json
import time
from pathlib import Path

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.candidates import write_profile_data
from cotorder.datafiles import atomic_write
from cotorder.paths import path_round
from cotorder.profiling import read_samples
from cotorder.tasks import Task

log_to(snakemake.log[0])
settings, folder, start = snakemake.params.round, Path(snakemake.output.kept).parent, time.perf_counter()
data = settings["replicate"]["data"]
task, files = (
    Task.from_settings(data["task"]),
    {"train_path": folder / "data.train", "validation_path": folder / "data.valid"},
)
write_profile_data(data, **files)  # the search's profile's rows, as a search round's profile writes them
rows = [array for file in files.values() for array in read_samples(file, task, data["n"])]
for file in files.values():  # regenerated from the data spec on a rerun: not kept
    file.unlink()
record = path_round(data, rows, settings, folder)
with atomic_write(snakemake.output.kept, "w") as handle:
    json.dump(record, handle, indent=1)
path = record["path"]
print(f"path ({path['method']}, {path['status']}): {path['order']}, {record['one_step_score']:.4f} nats per token "
      f"one-step, {record['path_score']:.4f} by the full lookup ranker")  # fmt: skip
if record["continued"]:
    print(f"one step is not enough (the full ranker is more than {record['margin']} nats per token lower): the "
          f"converging search continued from the path: {record['kept'][0]}, {record['scores'][0]:.4f}")  # fmt: skip
print(f"wall time {time.perf_counter() - start:.1f} s")
