"""Data files: one sample a line, ``x_1 … x_L : y_1 … y_L``.

Writing is vectorized (a zero-padded byte table per value, gathered with numpy) and
atomic (a temporary file in the same folder, renamed when complete).
Reading accepts the project's `` : `` and calt's `` # `` separator and
never skips a line silently: a malformed line is an error naming file and line.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path

import numpy as np

SEPARATOR = " : "
SEPARATORS = (" : ", " # ")
_CHUNK_ROWS = 32768
_MAX_TABLE_VALUES = 100_000


class DataFormatError(ValueError):
    """A data file line that is not ``ints : ints``."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Open a temporary file beside ``path``; rename it onto ``path`` only on success.

    Temporary files of ``path`` left by a killed earlier write are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def format_samples(x: np.ndarray, y: np.ndarray) -> bytes:
    """The file bytes for inputs ``x`` and written outputs ``y`` (both ``(N, L)`` ints)."""
    x, y = np.asarray(x, np.int64), np.asarray(y, np.int64)
    if x.size == 0:
        return b""
    low, high = int(min(x.min(), y.min())), int(max(x.max(), y.max()))
    if high - low > _MAX_TABLE_VALUES:  # too wide for a byte table: format line by line
        return b"".join(_format_line(a, b).encode() for a, b in zip(x.tolist(), y.tolist(), strict=True))
    # Byte table: row v - low holds str(v) + " ", row v - low + size the same + "\n"; the last
    # row of each half is ":", the column between input and output.  Rows are zero-padded.
    tokens = [str(v).encode() for v in range(low, high + 1)] + [b":"]
    size = len(tokens)
    table = np.zeros((2 * size, max(map(len, tokens)) + 1), dtype=np.uint8)
    for half, ending in enumerate((b" ", b"\n")):
        for row, token in enumerate(tokens, start=half * size):
            table[row, : len(token) + 1] = np.frombuffer(token + ending, np.uint8)
    rows = np.concatenate([x - low, np.full((len(x), 1), size - 1), y - low], axis=1)
    rows[:, -1] += size
    parts = []
    for start in range(0, len(rows), _CHUNK_ROWS):
        padded = np.take(table, rows[start : start + _CHUNK_ROWS], axis=0)  # (rows, columns, width)
        parts.append(padded[padded != 0].tobytes())
    return b"".join(parts)


def _format_line(x: list[int], y: list[int]) -> str:
    return " ".join(map(str, x)) + SEPARATOR + " ".join(map(str, y)) + "\n"


def write_samples(path: str | os.PathLike, x: np.ndarray, y: np.ndarray) -> int:
    """Write a data file atomically; return its size in bytes."""
    data = format_samples(x, y)
    with atomic_write(path) as handle:
        handle.write(data)
    return len(data)


def parse_line(line: str, where: str) -> tuple[list[int], list[int]]:
    """Split one sample line into input and output integers; ``where`` is ``file:line``."""
    text = line.rstrip("\n")
    for sep in SEPARATORS:
        if sep in text:
            left, right = text.split(sep, 1)
            break
    else:
        raise DataFormatError(f"{where}: no ' : ' or ' # ' separator in line {text[:80]!r}")
    try:
        x, y = [int(t) for t in left.split()], [int(t) for t in right.split()]
    except ValueError:
        bad = next(t for t in (left + " " + right).split() if not t.lstrip("-").isdigit())
        raise DataFormatError(f"{where}: {bad!r} is not an integer") from None
    if not x or not y:
        raise DataFormatError(f"{where}: empty input or output in line {text[:80]!r}")
    return x, y
