"""Data generation throughput: the vectorized package against a plain per-sample Python loop.

    .venv/bin/python bench/bench_generate.py [--n 30] [--samples 100000]

For each task, both implementations make the same forward split (inputs drawn
from the seminar's random streams, CoT computed, file text formatted); the
bytes must be identical.  Prints samples/s, MB/s and the speed-up.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import reference  # noqa: E402

from cotorder.datafiles import format_samples  # noqa: E402
from cotorder.tasks import Task  # noqa: E402

TARGETS = {"relu": 10, "square": 10, "index": 3}


def timed(function, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(f"n = {args.n}, {args.samples} samples, best of 3 (package) and 1 (plain loop)")
    print(
        f"{'task':8}{'loop s':>9}{'ours s':>9}{'loop samples/s':>16}{'ours samples/s':>16}{'ours MB/s':>11}"
        f"{'ratio':>8}{'target':>8}"
    )
    failed = False
    for kind, target in TARGETS.items():
        task = Task(kind, m=2)

        def ours(task=task):
            x = task.sample_inputs(args.n, args.samples, args.seed)
            return format_samples(x, task.outputs(x))

        def loop(kind=kind):
            return reference.file_text(reference.samples(kind, args.n, args.samples, args.seed, m=2)).encode()

        loop_s, expected = timed(loop, 1)
        ours_s, data = timed(ours, 3)
        assert data == expected, f"{kind}: the package's bytes differ from the plain loop's"
        ratio = loop_s / ours_s
        failed |= ratio < target
        print(
            f"{kind:8}{loop_s:9.3f}{ours_s:9.3f}{args.samples / loop_s:16,.0f}{args.samples / ours_s:16,.0f}"
            f"{len(data) / ours_s / 1e6:11.1f}{ratio:7.1f}x{target:7}x"
        )
    print("identical bytes: yes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
