"""The four chain-of-thought tasks: random inputs and their recurrences.

Every function works on a whole split at once: ``x`` is an ``(N, L)`` int64
array and the result ``y`` has the same shape, ``y[:, i]`` being the (i+1)-th
CoT step in forward order.  The definitions, random streams and test vectors
are in ``docs/tasks.md``; the two variants are ``seminar`` (the default) and
``paper`` (``prod``, multiplication, is the same in both).

:class:`Task` is the one owner of each kind's settings and their defaults:
:data:`KIND_SETTINGS` says which settings a kind takes, the dataclass fields
give their defaults, and :meth:`Task.from_settings` is the one way to build a
task from a mapping (a workflow config entry, a training config's ``data``
section, the generator's flags).

Besides the four built-in kinds, ``kind: python`` is a task defined by a function in the
user's own file (:data:`FILE_SETTINGS`, ``docs/own_tasks.md``): the same :class:`Task`, with
the same interface (sampling, outputs, value range, the CoT check), its functions loaded and
checked by :mod:`cotorder.task_files`.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from . import task_files

KINDS = ("relu", "square", "index", "prod")
VARIANTS = ("seminar", "paper")
# The generation settings each kind takes, besides its variant.  Defaults: Task's fields.
KIND_SETTINGS = {
    "relu": ("value_min", "value_max"),
    "square": ("value_min", "value_max", "modulus"),
    "index": ("m",),  # no default: the window is part of the task's name (n=13_m=2)
    "prod": (),  # the length n = 2D fixes everything: two D-digit operands
}
# A task defined by a function in the user's Python file: the file, the CoT function's name, the inputs' range
# [low, high] or the name of a function that draws them, the CoT values' range, and keyword arguments for both.
FILE_KIND = "python"
FILE_SETTINGS = ("file", "function", "inputs", "sample", "values", "settings")
ALL_KINDS = (*KINDS, FILE_KIND)
SETTINGS = ("kind", "variant", *dict.fromkeys(s for names in KIND_SETTINGS.values() for s in names), *FILE_SETTINGS)
PLANNING_SAMPLES = 32  # the seeded batch a file's functions are checked on, at each n, before any job runs
# The most distinct values a task may hold at one n: a model's vocabulary has a token for each, and calt builds it
# in time growing with the square of its size (0.7 s at 10,000 values, about a minute at 100,000).
MAX_VALUES = 20_000
INT64_BOUND = 2**62  # every input, CoT value and intermediate sum stays within ±2**62: no int64 overflow


class SettingError(ValueError):
    """A bad task setting; ``key`` names it (None: the settings together)."""

    def __init__(self, key: str | None, message: str):
        super().__init__(f"{key}: {message}" if key else message)
        self.key, self.message = key, message


def _check(kind, variant, values: Mapping, name: Callable[[str], str]) -> None:
    """Raise :class:`SettingError` for the first bad setting; ``name`` spells a key in messages."""
    if kind not in ALL_KINDS:
        raise SettingError("kind", f"unknown task kind {kind!r} (expected one of {', '.join(ALL_KINDS)})")
    if variant not in VARIANTS:
        raise SettingError("variant", f"unknown variant {variant!r} (expected one of {', '.join(VARIANTS)})")
    if kind == FILE_KIND:
        _check_file_settings(values, name)
        return
    for key in KIND_SETTINGS[kind]:
        value = values.get(key)
        if value is None:
            raise SettingError(key, f"{kind} tasks need {name(key)}")
        if not isinstance(value, int) or isinstance(value, bool):
            raise SettingError(key, f"{name(key)} must be an integer, got {value!r}")
    if kind == "index" and values["m"] < 1:
        raise SettingError("m", f"{name('m')} must be at least 1, got {values['m']}")
    if kind == "square" and values["modulus"] < 2:
        raise SettingError("modulus", f"{name('modulus')} must be at least 2, got {values['modulus']}")
    if "value_min" in KIND_SETTINGS[kind] and values["value_min"] > values["value_max"]:
        low, high = values["value_min"], values["value_max"]
        raise SettingError(None, f"{name('value_min')} {low} is greater than {name('value_max')} {high}")


def _check_file_settings(values: Mapping, name: Callable[[str], str]) -> None:
    """A python task's settings (spelled as in a config: :data:`FILE_SETTINGS`); the file itself is read later."""
    for key in ("file", "function", "sample"):
        value = values.get(key)
        if key == "file" and value is None:
            raise SettingError("file", f"python tasks need {name('file')} (the Python file that defines the task)")
        if value is not None and (not isinstance(value, str) or not value):
            raise SettingError(key, f"{name(key)} must be a non-empty string, got {value!r}")
        if key == "file" and ("{" in value or "}" in value):
            raise SettingError("file", f"{name('file')}: {value!r}: Snakemake reads braces in a file name as "
                                       "wildcards (the file is an input of its jobs); rename the file")  # fmt: skip
        if value is not None and key != "file" and not value.isidentifier():
            raise SettingError(key, f"{name(key)} must be the name of a function of the file, got {value!r}")
    if values.get("inputs") is None and values.get("sample") is None:
        raise SettingError("inputs", f"python tasks need {name('inputs')}: [low, high] (drawn uniformly) or "
                                     f"{name('sample')}: a function of the file that draws them")  # fmt: skip
    if values.get("inputs") is not None and values.get("sample") is not None:
        raise SettingError("sample", f"give {name('inputs')} (a range drawn uniformly) or {name('sample')} "
                                     "(a function that draws them), not both")  # fmt: skip
    if values.get("values") is None:
        raise SettingError("values", f"python tasks need {name('values')}: [low, high], the range of the CoT values")
    for key in ("inputs", "values"):
        value = values.get(key)
        if value is None:
            continue
        pair = isinstance(value, list | tuple) and len(value) == 2
        if not pair or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise SettingError(key, f"{name(key)} must be [low, high], two integers, got {value!r}")
        if value[0] > value[1]:
            raise SettingError(key, f"{name(key)}: low {value[0]} is greater than high {value[1]}")
        if max(abs(value[0]), abs(value[1])) > INT64_BOUND:
            raise SettingError(key, f"{name(key)}: {list(value)} reaches beyond ±2**62 (the data are 64-bit integers)")
    arguments = values.get("settings")
    if not isinstance(arguments, Mapping) or not all(isinstance(k, str) and k.isidentifier() for k in arguments):
        raise SettingError("settings", f"{name('settings')} must map argument names to values, got {arguments!r}")


_CHECKED: set = set()  # (file version, settings, n) of the python tasks whose file has passed check_file
SLOW_CHECK = 5.0  # seconds: a check of a task's file still running after this is said on stderr


@contextlib.contextmanager
def _slow_notice(what: str, after: float | None = None):
    """Say ``what`` is being done on stderr once it has taken ``after`` seconds (:data:`SLOW_CHECK`), and when it ends
    how long it took: a slow task function is not a silent planner."""
    after = SLOW_CHECK if after is None else after
    start = time.perf_counter()
    timer = threading.Timer(after, lambda: print(f"{what}: still running …", file=sys.stderr, flush=True))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if time.perf_counter() - start >= after:
            print(f"{what}: done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _file_errors():
    """A task file's problem (:class:`cotorder.task_files.TaskFileError`) as a :class:`SettingError` of its key."""
    try:
        yield
    except task_files.TaskFileError as error:
        raise SettingError(error.key, error.message) from None


@dataclass(frozen=True)
class Task:
    """One task kind with its generation settings (those its kind does not take are ignored)."""

    kind: str
    variant: str = "seminar"
    value_min: int = -9  # relu, square (prod: digits 0 … 9, fixed)
    value_max: int = 9  # relu, square
    modulus: int = 19  # square
    m: int | None = None  # index: window of previous outputs (required)
    # python: the file (relative to the working directory), its CoT function, the inputs' range or the function
    # that draws them, the CoT values' range, and the keyword arguments of both functions (the config's `settings`)
    file: str | None = None
    function: str = "outputs"
    inputs: tuple | None = None
    sample: str | None = None
    values: tuple | None = None
    arguments: dict = field(default_factory=dict)

    def __post_init__(self):
        _check(self.kind, self.variant, self._file_settings() if self.kind == FILE_KIND else self.__dict__, str)

    def _file_settings(self) -> dict:
        """A python task's settings as a config spells them (None: not given)."""
        return {"file": self.file, "function": self.function, "inputs": _listed(self.inputs), "sample": self.sample,
                "values": _listed(self.values), "settings": dict(self.arguments)}  # fmt: skip

    @classmethod
    def from_settings(cls, settings: Mapping, name: Callable[[str], str] = str) -> Task:
        """The task a mapping describes: ``kind``, optional ``variant`` and the settings of its kind.

        A key the kind does not take, or a bad value, is a :class:`SettingError` naming the key.
        """
        kind = settings.get("kind")
        if kind is None:
            raise SettingError("kind", "missing (expected one of " + ", ".join(ALL_KINDS) + ")")
        if kind == FILE_KIND:
            return cls._from_file_settings(settings, name)
        variant = settings.get("variant", "seminar")
        for key in settings:
            if key not in SETTINGS:
                raise SettingError(key, f"unknown task setting (expected one of {', '.join(SETTINGS)})")
            if key not in ("kind", "variant") and kind in ALL_KINDS and key not in KIND_SETTINGS.get(kind, ()):
                raise SettingError(key, f"not a setting of {kind} tasks")
        defaults = {f.name: f.default for f in fields(cls)}
        values = {key: settings.get(key, defaults[key]) for key in KIND_SETTINGS.get(kind, ())}
        _check(kind, variant, values, name)
        return cls(kind, variant, **values)

    @classmethod
    def _from_file_settings(cls, settings: Mapping, name: Callable[[str], str]) -> Task:
        for key in settings:
            if key not in SETTINGS:
                raise SettingError(key, f"unknown task setting (expected one of {', '.join(SETTINGS)})")
            if key not in ("kind", *FILE_SETTINGS):
                raise SettingError(key, "not a setting of python tasks (the file defines the task)")
        given = {key: settings[key] for key in FILE_SETTINGS if key in settings}
        values = {"function": "outputs", "settings": {}, **given}
        _check_file_settings(values, name)
        pairs = {key: tuple(values[key]) if values.get(key) is not None else None for key in ("inputs", "values")}
        return cls(FILE_KIND, file=values["file"], function=values["function"], sample=values.get("sample"),
                   arguments=dict(values["settings"]), **pairs)  # fmt: skip

    def settings(self) -> dict:
        """``kind``, ``variant`` and the settings of this kind: what :meth:`from_settings` reads back (a python
        task: ``kind`` and the settings given, no variant)."""
        if self.kind == FILE_KIND:
            return {"kind": self.kind, **{k: v for k, v in self._file_settings().items() if v is not None}}
        return {"kind": self.kind, "variant": self.variant, **{k: getattr(self, k) for k in KIND_SETTINGS[self.kind]}}

    @property
    def label(self) -> str:
        """The task in messages: ``relu (seminar)``, ``tasks/cumsum.py:outputs``."""
        return f"{self.file}:{self.function}" if self.kind == FILE_KIND else f"{self.kind} ({self.variant})"

    @property
    def mismatch_cause(self) -> str:
        """The likely cause, in messages, of a data line whose outputs are not this task's CoT of its inputs."""
        if self.kind == FILE_KIND:
            return (f"{self.file}'s {self.function}() gives other outputs now than when the data were written: not "
                    "deterministic across processes (hash(), set order, the clock, a global random state?) or the "
                    "file edited since")  # fmt: skip
        return "another task, variant or order?"

    def check_length(self, n: int, name: Callable[[str], str] = str) -> None:
        """Raise :class:`SettingError` (key ``n``) unless ``n`` is a sequence length this task has.

        Every kind needs an integer n ≥ 2; prod also an even n (two operands of n/2 digits).
        ``name`` spells the key in messages, as in :meth:`from_settings`.
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise SettingError("n", f"{name('n')} must be an integer, got {n!r}")
        if n < 2:
            raise SettingError("n", f"{name('n')} must be at least 2, got {n}")
        if self.kind == "prod" and n % 2:
            raise SettingError("n", f"prod needs an even {name('n')} (two operands of n/2 digits), got {n}")

    def check_window(self, n: int, name: Callable[[str], str] = str) -> None:
        """Raise :class:`SettingError` (key ``m``) where an index window is longer than the n − 1 outputs before
        the last: it would silently act as m = n − 1.  What configs and the command line are checked with; the
        recurrence itself (:meth:`outputs`) accepts any window."""
        if self.kind == "index" and self.m > n - 1:
            raise SettingError(
                "m",
                f"the index window {name('m')} = {self.m} is longer than the {n - 1} outputs before the last at "
                f"{name('n')} = {n} (it would act as {name('m')} = {n - 1})",
            )

    def check_overflow(self, n: int, name: Callable[[str], str] = str) -> None:
        """Raise :class:`SettingError` where the recurrence could leave 64-bit integers at length n (relu's running
        sum up to n · value_max, square's x² + y²): what the generators' command lines are checked with."""
        if self.kind == "relu":
            widest = max(abs(self.value_min), abs(self.value_max))
            if widest * n > INT64_BOUND:
                key = "value_max" if abs(self.value_max) >= abs(self.value_min) else "value_min"
                raise SettingError(key, f"{name(key)}: relu's running sum reaches n · {widest} = {widest * n} "
                                        f"at {name('n')} = {n}, beyond the data's 64-bit integers (2**62)")  # fmt: skip
        if self.kind == "square":
            for key in ("value_min", "value_max", "modulus"):
                if abs(getattr(self, key)) > 2**30:
                    raise SettingError(key, f"{name(key)}: {getattr(self, key)}: square's x² + y² would leave the "
                                            "64-bit integers of the data (at most ±2**30)")  # fmt: skip

    def values_key(self, n: int) -> str:
        """The setting that widens the task's :meth:`value_range` at length n the most (where to narrow it)."""
        if self.kind == FILE_KIND:
            spans = {key: pair[1] - pair[0] for key, pair in (("inputs", self.inputs), ("values", self.values)) if pair}
            return max(spans, key=spans.get)
        if self.kind == "relu":
            return "value_max" if max(self.value_max, 0) * n >= -min(self.value_min, 0) else "value_min"
        if self.kind == "square":
            return "modulus" if self.modulus > self.value_max - self.value_min else "value_max"
        return "n"  # index, prod: their values are fixed by n

    def check_values(self, n: int, name: Callable[[str], str] = str) -> None:
        """Raise :class:`SettingError` where the task holds more than :data:`MAX_VALUES` distinct values at length
        n (:meth:`value_range`): the model's vocabulary, and a profile's baseline tables, could not be built."""
        low, high = self.value_range(n)
        if high - low + 1 <= MAX_VALUES:
            return
        key = self.values_key(n)
        raise SettingError(key, f"{name(key)}: {self.label} at {name('n')} = {n} holds the values {low}..{high}, "
                                f"{high - low + 1} of them: above the {MAX_VALUES} a model's vocabulary may hold "
                                "(a token a value; building it takes time growing with its size squared)")  # fmt: skip

    def check_at(self, n: int, name: Callable[[str], str] = str) -> None:
        """Everything a config is checked with at length n before any job runs: :meth:`check_length`,
        :meth:`check_window`, :meth:`check_overflow`, :meth:`check_values` and, for a python task,
        :meth:`check_file`."""
        self.check_length(n, name)
        self.check_window(n, name)
        self.check_overflow(n, name)
        self.check_values(n, name)
        if self.kind == FILE_KIND:
            # Once per (task, n) while the file is unchanged: a plan checks a task for its runs, profiles and searches.
            key = (task_files.version(self.file), json.dumps(self.settings(), sort_keys=True, default=repr), n)
            if key in _CHECKED:
                return
            with _slow_notice(f"checking {self.label} at n = {n} (its functions on {PLANNING_SAMPLES} samples)"):
                self.check_file(n)
            if key[0] is not None:
                _CHECKED.add(key)

    def check_file(self, n: int, count: int = PLANNING_SAMPLES, seed: int = 0) -> None:
        """A python task's file and functions, run on a small seeded batch at length n: the file and functions
        there and importable, the settings accepted, inputs and outputs integer arrays of the right shape within
        their ranges, both functions deterministic, and each sample's CoT a function of that sample alone.
        Any problem is a :class:`SettingError` naming the file, the function and the config key."""
        where = f"{self.file}, {self.function}()"
        with _file_errors():
            task_files.check_signature(self.file, self.function, "function", np.zeros((1, n), np.int64),
                                       **self.arguments)  # fmt: skip
            if self.sample is not None:
                rng = np.random.default_rng(seed)
                task_files.check_signature(self.file, self.sample, "sample", rng, count, n, **self.arguments)
            x = self.sample_inputs(n, count, seed)
            if self.sample is not None:
                again = self.sample_inputs(n, count, seed)
                if not np.array_equal(x, again):
                    raise SettingError("sample", f"{self.file}, {self.sample}(): two draws from the same seed differ "
                                                 f"({task_files.first_difference(x, again)}): draw from the rng it is "
                                                 "given, nothing else")  # fmt: skip
                # Splits are drawn from different seeds: a function that ignores its rng (or returns one input)
                # would make the test and validation splits training inputs.
                if np.array_equal(x, self.sample_inputs(n, count, seed + 1)):
                    raise SettingError("sample", f"{self.file}, {self.sample}(): the draws from seeds {seed} and "
                                                 f"{seed + 1} are the same: it ignores the rng it is given (the test "
                                                 "split would be training inputs); draw from the rng")  # fmt: skip
                self.sample_inputs(n, 3, seed + 2)  # another count: its shape is checked, a count ignored refused
            y = self.outputs(x)
            again = self.outputs(x)
            if not np.array_equal(y, again):
                raise SettingError("function", f"{where}: not deterministic: two calls on the same inputs differ "
                                               f"({task_files.first_difference(y, again)})")  # fmt: skip
            alone = np.concatenate([self.outputs(x[:1]), self.outputs(x[::-1])[::-1][1:]])
            if not np.array_equal(y, alone):
                raise SettingError("function", f"{where}: a sample's CoT depends on the other samples of the batch "
                                               f"(in a batch, then alone or reordered: "
                                               f"{task_files.first_difference(y, alone)})")  # fmt: skip

    def _input_range(self, n: int) -> tuple[int, int]:
        """The range inputs are drawn from uniformly (a python task with a sample function: its values')."""
        if self.kind == FILE_KIND:
            return self.inputs or self.values
        return {"index": (1, n - 1), "prod": (0, 9)}.get(self.kind, (self.value_min, self.value_max))

    def input_count(self, n: int) -> int:
        """How many distinct inputs the task has at length n (a python task with a sample function: at most)."""
        low, high = self._input_range(n)
        return (high - low + 1) ** n

    def check_apart(self, n: int, count: int, drawn: int) -> None:
        """Raise :class:`SettingError` where a split of ``count`` inputs could not be drawn apart from the ``drawn``
        inputs of the other splits (uniform draws, at length n): fewer than :data:`UNSEEN_SHARE` of the inputs, or
        fewer than twice ``count``, are expected to be left unseen.  A split drawn apart from others
        (:func:`cotorder.generate.inputs_apart`) then finds its inputs within its draw budget."""
        low, high = self._input_range(n)
        if n * math.log(high - low + 1) > 40:  # above 10**17 inputs: no split of a run exhausts them
            return
        total = self.input_count(n)
        unseen = expected_unseen(total, drawn)
        if unseen < 2 * count or unseen < UNSEEN_SHARE * total:
            raise SettingError(None, f"{count} inputs drawn apart from {drawn} others: {self.label} at n = {n} has "
                                     f"{total} distinct inputs, of which about {unseen:.0f} would be left unseen "
                                     f"(at least {max(2 * count, math.ceil(UNSEEN_SHARE * total))} needed: twice the "
                                     f"split, and 1/{round(1 / UNSEEN_SHARE)} of the inputs)")  # fmt: skip

    def sample_inputs(self, n: int, count: int, seed: int) -> np.ndarray:
        """The ``(count, n)`` inputs the seminar's generators draw from ``seed``."""
        return np.concatenate(list(self.input_chunks(n, count, seed)))

    def input_chunks(self, n: int, count: int, seed: int, rows: int = 65536) -> Iterator[np.ndarray]:
        """:meth:`sample_inputs` in consecutive blocks of at most ``rows`` samples: the same numbers, bounded memory."""
        self.check_length(n)
        if count < 1:
            raise ValueError(f"sample count {count} < 1")
        if self.kind == "index":
            yield from _python_randint_chunks(seed, 1, n - 1, count, n, rows)
            return
        if self.kind == FILE_KIND and self.sample is not None:
            yield from self._sampled_chunks(n, count, seed, rows)
            return
        low, high = self._input_range(n)
        # Blocks of rows draw the same numbers as one call, and as one call of size n per sample:
        # for ranges below 2**32, numpy draws 32-bit words from a stream that keeps the second
        # half of each 64-bit output across calls.
        rng = np.random.default_rng(seed)
        for start in range(0, count, rows):
            yield rng.integers(low, high + 1, size=(min(rows, count - start), n), dtype=np.int64)

    def _sampled_chunks(self, n: int, count: int, seed: int, rows: int) -> Iterator[np.ndarray]:
        """A python task's inputs from its sample function: one generator seeded with ``seed``, called once per
        block of at most ``rows`` samples (the block size is part of the stream)."""
        rng = np.random.default_rng(seed)
        with _file_errors():
            for start in range(0, count, rows):
                block = min(rows, count - start)
                drawn = task_files.call(self.file, self.sample, "sample", rng, block, n, **self.arguments)
                yield task_files.checked_array(drawn, (block, n), *self.values, f"{self.file}, {self.sample}()",
                                               "sample")  # fmt: skip

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """The forward CoT ``y`` for inputs ``x`` (shape ``(N, L)``)."""
        x = np.asarray(x, dtype=np.int64)
        if self.kind == FILE_KIND:
            with _file_errors():
                y = task_files.call(self.file, self.function, "function", x.copy(), **self.arguments)
                return task_files.checked_array(y, x.shape, *self.values, f"{self.file}, {self.function}()",
                                                "function")  # fmt: skip
        return {"relu": self._relu, "square": self._square, "index": self._index, "prod": self._prod}[self.kind](x)

    def _relu(self, x):
        y = np.empty_like(x)
        y[:, 0] = x[:, 0] if self.variant == "paper" else np.maximum(0, x[:, 0])
        for i in range(1, x.shape[1]):
            y[:, i] = np.maximum(0, y[:, i - 1] + x[:, i])
        return y

    def _square(self, x):
        p = self.modulus
        y = np.empty_like(x)
        y[:, 0] = x[:, 0]
        for i in range(1, x.shape[1]):
            r = (x[:, i] ** 2 + y[:, i - 1] ** 2) % p
            # seminar: shift by floor(p/2); paper: symmetric residue.
            y[:, i] = r - p // 2 if self.variant == "seminar" else np.where(r > p // 2, r - p, r)
        return y

    def _index(self, x):
        n = x.shape[1]
        rows = np.arange(x.shape[0])
        y = np.empty_like(x)
        y[:, 0] = x[:, 0] if self.variant == "paper" else x[rows, x[:, 0] % n]
        for i in range(1, n):
            window = y[:, max(0, i - self.m) : i].sum(axis=1)
            y[:, i] = x[rows, window % n]
        return y

    def _prod(self, x):
        # x: a's D digits then b's, most significant first; y: the 2D digits of a·b, least
        # significant first.  Long multiplication on digits, never on the (too wide) integers.
        count, n = x.shape
        self.check_length(n)
        digits = n // 2
        a, b = x[:, :digits][:, ::-1], x[:, digits:][:, ::-1]  # least significant first
        # column[k] = Σ_{i+j=k} a_i·b_j ≤ 81·D: no overflow in int64.
        column = np.zeros((count, n), dtype=np.int64)
        for i in range(digits):
            column[:, i : i + digits] += a[:, i : i + 1] * b
        y = np.empty_like(x)
        carry = np.zeros(count, dtype=np.int64)
        for k in range(n):
            carry, y[:, k] = np.divmod(column[:, k] + carry, 10)
        return y  # a·b < 10^n: nothing carries out of the last digit

    def value_range(self, n: int) -> tuple[int, int]:
        """Smallest and largest integer an input or output can hold at length n."""
        if self.kind == FILE_KIND:
            low, high = self._input_range(n)
            return min(low, self.values[0]), max(high, self.values[1])
        if self.kind == "index":
            return 1, n - 1
        if self.kind == "prod":
            return 0, 9
        if self.kind == "relu":
            return min(self.value_min, 0), max(self.value_max, 0) * n
        p = self.modulus
        low, high = (-(p // 2), p - 1 - p // 2) if self.variant == "seminar" else (-((p - 1) // 2), p // 2)
        return min(low, self.value_min), max(high, self.value_max)


UNSEEN_SHARE = 1 / 8  # a split drawn apart from others needs this share of the inputs left unseen by them


def expected_unseen(total: int, drawn: int) -> float:
    """The expected number of ``total`` equally likely inputs that ``drawn`` uniform draws leave unseen."""
    return total * math.exp(drawn * math.log1p(-1 / total))


def _listed(pair):
    return None if pair is None else list(pair)


def _python_randint_chunks(seed: int, low: int, high: int, count: int, n: int, rows: int) -> Iterator[np.ndarray]:
    """``[[random.Random(seed).randint(low, high) for _ in range(n)] for _ in range(count)]``, in bulk, in blocks
    of at most ``rows`` samples.

    Python's ``randint`` takes ``getrandbits(k) = word >> (32 - k)`` of the next
    32-bit Mersenne Twister word, with ``k = (high - low + 1).bit_length()``,
    and draws again while the result is out of range.  numpy's MT19937, given
    the same state, yields the same words, so the stream is reproduced by
    drawing words in bulk and dropping the rejected ones; the accepted draws
    left over from one block open the next.
    """
    span = high - low + 1
    k = span.bit_length()
    if k > 32:
        raise ValueError(f"range {low}..{high} too wide for the bulk Mersenne Twister stream")
    state = random.Random(seed).getstate()[1]
    mt = np.random.MT19937()
    mt.state = {"bit_generator": "MT19937", "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]}}
    values = np.empty(0, dtype=np.int64)
    for start in range(0, count, rows):
        block = min(rows, count - start)
        need = block * n
        while values.size < need:
            words = mt.random_raw(int((need - values.size) * (1 << k) / span) + 1024)
            draws = (words >> np.uint64(32 - k)).astype(np.int64)
            values = np.concatenate([values, draws[draws < span]])
        yield values[:need].reshape(block, n) + low
        values = values[need:]
