"""Data-set generation: a split written in one or more orders, streamed to its files, and the files of a run."""

from __future__ import annotations

import contextlib
import sys
import time

import numpy as np

from .datafiles import atomic_write, format_samples, write_samples
from .orders import apply_order
from .tasks import FILE_KIND, SettingError, Task

SPLITS = ("train", "test")
APART_DRAWS = 32  # a split drawn apart from others draws at most 32 times its size (+ 4,096) rows


def write_split(path, x, y, quiet: bool = False) -> None:
    """Write one data file atomically, with a progress line on stderr unless ``quiet``."""
    start = time.perf_counter()
    size = write_samples(path, x, y)
    if not quiet:
        print(
            f"wrote {path} ({len(x)} samples, {size / 1e6:.1f} MB, {time.perf_counter() - start:.2f} s)",
            file=sys.stderr,
        )


def write_orders(paths: dict, task: Task, n: int, count: int, seed: int, quiet: bool = False, rows: int = 65536,
                 seen: list | None = None):  # fmt: skip
    """One split written in several orders at once (``paths``: file -> positions), atomically and streamed in
    blocks of ``rows`` samples, so memory stays bounded whatever ``count``; a progress line per file.  ``seen``: a
    list that receives each block's :func:`row_keys` (8 bytes a sample)."""
    start = time.perf_counter()
    sizes = dict.fromkeys(paths, 0)
    with contextlib.ExitStack() as stack:
        handles = {path: stack.enter_context(atomic_write(path)) for path in paths}
        for x in task.input_chunks(n, count, seed, rows):
            if seen is not None:
                seen.append(row_keys(x))
            y = task.outputs(x)
            for path, positions in paths.items():
                data = format_samples(x, apply_order(y, positions))
                handles[path].write(data)
                sizes[path] += len(data)
    if not quiet:
        for path, size in sizes.items():
            print(f"wrote {path} ({count} samples, {size / 1e6:.1f} MB, {time.perf_counter() - start:.2f} s)",
                  file=sys.stderr)  # fmt: skip


def row_keys(x: np.ndarray) -> np.ndarray:
    """A 64-bit key for each row of ``x`` (``(N, n)`` integers): equal rows, equal keys; two different rows share one
    with a chance of about 2⁻⁶⁴ (then a row is taken for another split's, and skipped: never a shared input)."""
    x = np.asarray(x, dtype=np.int64).view(np.uint64)
    weights = np.random.default_rng(0x5EED).integers(1, 2**63, size=x.shape[1], dtype=np.uint64) * np.uint64(2) + 1
    keys = (x * weights).sum(axis=1, dtype=np.uint64)  # wraps modulo 2**64
    keys ^= keys >> np.uint64(29)
    return keys * np.uint64(0xBF58476D1CE4E5B9)


def inputs_apart(task: Task, n: int, count: int, seed: int, exclude: np.ndarray, key: str,
                 apart_from: str = "the other splits") -> np.ndarray:  # fmt: skip
    """``count`` inputs drawn from ``seed``, none of them an input of another split (``exclude``: their
    :func:`row_keys`): the first ``count`` rows of a draw from ``seed`` that are not excluded, the draw growing
    (``count``, then ``2·count + 16``, …) until they are enough, up to :data:`APART_DRAWS` ``· count + 4096`` rows.
    Where no row is excluded, the inputs are the plain draw of ``count``.  Too few: a :class:`SettingError` of
    ``key``, the split's size."""
    exclude = np.unique(exclude)
    size = count
    while True:
        drawn = task.sample_inputs(n, size, seed)
        kept = drawn[~np.isin(row_keys(drawn), exclude)]
        if len(kept) >= count:
            return kept[:count]
        if size >= APART_DRAWS * count + 4096:
            split = key.removesuffix("_samples")
            raise SettingError(key, f"cannot draw {count} {split} inputs apart from {apart_from} at n = {n}: {size} "
                                    f"draws of {task.label} from seed {seed} gave {len(kept)} (the task has too few "
                                    "distinct inputs, or its sample function too little variety)")  # fmt: skip
        size = min(2 * size + 16, APART_DRAWS * count + 4096)


def write_run_data(data: dict, paths: dict, positions=None) -> None:
    """Both splits of one run as its ``data`` spec says (:mod:`cotorder.runs`), into ``paths[split]``;
    ``positions``: the order, where the spec leaves it to a search.

    A python task's test split is drawn apart from its training split (:func:`inputs_apart`): whatever its file does,
    no test input is a training input.  A built-in task's splits are the seminar's generators' (independent draws)."""
    task = Task.from_settings(data["task"])
    n = data["n"]
    positions = data["positions"] if positions is None else positions
    if task.kind != FILE_KIND:
        for split in SPLITS:
            write_orders({paths[split]: positions}, task, n, data[f"{split}_samples"], data[f"{split}_seed"])
        return
    keys = []
    write_orders({paths["train"]: positions}, task, n, data["train_samples"], data["train_seed"], seen=keys)
    x = test_inputs_apart(task, n, data["test_samples"], data["test_seed"], np.concatenate(keys))
    write_split(paths["test"], x, apply_order(task.outputs(x), positions))


def test_inputs_apart(task: Task, n: int, count: int, seed: int, train_keys: np.ndarray) -> np.ndarray:
    """A python task's test split: drawn apart from its training split (``train_keys``, :func:`row_keys`), as its runs
    write it and its profiles' validation splits avoid it."""
    return inputs_apart(task, n, count, seed, train_keys, "test_samples", "the training split")
