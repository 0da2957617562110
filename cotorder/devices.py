"""GPUs on this machine, and one GPU per concurrent local job.

Snakemake caps the number of concurrent GPU jobs (resource ``gpu``) but does
not say which GPU a job gets; :func:`claim_gpu` picks a free one with a lock
file held for the life of the process.  Imported before torch: CUDA reads
``CUDA_VISIBLE_DEVICES`` once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

_held_locks = []  # open lock files, held until the process exits


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


def claim_gpu(lock_dir: str | os.PathLike = ".snakemake/gpu-locks") -> str | None:
    """Make one free GPU the only visible one; return its index (None: nothing to choose)."""
    if "CUDA_VISIBLE_DEVICES" in os.environ:  # the scheduler (e.g. SLURM) already chose
        return None
    count = gpu_count()
    if count < 2:
        return None
    Path(lock_dir).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        handle = open(Path(lock_dir) / f"gpu{index}.lock", "w")  # noqa: SIM115 (held until exit)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held_locks.append(handle)
        os.environ["CUDA_VISIBLE_DEVICES"] = str(index)
        return str(index)
    raise RuntimeError(f"all {count} GPUs are claimed by other jobs (locks in {lock_dir}); run with --resources gpu=N")
