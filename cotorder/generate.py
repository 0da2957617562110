"""Data-set generation: a split written in one or more orders, streamed to its files, and the files of a run."""

from __future__ import annotations

import contextlib
import sys
import time

from .datafiles import atomic_write, format_samples, write_samples
from .orders import apply_order
from .tasks import Task

SPLITS = ("train", "test")


def write_split(path, x, y, quiet: bool = False) -> None:
    """Write one data file atomically, with a progress line on stderr unless ``quiet``."""
    start = time.perf_counter()
    size = write_samples(path, x, y)
    if not quiet:
        print(
            f"wrote {path} ({len(x)} samples, {size / 1e6:.1f} MB, {time.perf_counter() - start:.2f} s)",
            file=sys.stderr,
        )


def write_orders(paths: dict, task: Task, n: int, count: int, seed: int, quiet: bool = False, rows: int = 65536):
    """One split written in several orders at once (``paths``: file -> positions), atomically and streamed in
    blocks of ``rows`` samples, so memory stays bounded whatever ``count``; a progress line per file."""
    start = time.perf_counter()
    sizes = dict.fromkeys(paths, 0)
    with contextlib.ExitStack() as stack:
        handles = {path: stack.enter_context(atomic_write(path)) for path in paths}
        for x in task.input_chunks(n, count, seed, rows):
            y = task.outputs(x)
            for path, positions in paths.items():
                data = format_samples(x, apply_order(y, positions))
                handles[path].write(data)
                sizes[path] += len(data)
    if not quiet:
        for path, size in sizes.items():
            print(f"wrote {path} ({count} samples, {size / 1e6:.1f} MB, {time.perf_counter() - start:.2f} s)",
                  file=sys.stderr)  # fmt: skip


def write_run_data(data: dict, paths: dict, positions=None) -> None:
    """Both splits of one run as its ``data`` spec says (:mod:`cotorder.runs`), into ``paths[split]``;
    ``positions``: the order, where the spec leaves it to a search."""
    task = Task.from_settings(data["task"])
    positions = data["positions"] if positions is None else positions
    for split in SPLITS:
        write_orders({paths[split]: positions}, task, data["n"], data[f"{split}_samples"], data[f"{split}_seed"])
