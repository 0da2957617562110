"""Imported first by every pipeline script (Snakemake puts this folder on ``sys.path``).

Puts the workflow's own ``cotorder`` package on ``sys.path``, so that a job finds it in any
environment (per-rule conda environments included), and sends the job's output to its log.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def log_to(path: str, mode: str = "w") -> None:
    """Send this job's stdout and stderr to its Snakemake log, line-buffered."""
    sys.stdout = sys.stderr = open(path, mode, buffering=1)  # noqa: SIM115 (open for the job's life)
