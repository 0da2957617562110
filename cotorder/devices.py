"""GPUs on this machine, and a GPU slot per concurrent local job.

Snakemake caps the number of concurrent GPU jobs (resource ``gpu``: GPUs × slots
per GPU) but does not say which GPU a job gets; :func:`claim_gpu` picks a free
slot with a lock file held for the life of the process.  Imported before torch:
CUDA reads ``CUDA_VISIBLE_DEVICES`` once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

_held_locks = []  # open lock files, held until the process exits
DEFAULT_GPU_SLOTS = 1  # jobs per GPU: `gpu_slots` in the workflow config


def gpu_count() -> int:
    """GPUs ``nvidia-smi -L`` lists (0 without a driver: then no process is started)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return 0
    try:
        listing = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return 0
    return listing.stdout.count("GPU ") if listing.returncode == 0 else 0


def claim_gpu(slots: int = DEFAULT_GPU_SLOTS, lock_dir: str | os.PathLike = ".snakemake/gpu-locks") -> str | None:
    """Make one GPU with a free slot the only visible one; return its index (None: nothing to choose).

    Each GPU has ``slots`` slots (``gpu_slots`` in the workflow config): that many jobs share it.
    Slots are taken GPU by GPU in turn (slot 0 of every GPU first), so jobs spread over the GPUs.
    """
    if "CUDA_VISIBLE_DEVICES" in os.environ:  # the scheduler (e.g. SLURM) already chose
        return None
    count = gpu_count()
    if count < 2:
        return None
    Path(lock_dir).mkdir(parents=True, exist_ok=True)
    for slot in range(slots):
        for index in range(count):
            handle = open(Path(lock_dir) / f"gpu{index}.slot{slot}.lock", "w")  # noqa: SIM115 (held until exit)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held_locks.append(handle)
            os.environ["CUDA_VISIBLE_DEVICES"] = str(index)
            return str(index)
    raise RuntimeError(
        f"all {count} GPUs x {slots} slots are claimed by other jobs (locks in {lock_dir}); run with --resources gpu=N"
    )
