"""The verdict's error rates on synthetic profiles: false alarms on three nulls, power on a planted order.

    .venv/bin/python bench/bench_verdict.py [--draws 20000] [--seed 0]

Each cell is the share of ``--draws`` synthetic profiles (:func:`cotorder.evidence.synthetic_profiles`: T = 32
orders, a seed-wide shift of sd 0.05, baselines with a per-order level of sd 0.05) whose verdict says ``signal``
(:func:`cotorder.evidence.signal_rule`), at 3 and 5 seeds, beside the former verdict (the order with the lowest
mean relative score on the pick seeds, scored against its held-out seed's median, t-test at 0.05; no comparison
with the baseline's pick).  Noise patterns: "quiet", every order sd 0.015; "relu", two orders of sd 0.07 and thirty
of 0.015, as forward and inverse in the relu demo.  The rows:

- the i.i.d. null: every order the same true loss;
- token statistics: the model's loss is the baseline's less δ plus noise (its ranking is the baseline's);
- a split quirk: a per-order offset shared by every seed (the rows of one validation split, shared by the seeds:
  the former data layout) or drawn per seed (each seed's own validation rows: the current layout);
- power: one order planted 0.05 or 0.1 nats/token lower in the model's loss only, a quiet one or a noisy one.

Then how far a validation split moves an order's no-learning baseline (the size of the split quirk above): the
profiling demo's relu and square profiles (experiments/profiling_demo.yaml: 32 candidates, 16,000 training samples,
seed 3's mixture, its β), each order's baseline on 12 validation splits of 300 rows (seeds 0 to 11, apart from the
test split): the sd over the splits of each order's baseline less its split's median over the orders (what a
split does to one order and not the others), its median and largest over the orders; beside it, the sd of the
splits' median (what a split does to every order alike, which changes no ranking).

Then the level's calibration: the held-out t-test's false alarms at α 0.05 and at :data:`cotorder.evidence.ALPHA`
where 1, 2, 4 or 8 of the 32 orders are noisier (sd 0.03, 0.07 or 0.15) than the rest (sd 0.015).  Prints Markdown
tables and the wall time; a rate's Monte-Carlo standard error is at most 0.5/√draws (0.15 points at 5 % and 20 000
draws).
"""

import argparse
import time
from pathlib import Path

import numpy as np
import yaml

from cotorder.baseline import choose_prior, order_baselines
from cotorder.candidates import assign_orders, disjoint_inputs, write_mixed
from cotorder.evidence import (
    ALPHA,
    MIN_MARGIN,
    held_out_scores,
    held_out_test,
    pick_seeds,
    signal_rule,
    synthetic_profiles,
)
from cotorder.runs import plan
from cotorder.tasks import Task

ROOT = Path(__file__).resolve().parents[1]

QUIET = [0.015] * 32
RELU = [0.07] * 2 + [0.015] * 30  # orders 0 and 1 noisy
SEEDS = (3, 5)


def former_rule(scores, baselines) -> np.ndarray:
    """The verdict before issue 30: learned, then the held-out test on the model's pick against its seed's median."""
    relative = scores - np.median(scores, axis=-2, keepdims=True)
    held = np.empty(scores.shape[:-2] + scores.shape[-1:])
    for seed, picks in enumerate(pick_seeds(scores.shape[-1])):
        pick = relative[..., picks].mean(axis=-1).argmin(axis=-1)
        held[..., seed] = np.take_along_axis(relative[..., seed], pick[..., None], axis=-1)[..., 0]
    mean = scores.mean(axis=-1)
    top = mean.argmin(axis=-1)[..., None]
    margin = np.take_along_axis(baselines.mean(axis=-1) - mean, top, axis=-1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (margin >= MIN_MARGIN) & (held_out_test(held)[1] < 0.05)


CASES = [
    ("false alarm: i.i.d., quiet", QUIET, {}),
    ("false alarm: i.i.d., relu pattern", RELU, {}),
    *[(f"false alarm: token statistics, δ = {d}, quiet", QUIET, {"copy": d}) for d in (0.0, 0.05, 0.1, 0.2, 0.3)],
    *[(f"false alarm: token statistics, δ = {d}, relu pattern", RELU, {"copy": d}) for d in (0.1, 0.3)],
    *[(f"false alarm: split quirk sd {o}, shared by the seeds (former layout), quiet", QUIET, {"offset": o})
      for o in (0.007, 0.015)],
    *[(f"false alarm: split quirk sd {o}, each seed's own rows, quiet", QUIET, {"offset": o, "shared_offset": False})
      for o in (0.007, 0.015)],
    ("false alarm: split quirk sd 0.015, each seed's own rows, relu pattern", RELU,
     {"offset": 0.015, "shared_offset": False}),
    *[(f"power: a quiet order {e} lower, quiet", QUIET, {"effect": e, "planted": 5}) for e in (0.05, 0.1)],
    *[(f"power: a quiet order {e} lower, relu pattern", RELU, {"effect": e, "planted": 5}) for e in (0.05, 0.1)],
    *[(f"power: a noisy order {e} lower, relu pattern", RELU, {"effect": e, "planted": 0}) for e in (0.05, 0.1)],
]  # fmt: skip


def rates(draws: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = ["| case | 3 seeds | 5 seeds | former verdict: 3 seeds | 5 seeds |", "|---|---|---|---|---|"]
    for name, sds, settings in CASES:
        ours, former = [], []
        for seeds in SEEDS:
            scores, baselines = synthetic_profiles(rng, draws, seeds, sds, **settings)
            ours.append(signal_rule(scores, baselines).mean())
            former.append(former_rule(scores, baselines).mean())
        lines.append(f"| {name} | " + " | ".join(f"{rate:.1%}" for rate in [*ours, *former]) + " |")
    return lines


def split_quirk(splits: int = 12) -> list[str]:
    demo = yaml.safe_load((ROOT / "experiments" / "profiling_demo.yaml").read_text())
    lines = [
        "| profile | an order's baseline less its split's median, sd over splits: median order | largest | the "
        "splits' median, sd |",
        "|---|---|---|---|",
    ]
    for name in ("relu_n8", "square_n8"):
        config = {"run_tasks": [], "tasks": demo["tasks"], "profiles": {name: demo["profiles"][name]}}
        data = plan(config).profiles[name].replicate(3)["data"]
        task, n, candidates = Task.from_settings(data["task"]), data["n"], data["candidates"]
        x = task.sample_inputs(n, data["train_samples"], data["train_seed"])
        mixed = write_mixed(task.outputs(x), candidates, assign_orders(len(x), len(candidates), 3))
        low, high = task.value_range(n)
        prior = choose_prior(mixed, low, high)  # fixed: only the validation rows change
        test = task.sample_inputs(n, data["test_samples"], data["test_seed"])
        losses = []
        for seed in range(splits):
            rows = disjoint_inputs(task, n, data["validation_samples"], seed, test)
            losses.append(order_baselines(mixed, task.outputs(rows), candidates, low, high, prior=prior).losses)
        losses = np.array(losses)
        shift = np.std(np.median(losses, axis=1), ddof=1)  # every order together: no ranking changes
        sd = np.std(losses - np.median(losses, axis=1, keepdims=True), axis=0, ddof=1)
        lines.append(f"| {name} | {np.median(sd):.4f} | {sd.max():.4f} | {shift:.4f} |")
    return lines


def calibration(draws: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed + 1)
    lines = [f"| noisy orders (sd) | 3 seeds, α 0.05 | 3 seeds, α {ALPHA} | 5 seeds, α 0.05 | 5 seeds, α {ALPHA} |",
             "|---|---|---|---|---|"]  # fmt: skip
    for count in (1, 2, 4, 8):
        for sd in (0.03, 0.07, 0.15):
            cells = []
            for seeds in SEEDS:
                scores, baselines = synthetic_profiles(rng, draws, seeds, [sd] * count + [0.015] * (32 - count))
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = held_out_test(held_out_scores(scores, baselines))[1]
                cells += [(p < 0.05).mean(), (p < ALPHA).mean()]
            lines.append(f"| {count} ({sd}) | " + " | ".join(f"{rate:.1%}" for rate in cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    print(f"rate of `signal` (α = {ALPHA}), {args.draws} draws a cell, numpy.random.default_rng({args.seed})\n")
    print("\n".join(rates(args.draws, args.seed)))
    print("\nhow far a validation split moves an order's baseline (nats/token)\n")
    print("\n".join(split_quirk()))
    print(f"\nthe held-out test alone, false alarms where every order has the same true loss ({args.draws} draws)\n")
    print("\n".join(calibration(args.draws, args.seed)))
    print(f"\nwall time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
