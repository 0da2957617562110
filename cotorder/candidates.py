"""Candidate orders for loss profiling, and a mixed training set written in them (numpy only).

An order is a permutation of the n CoT steps: the forward position written at each place.
"""

from __future__ import annotations

import numpy as np

from .generate import inputs_apart, row_keys, test_inputs_apart, write_split
from .orders import check_permutation, order_positions, random_orders
from .tasks import Task

CANDIDATE_KINDS = ("random", "forward_plus_random")
# The most candidates one profile (or one search round) may rank: 7! = 5,040, the largest set the paper
# profiled in one run.  Above it, planning refuses (a bigger set is rarely meant, and would cost minutes of
# planning and hours of scoring).
MAX_CANDIDATES = 5040


def candidate_orders(
    n: int, kind: str | None = None, count: int | None = None, seed: int = 0, orders=None, include=(), named=None
) -> list[list[int]]:
    """The candidate orders: ``orders`` as given, or ``count`` orders: the named ones in ``include``
    (``forward``, ``inverse`` or a name of ``named``, name → positions; ``forward_plus_random`` includes
    forward) first, then distinct random ones drawn from ``seed``."""
    if orders is not None:
        if len(orders) > MAX_CANDIDATES:
            raise ValueError(f"{len(orders)} orders given, above the cap of {MAX_CANDIDATES} candidates a profile")
        checked = [check_permutation(order, n) for order in orders]
        repeated = [order for i, order in enumerate(checked) if order in checked[:i]]
        if repeated:
            raise ValueError(f"order {repeated[0]} appears more than once among the candidates")
        return checked
    if kind not in CANDIDATE_KINDS:
        raise ValueError(f"unknown candidate set {kind!r} (expected {', '.join(CANDIDATE_KINDS)} or a list of orders)")
    included = list(dict.fromkeys((["forward"] if kind == "forward_plus_random" else []) + list(include)))
    named = named or {}
    given = [named[name] if name in named else order_positions(name, n) for name in included]
    chosen = list(dict.fromkeys(map(tuple, given)))  # n = 1 would merge forward and inverse
    if count < len(chosen):
        raise ValueError(f"count {count} is smaller than the {len(chosen)} orders included ({', '.join(included)})")
    if count > MAX_CANDIDATES:
        raise ValueError(f"count {count} is above the cap of {MAX_CANDIDATES} candidates a profile")
    return [list(order) for order in chosen] + random_orders(n, count - len(chosen), seed, exclude=chosen)


def order_label(order, n: int) -> str:
    """``forward``, ``inverse`` or empty."""
    for name in ("forward", "inverse"):
        if list(order) == order_positions(name, n):
            return name
    return ""


def assign_orders(count: int, orders: int, seed: int) -> np.ndarray:
    """The candidate index of each of ``count`` samples: balanced (⌊count/orders⌋ or ⌈count/orders⌉ each), shuffled."""
    return np.random.default_rng(seed).permutation(np.arange(count) % orders)


def write_mixed(y: np.ndarray, candidates, assignment: np.ndarray) -> np.ndarray:
    """Each row of the forward CoT ``y`` written in its assigned candidate order."""
    positions = np.asarray(candidates)[assignment]  # (N, n)
    return np.take_along_axis(np.asarray(y), positions, axis=1)


def disjoint_inputs(task, n: int, count: int, seed: int, exclude: np.ndarray) -> np.ndarray:
    """``count`` validation inputs drawn from ``seed``, none of them a row of ``exclude`` (the test split's inputs)."""
    return inputs_apart(task, n, count, seed, row_keys(exclude), "validation_samples", "the test split")


def write_profile_data(data: dict, *, train_path, validation_path) -> None:
    """A profile's training split, written forward (each replicate writes its own mixture of it:
    :func:`cotorder.profiling.run_profile`), and its validation split (forward; no input of the training split or
    of the task's test split: :func:`cotorder.generate.inputs_apart`)."""
    task, n = Task.from_settings(data["task"]), data["n"]
    x = task.sample_inputs(n, data["train_samples"], data["train_seed"])
    write_split(train_path, x, task.outputs(x))
    test = task.sample_inputs(n, data["test_samples"], data["test_seed"])
    apart = data.get("test_apart_from")
    if apart is not None:  # a python task's: its runs' test split, drawn apart from the task's training split
        same = [apart["train_samples"], apart["train_seed"]] == [data["train_samples"], data["train_seed"]]
        chunks = [x] if same else task.input_chunks(n, apart["train_samples"], apart["train_seed"])
        train_keys = np.concatenate([row_keys(chunk) for chunk in chunks])
        test = test_inputs_apart(task, n, data["test_samples"], data["test_seed"], train_keys)
    others = np.concatenate([row_keys(x), row_keys(test)])
    validation = inputs_apart(task, n, data["validation_samples"], data["validation_seed"], others,
                              "validation_samples", "the training and test splits")  # fmt: skip
    write_split(validation_path, validation, task.outputs(validation))
