"""The seed's data-set generator command line, shared by ``scripts/dataset_generation/*.py``.

Argument parsing and the seminar's file layout only: the tasks are :mod:`cotorder.tasks`, the
split defaults :mod:`cotorder.runs`, the writing :mod:`cotorder.generate`.

Layout: ``OUTPUT_ROOT/n=L/`` (index: ``n=L_m=M/``) with ``data.train``,
``data.test`` (forward), ``data-inv.train``, ``data-inv.test`` (inverse) or,
with ``--permutation``, ``data-perm.train``, ``data-perm.test`` and the
permutation in ``data-perm.json``.  Each L must suit the task
(:meth:`cotorder.tasks.Task.check_length`: prod needs an even L).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import fields
from pathlib import Path

import numpy as np

from .datafiles import atomic_write, parse_line
from .generate import write_orders
from .orders import check_permutation, order_positions, parse_permutation
from .runs import SPLIT_DEFAULTS, TEST_SEEDS
from .tasks import KIND_SETTINGS, VARIANTS, SettingError, Task


def dataset_dir(root: str | os.PathLike, kind: str, n: int, m: int | None = None) -> Path:
    """``root/n=L`` (index: ``root/n=L_m=M``)."""
    return Path(root) / (f"n={n}_m={m}" if kind == "index" else f"n={n}")


MAX_SEED = 2**32 - 1  # numpy's seeds end there


def integer_flag(flag: str, low: int, high: int | None = None):
    """An argparse type: an integer of at least ``low`` (and at most ``high``), else one line naming ``flag``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"{low} to {high}"
            raise argparse.ArgumentTypeError(f"{flag} must be {bounds}, got {value}")
        return value

    return parse


def _positive(flag: str):
    return integer_flag(flag, 1)


def _seed(flag: str):
    return integer_flag(flag, 0, MAX_SEED)


def build_parser(kind: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=f"Generate {kind} chain-of-thought data sets (forward, inverse or permuted order)."
    )
    parser.add_argument(
        "--sequence-lengths", type=int, nargs="+", required=True, metavar="L", help="sequence lengths n to generate"
    )
    parser.add_argument("--output-root", default=f"data/{kind}", help="root folder (default: %(default)s)")
    parser.add_argument("--train-samples", type=_positive("--train-samples"), default=SPLIT_DEFAULTS["train_samples"])
    parser.add_argument("--test-samples", type=_positive("--test-samples"), default=SPLIT_DEFAULTS["test_samples"])
    parser.add_argument("--train-seed", type=_seed("--train-seed"), default=SPLIT_DEFAULTS["train_seed"])
    parser.add_argument(
        "--test-seed", type=_seed("--test-seed"), default=TEST_SEEDS[kind], help="differs from --train-seed"
    )
    parser.add_argument("--no-inverse", action="store_true", help="do not write the inverse split")
    parser.add_argument("--permutation", help='write the CoT in this order, e.g. "1,0,2,3,4" (0-based)')
    parser.add_argument("--variant", choices=VARIANTS, default="seminar", help="task definition (default: seminar)")
    defaults = {field.name: field.default for field in fields(Task)}
    for key in KIND_SETTINGS[kind]:  # required where the task has no default (index: m)
        if defaults[key] is None:
            parser.add_argument(_flag(key), type=int, required=True, help=f"task setting {key} (required)")
        else:
            parser.add_argument(_flag(key), type=int, default=defaults[key], help="task setting (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _task_from_args(kind: str, args, parser) -> Task:
    settings = {"kind": kind, "variant": args.variant, **{key: getattr(args, key) for key in KIND_SETTINGS[kind]}}
    try:
        return Task.from_settings(settings, name=_flag)
    except SettingError as error:
        parser.error(error.message)


def _check_writable(root: Path, parser) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"--output-root {str(root)!r} cannot be created: {error.strerror}")
    if not os.access(root, os.W_OK | os.X_OK):
        parser.error(f"--output-root {str(root)!r} is not writable")


def _check_targets(paths: list[Path], parser) -> None:
    """Every file a run writes, checked before any is written: a file where a folder goes, or a folder where a
    file goes, is refused (not found half-way, after other files are written)."""
    for path in paths:
        folder = path.parent
        if folder.exists() and not folder.is_dir():
            parser.error(f"{folder} is a file, not a folder: {path.name} cannot be written in it")
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            parser.error(f"{folder} is not writable")
        if path.exists() and not path.is_file():
            parser.error(f"{path} is {'a folder' if path.is_dir() else 'not a regular file'}: it cannot be written")


def _check_same_task(path: Path, task: Task, n: int, parser) -> None:
    """A training split already there is this task's (its first line this task's forward CoT at n), else refused:
    two generators given one --output-root would replace each other's files."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, errors="replace") as handle:
        line = handle.readline()
    try:
        x, y = parse_line(line, f"{path}:1")
        same = len(x) == len(y) == n and task.outputs(np.array([x]))[0].tolist() == y
    except (ValueError, IndexError, OverflowError):  # not a data line, or not one of this task's
        same = False
    if not same:
        parser.error(f"--output-root: {path} holds data that is not {task.label}'s at n = {n} (its first line is no "
                     f"such CoT): another generator's? Give another --output-root, or remove the file")  # fmt: skip


def main(kind: str, argv: list[str] | None = None) -> int:
    parser = build_parser(kind)
    args = parser.parse_args(argv)
    if args.train_seed == args.test_seed:
        parser.error(
            f"--train-seed and --test-seed are both {args.train_seed}: every test line would be a training line"
        )
    task = _task_from_args(kind, args, parser)
    try:
        for n in args.sequence_lengths:
            spelling = lambda key: "--sequence-lengths" if key == "n" else _flag(key)  # noqa: E731
            task.check_length(n, name=spelling)
            task.check_window(n, name=spelling)
            task.check_overflow(n, name=spelling)
    except SettingError as error:
        parser.error(error.message)
    permutation = None
    if args.permutation is not None:
        try:
            permutation = parse_permutation(args.permutation)
            for n in args.sequence_lengths:
                check_permutation(permutation, n)
        except ValueError as error:
            parser.error(f"--permutation: {error}")
    if not args.output_root.strip():
        parser.error("--output-root is empty: give the folder to write n=L/ into")
    root = Path(args.output_root)
    _check_writable(root, parser)

    orders = {"data": "forward"}
    if permutation is not None:
        orders["data-perm"] = permutation
    elif not args.no_inverse:
        orders["data-inv"] = "inverse"
    targets = []
    for n in args.sequence_lengths:
        folder = dataset_dir(root, kind, n, task.m)
        targets += [folder / f"{stem}.{split}" for split in ("train", "test") for stem in orders]
        targets += [folder / "data-perm.json"] if permutation is not None else []
    _check_targets(targets, parser)
    for n in args.sequence_lengths:
        _check_same_task(dataset_dir(root, kind, n, task.m) / "data.train", task, n, parser)
    for n in args.sequence_lengths:
        folder = dataset_dir(root, kind, n, task.m)
        for split, count, seed in (
            ("train", args.train_samples, args.train_seed),
            ("test", args.test_samples, args.test_seed),
        ):
            paths = {folder / f"{stem}.{split}": order_positions(direction, n) for stem, direction in orders.items()}
            write_orders(paths, task, n, count, seed, args.quiet)
        if permutation is not None:
            with atomic_write(folder / "data-perm.json", "w") as handle:
                json.dump({"permutation": permutation, "n": n}, handle)
                handle.write("\n")
    return 0
