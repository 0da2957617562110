"""Data-set generation: a split's inputs and its CoT written in an order, and the files of a run."""

from __future__ import annotations

import sys
import time

from .datafiles import write_samples
from .orders import apply_order
from .tasks import Task

SPLITS = ("train", "test")


def generate(task: Task, n: int, count: int, seed: int, positions) -> tuple:
    """Inputs and the CoT written in the order ``positions`` for one split."""
    x = task.sample_inputs(n, count, seed)
    return x, apply_order(task.outputs(x), positions)


def write_split(path, x, y, quiet: bool = False) -> None:
    """Write one data file atomically, with a progress line on stderr unless ``quiet``."""
    start = time.perf_counter()
    size = write_samples(path, x, y)
    if not quiet:
        print(
            f"wrote {path} ({len(x)} samples, {size / 1e6:.1f} MB, {time.perf_counter() - start:.2f} s)",
            file=sys.stderr,
        )


def write_run_data(data: dict, paths: dict) -> None:
    """Both splits of one run as its ``data`` spec says (:mod:`cotorder.runs`), into ``paths[split]``."""
    task = Task.from_settings(data["task"])
    for split in SPLITS:
        x, y = generate(task, data["n"], data[f"{split}_samples"], data[f"{split}_seed"], data["positions"])
        write_split(paths[split], x, y)
