"""The lookup ranker: how well each written step can be looked up from what is already written and the inputs, by
counting, with no model trained (numpy only; ``rank_by: lookup``, docs/lookup.md).

A learning-friendly order writes every step as a function of a few things the model can see when it writes it: the
steps written just before it and the inputs.  The ranker measures that for an order with count tables.  At written
place i, with forward step t written there, it predicts y_t from a *context*: a few of

- the steps written just before it: none, the last one (written at place i − 1) or the last two (i − 1 and i − 2);
- the inputs: none, one or two of x_1 … x_n (any of them: the model sees the whole input),

at most three values in all (four values over even 13 values make 28,561 cells, more than the rows that fill them).
Each context predicts by its smoothed counts, backing off to the step's own frequencies:

    P(v | c) = (count(c, v) + β · P(v)) / (count(c) + β),      P(v) = (count(v) + 1) / (rows + V)

(V: the task's values), fitted on one part of the rows.  Three parts, so that nothing is scored on the rows that
chose it (:data:`CHOOSE`, :data:`REPORT`):

1. **fit**: the counts;
2. **choose**: for each step and each set of earlier steps, the inputs with the lowest cross-entropy here (β = 1),
   then its β of :data:`PRIORS`; and at each place, which of the (up to three) step sets, by the same rows;
3. **report**: the place's cost is the chosen context's cross-entropy on these rows, in nats per token.

An order's score is the mean cost over its n places (lower: easier to look up).  A large context that fits the fit
rows by chance (each of its cells seen once) loses on the choose rows, and if it still wins there by chance, the
report rows are new to it: its cost is what it predicts of them.

A place's cost depends only on (its step, the set of steps written just before it): it is computed once per data
set and kept (:class:`Lookup`'s tables), so scoring orders that share places (a search's candidates) costs a gather.
The inputs of a context are searched in full for a step's one input, for its two inputs when no step is written
before it (pairs: n²/2), and beside the best first input otherwise (greedy: a step that is a sum of a step and two
inputs neither of which informs alone is not found).  ``inputs=1`` leaves the second input out.

:meth:`Lookup.transition_costs` is the ranker's cost with a context of the step written just before and one input
(``steps=1, inputs=1``: the step before and the best input, the transition costs' definition) as an (n + 1) × n
table: row a, column b the cost of writing b right after a; row n, writing b first.  That ranker's score of an order
is the mean of the table along its path.  One input, not two: a step that is a function of two inputs (square's and
cumsum's y₂ of x₁ and x₂, when y₁ = x₁) would cost nothing written first, and the friendly order with its first step
(an input's copy) written last would tie with it — the path method took that tie in 12 of 14 square searches with
two inputs (docs/path_search.md).
"""

from __future__ import annotations

import numpy as np

from .baseline import PRIOR, SPLIT_SEED
from .baseline import PRIORS as BASELINE_PRIORS

# The rank_by of profiles and searches ranked by this predictor (no model trained: cotorder.profiling.run_profile).
LOOKUP = "lookup"
PRIORS = BASELINE_PRIORS[::4]  # the β searched per context: 0.001 … 10,000, one a decade (the baseline's grid)
CHOOSE = 0.25  # the share of the fitting rows held out to choose each context and its β
REPORT = 0.25  # the share of the rows held out to report the costs on, when no validation rows are given
ROWS = 8000  # at most this many rows are used (the first ones), and at most this many validation rows
STEPS = 2  # the most steps written before a place that its context holds (1: the transition costs' context)
INPUTS = 2  # the most inputs a context holds (1: the transition costs' context)
CELLS = 4_000_000  # the most cells one batch of count tables holds (inputs are scanned in batches below it)


def _compact(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """``keys`` as ids 0 … U − 1 (same key, same id) and U."""
    unique, ids = np.unique(keys, return_inverse=True)
    return ids.reshape(keys.shape), len(unique)


class Lookup:
    """The lookup ranker fitted on one data set: ``x``, ``y`` ``(N, n)`` forward inputs and CoT (as
    :func:`cotorder.profiling.read_samples` returns them).

    ``validation``: ``(x, y)`` rows to report the costs on (e.g. a profile's validation split); then the rows of
    ``x``, ``y`` are split into fit and choose only.  ``values``: how many values the task has (the model's value
    vocabulary, V in the smoothing); ``None``: those seen.  ``steps``: 2 (the ranker) or 1, ``inputs``: 2 (the ranker)
    or 1 (``steps=1, inputs=1``: the transition costs' context).  ``rows``: at most this many rows of each are used (the
    first).  ``seed``: the seed of the split."""

    def __init__(self, x, y, *, validation=None, values: int | None = None, steps: int = STEPS, inputs: int = INPUTS,
                 rows: int = ROWS, seed: int = SPLIT_SEED):  # fmt: skip
        x, y = (np.asarray(a, dtype=np.int64)[:rows] for a in (x, y))
        if x.ndim != 2 or x.shape != y.shape:
            raise ValueError(f"inputs {x.shape} and CoT {y.shape}: expected two (N, n) arrays of the same shape")
        if steps not in (1, 2):
            raise ValueError(f"steps = {steps}: a context holds the last 1 or 2 written steps")
        if inputs not in (1, 2):
            raise ValueError(f"inputs = {inputs}: a context holds 1 or 2 inputs")
        shuffled = np.random.default_rng(seed).permutation(len(x))
        if validation is None:
            report = int(round(REPORT * len(x)))
            shuffled, report_x, report_y = shuffled[report:], x[shuffled[:report]], y[shuffled[:report]]
        else:
            report_x, report_y = (np.asarray(a, dtype=np.int64)[:rows] for a in validation)
            if report_x.ndim != 2 or report_x.shape[1] != x.shape[1] or report_y.shape != report_x.shape:
                raise ValueError(f"validation rows {report_x.shape}, {report_y.shape}: expected two (M, {x.shape[1]})")
        choose = int(round(CHOOSE * len(shuffled)))
        fit, choose = shuffled[choose:], shuffled[:choose]
        if not (len(fit) and len(choose) and len(report_x)):
            raise ValueError(f"{len(x)} rows are too few to fit, choose and report on (each part needs one row)")
        self.n, self.steps, self.inputs = x.shape[1], steps, inputs
        self._fit, self._end = len(fit), len(fit) + len(choose)  # rows: [0, fit) fit, [fit, end) choose, rest report
        self._y, seen = _compact(np.concatenate([y[fit], y[choose], report_y]))
        self.values = seen if values is None else int(values)
        if self.values < seen:
            raise ValueError(f"values = {values}, but the CoT holds {seen} distinct values")
        inputs, width = _compact(np.concatenate([x[fit], x[choose], report_x]))
        self._width = width + 1  # the inputs' distinct values and one for "no input"
        self._x = np.hstack([inputs, np.full((len(inputs), 1), width)])  # column n: no input (one value)
        self._columns = np.ascontiguousarray(self._x.T)
        counts = np.stack([np.bincount(column, minlength=seen) for column in self._y[: self._fit].T])
        self._unigram = (counts + 1) / (self._fit + self.values)  # P(v) of each step, (n, seen)
        n = self.n
        # Each (steps before, step): [cross-entropy on the choose rows, on the report rows, β, first input, second
        # input] (input n: none); NaN until computed.  Index n of a step before: none (so [n, n, t]: no step before,
        # [n, a, t]: one, [a, b, t]: two, a < b).  5 (n + 1)² n numbers: 40 MB at n = 100.  One table per most
        # inputs a context holds (1, 2).
        self._tables = {count: np.full((n + 1, n + 1, n, 5), np.nan) for count in (1, 2)}

    @classmethod
    def for_task(cls, task, n: int, x, y, vx, vy) -> Lookup:
        """The ranker as ``rank_by: lookup`` fits it: on the training rows ``x``, ``y``, reported on the validation
        rows ``vx``, ``vy``, with V the values of ``task`` (a :class:`cotorder.tasks.Task`) at length ``n``."""
        low, high = task.value_range(n)
        return cls(x, y, validation=(vx, vy), values=high - low + 1)

    # ------------------------------------------------------------ one step's contexts

    def _key(self, context: np.ndarray, column: int) -> np.ndarray:
        """Context ids with one more input column."""
        return _compact(context * self._width + self._x[:, column])[0]

    def _held(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """``keys`` (every row's) as ids of the keys the choose rows hold, 0 … U − 1, every other key U (one id: a
        fit row whose key no choose row holds is counted where no choose row looks): the fit rows' ids, the choose
        rows' ids and U + 1 (tables stay as small as the choose rows, however many keys the fit rows hold)."""
        held = np.unique(keys[self._fit : self._end])
        fit = keys[: self._fit]
        where = np.minimum(np.searchsorted(held, fit), len(held) - 1)
        return (
            np.where(held[where] == fit, where, len(held)),
            np.searchsorted(held, keys[self._fit : self._end]),
            len(held) + 1,
        )

    def _scan(self, step: int, context: np.ndarray, inputs) -> np.ndarray:
        """The cross-entropy on the choose rows (β = :data:`~cotorder.baseline.PRIOR`) of step ``step`` given
        ``context`` (every row's id) and each input of ``inputs`` (column n: none), one a row."""
        inputs = np.asarray(inputs, dtype=np.int64)
        target, fit, end = self._y[:, step], self._fit, self._end
        context_fit, context_held, contexts = self._held(context)
        pair_fit, pair_held, pairs = self._held(context * self.values + target)
        batch = max(1, CELLS // (pairs * self._width))
        backoff = self._unigram[step, target[fit:end]]
        found = []
        for start in range(0, len(inputs), batch):
            chosen = inputs[start : start + batch]
            shift, cells = np.arange(len(chosen))[:, None], self._columns[chosen]  # (m, N)
            cells_fit, cells_held = cells[:, :fit], cells[:, fit:end]
            key = ((shift * contexts + context_fit) * self._width + cells_fit).ravel()
            seen = np.bincount(key, minlength=len(chosen) * contexts * self._width)
            seen = seen[(shift * contexts + context_held) * self._width + cells_held]
            key = ((shift * pairs + pair_fit) * self._width + cells_fit).ravel()
            hits = np.bincount(key, minlength=len(chosen) * pairs * self._width)
            hits = hits[(shift * pairs + pair_held) * self._width + cells_held]
            found.append(-np.log((hits + PRIOR * backoff) / (seen + PRIOR)).mean(axis=1))
        return np.concatenate(found)

    def _report(self, step: int, context: np.ndarray, inputs) -> tuple[float, float, float]:
        """The chosen context (``context`` with ``inputs``): its β of :data:`PRIORS` chosen on the choose rows, and
        its cross-entropy there and on the report rows at that β."""
        target, fit, end = self._y[:, step], self._fit, self._end
        for column in inputs:
            context = self._key(context, column)
        pair, _ = _compact(context * self.values + target)
        hits = np.bincount(pair[:fit], minlength=pair.max() + 1)[pair[fit:]]
        seen = np.bincount(context[:fit], minlength=context.max() + 1)[context[fit:]]
        beta = PRIORS[:, None]
        costs = -np.log((hits + beta * self._unigram[step, target[fit:]]) / (seen + beta))
        chosen = int(np.argmin(costs[:, : end - fit].mean(axis=1)))
        return costs[chosen, : end - fit].mean(), costs[chosen, end - fit :].mean(), PRIORS[chosen]

    def _compute(self, first: int, second: int, step: int, inputs: int) -> None:
        """Choose, and keep in the tables, the inputs, β and costs of step ``step`` written after the steps ``first``,
        ``second`` (n: none; as the tables index them): the best context of at most one input (table 1) and, where
        ``inputs`` is 2, of at most two (table 2)."""
        n, rows = self.n, len(self._y)
        before = [s for s in (first, second) if s != n]
        if not before:
            context = np.zeros(rows, np.int64)
        elif len(before) == 1:
            context = self._y[:, before[0]]
        else:
            context = self._y[:, before[0]] * self.values + self._y[:, before[1]]
        single = self._scan(step, context, [n, *range(n)])
        best, cost = (), single[0]
        if single[1:].min() < cost:
            best, cost = (int(np.argmin(single[1:])),), single[1:].min()
        if np.isnan(self._tables[1][first, second, step, 0]):
            chosen, reported, beta = self._report(step, context, best)
            self._tables[1][first, second, step] = (chosen, reported, beta, *(best + (n, n))[:2])
        if inputs == 1:
            return
        # two inputs: every pair when no step is written before; beside the best single input after one step
        firsts = range(n - 1) if not before else [int(np.argmin(single[1:]))] if len(before) == 1 else []
        for one in firsts:
            keyed = self._key(context, one)
            rest = [k for k in range(one + 1 if not before else 0, n) if k != one]
            paired = self._scan(step, keyed, rest)
            if paired.min() < cost:
                best, cost = tuple(sorted((one, rest[int(np.argmin(paired))]))), paired.min()
        chosen, reported, beta = self._report(step, context, best)
        self._tables[2][first, second, step] = (chosen, reported, beta, *(best + (n, n))[:2])

    def _costs(self, first: np.ndarray, second: np.ndarray, step: np.ndarray, steps: int, inputs: int) -> np.ndarray:
        """The cost of writing ``step`` after the steps ``first`` (two before; n: none) and ``second`` (just before;
        n: none), element-wise: of the contexts with no step before, the one just before, and both (as far as
        written and ``steps`` allow), each with at most ``inputs`` inputs, the one with the lowest cross-entropy on
        the choose rows; its cross-entropy on the report rows."""
        n, table = self.n, self._tables[inputs]
        step = np.asarray(step)
        none = np.full(step.shape, n)
        options = [(none, none), (none, np.asarray(second))]
        if steps == 2:
            low, high = np.minimum(first, second), np.maximum(first, second)
            options.append((np.where(high == n, n, low), np.where(high == n, n, high)))
        chosen, reported = [], []
        for a, b in options:
            missing = np.isnan(table[a, b, step, 0])
            for key in set(zip(a[missing].tolist(), b[missing].tolist(), step[missing].tolist(), strict=True)):
                self._compute(*key, inputs)
            values = table[a, b, step]
            chosen.append(values[..., 0])
            reported.append(values[..., 1])
        best = np.argmin(np.stack(chosen), axis=0)
        return np.take_along_axis(np.stack(reported), best[None], axis=0)[0]

    # ------------------------------------------------------------ orders

    def place_costs(self, orders) -> np.ndarray:
        """``(T, n)``: each place's cost (nats per token) of each order (``order[i]``: the forward step written at
        place i)."""
        orders = np.asarray(orders, dtype=np.int64)
        orders = orders.reshape(-1, self.n) if orders.size else orders.reshape(0, self.n)
        if (np.sort(orders, axis=1) != np.arange(self.n)).any():
            bad = orders[(np.sort(orders, axis=1) != np.arange(self.n)).any(axis=1)][0].tolist()
            raise ValueError(f"order {bad} is not a permutation of 0 … {self.n - 1}")
        none = np.full((len(orders), 1), self.n)
        second = np.hstack([none, orders[:, :-1]])
        first = np.hstack([none, none, orders[:, :-2]])[:, : self.n]
        return self._costs(first, second, orders, self.steps, self.inputs)

    def score(self, orders) -> np.ndarray:
        """One score per order: the mean cost of its places, nats per token (lower: easier to look up)."""
        return self.place_costs(orders).mean(axis=1)

    def transition_costs(self) -> np.ndarray:
        """``(n + 1, n)``: ``[a, b]`` the cost of writing forward step b right after step a, with a context of at most
        that one step and one input (the place cost of the ranker with ``steps=1, inputs=1``); ``[n, b]``: of writing b
        first; the diagonal (a step after itself, no order) ∞.  That ranker scores an order as the mean along its
        path."""
        n = self.n
        before, step = np.meshgrid(np.arange(n + 1), np.arange(n), indexing="ij")
        costs = self._costs(np.full(step.shape, n), before, step, 1, 1)
        costs[np.arange(n), np.arange(n)] = np.inf
        return costs

    def contexts(self, order) -> list[dict]:
        """Each place of ``order``: its step, the steps before it and the inputs its chosen context holds, β, and
        its cost (what docs and reports show)."""
        costs = self.place_costs([order])[0]
        n, rows, table = self.n, [], self._tables[self.inputs]
        for place, step in enumerate(order):
            prior = [int(s) for s in order[max(0, place - self.steps) : place]]
            options = [[], prior[-1:]] + ([sorted(prior)] if len(prior) == 2 else [])
            found = min(options, key=lambda o: table[(*([n] * (2 - len(o)) + o), step)][0])
            entry = table[(*([n] * (2 - len(found)) + found), step)]
            rows.append({"place": place, "step": int(step), "steps": found,
                         "inputs": [int(k) for k in entry[3:] if k != n], "beta": float(entry[2]),
                         "cost": float(costs[place])})  # fmt: skip
        return rows
