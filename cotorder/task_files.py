"""A task written in a user's Python file (``kind: python``): the file loaded, its functions called, and every
result checked, each problem one line naming the file, the function and the config key.

The contract (``docs/own_tasks.md``):

- ``outputs(x, **settings)``: ``x`` an ``(N, n)`` int64 numpy array of inputs (a copy: the function may change
  it); returns an ``(N, n)`` integer numpy array, the CoT in forward order, each value within ``values``.  It must
  be deterministic and treat each row on its own (a row's CoT depends on that row's inputs only).
- ``sample(rng, count, n, **settings)`` (optional, instead of an ``inputs`` range): ``rng`` a
  ``numpy.random.Generator``; returns a ``(count, n)`` integer array of inputs within ``values``, drawn from
  ``rng`` only.

This module knows nothing of :class:`cotorder.tasks.Task`, which owns what a task is and calls these helpers.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
import traceback
import types
from pathlib import Path

import numpy as np

# A module per (real path, modification time, size): a file edited between two plans is read again.
_MODULES: dict = {}


class TaskFileError(ValueError):
    """A task file's problem; ``key`` is the config key it belongs to (file, function, sample, settings, values)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


def _located(error: BaseException, real: str, shown: str) -> str:
    """``Type: message (file, line L)``: the exception and the last line of the user's file it passed through.

    A ``SystemExit`` (``sys.exit``, argparse's usage error) or ``KeyboardInterrupt`` raised by the file is named as
    such: a task file is imported and called, never run as a script."""
    if isinstance(error, SyntaxError) and error.filename == real:
        return f"SyntaxError: {error.msg} ({shown}, line {error.lineno})"
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == real]
    if isinstance(error, SystemExit):
        text = f"SystemExit: it calls sys.exit({error.code!r})"
    else:
        text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return f"{text} ({shown}, line {lines[-1]})" if lines else text


SCRIPT_HINT = "; a task file only defines functions: put script code under `if __name__ == '__main__':`"


def version(file: str) -> tuple | None:
    """``(real path, modification time, size)`` of ``file``: changes when the file is edited; None if it is not a
    file."""
    try:
        real = os.path.realpath(file)
        stat = os.stat(real)
    except OSError:
        return None
    return real, stat.st_mtime_ns, stat.st_size


def load(file: str) -> types.ModuleType:
    """The module of ``file`` (relative to the working directory), executed once while the file is unchanged.

    No bytecode is written beside it, and nothing of it is put on ``sys.path``."""
    path = Path(file)
    if not path.exists():
        raise TaskFileError("file", f"{file}: no such file (relative to {os.getcwd()})")
    if not path.is_file():
        raise TaskFileError("file", f"{file}: not a file")
    real = os.path.realpath(path)
    stat = os.stat(real)
    key = (real, stat.st_mtime_ns, stat.st_size)
    if key in _MODULES:
        return _MODULES[key]
    try:
        source = Path(real).read_bytes()
    except OSError as error:
        raise TaskFileError("file", f"{file}: cannot be read ({error.strerror})") from None
    name = "cotorder_task_" + hashlib.sha1(real.encode()).hexdigest()[:12]
    module = types.ModuleType(name)
    module.__file__ = real
    sys.modules[name] = module  # while it runs: dataclasses, pickling and the like look their module up there
    try:
        exec(compile(source, real, "exec"), module.__dict__)
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: never a silent end of the workflow
        del sys.modules[name]
        hint = SCRIPT_HINT if isinstance(error, SystemExit) else ""
        raise TaskFileError("file", f"{file}: importing it failed: {_located(error, real, file)}{hint}") from None
    _MODULES[key] = module
    return module


def function(file: str, name: str, key: str):
    """The callable ``name`` of ``file``; ``key``: the config key that names it."""
    module = load(file)
    if not hasattr(module, name):
        defined = sorted(k for k, v in vars(module).items() if inspect.isfunction(v) and not k.startswith("_"))
        raise TaskFileError(key, f"{file}: no function {name!r} (it defines: {', '.join(defined) or 'none'})")
    found = getattr(module, name)
    if not callable(found):
        raise TaskFileError(key, f"{file}: {name} is a {type(found).__name__}, not a function")
    return found


def check_signature(file: str, name: str, key: str, *args, **settings) -> None:
    """Refuse settings the function does not take (or arguments it lacks), before it is called: config key
    ``settings``."""
    found = function(file, name, key)
    try:
        signature = inspect.signature(found)
    except (TypeError, ValueError):
        return  # a builtin or the like: its call will tell
    try:
        signature.bind(*args, **settings)
    except TypeError as error:
        raise TaskFileError("settings", f"{file}, {name}{signature}: cannot be called with the inputs and settings "
                                        f"{settings or '{}'}: {error}") from None  # fmt: skip


def call(file: str, name: str, key: str, *args, **settings):
    """``name(*args, **settings)`` from ``file``; an exception inside it: its message with the file and line."""
    found = function(file, name, key)
    try:
        return found(*args, **settings)
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: one line naming the file, not a traceback
        raise TaskFileError(key, f"{file}, {name}(): raised {_located(error, os.path.realpath(file), file)}") from None


def checked_array(result, shape: tuple, low: int, high: int, where: str, key: str) -> np.ndarray:
    """``result`` as int64 if it is an integer numpy array of ``shape`` with every value in ``low`` … ``high``
    (the range of config key ``values``); ``where``: ``file, function()`` for the messages."""
    if not isinstance(result, np.ndarray):
        raise TaskFileError(key, f"{where}: returned a {type(result).__name__}, expected a numpy array {shape}")
    if result.dtype.kind not in "iu":
        raise TaskFileError(key, f"{where}: returned dtype {result.dtype}, expected an integer array")
    if result.shape != shape:
        raise TaskFileError(key, f"{where}: returned shape {result.shape}, expected {shape}")
    values = result.astype(np.int64)
    outside = np.argwhere((values < low) | (values > high))
    if len(outside):
        row, place = (int(i) for i in outside[0])
        raise TaskFileError("values", f"{where}: returned {values[row, place]} (sample {row + 1}, step {place + 1}), "
                                      f"outside values [{low}, {high}]")  # fmt: skip
    return values


def first_difference(a: np.ndarray, b: np.ndarray) -> str:
    """Where two arrays of the same shape first differ: ``sample r, step i: a then b``."""
    row, place = (int(i) for i in np.argwhere(a != b)[0])
    return f"sample {row + 1}, step {place + 1}: {a[row, place]} then {b[row, place]}"
