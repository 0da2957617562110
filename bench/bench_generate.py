"""Data generation throughput: the vectorized package against a plain per-sample Python loop; peak memory.

    .venv/bin/python bench/bench_generate.py [--n 30] [--samples 100000] [--memory-samples 5000000]

For each task, both implementations make the same forward split (inputs drawn
from the seminar's random streams, CoT computed, file text formatted); the
bytes must be identical.  Prints samples/s, MB/s and the speed-up.  Then the
peak memory (max RSS) of the relu generator command line writing
``--memory-samples`` training samples (forward and inverse files), against the
size of one file it writes.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cotorder import reference
from cotorder.datafiles import format_samples
from cotorder.tasks import Task

ROOT = Path(__file__).resolve().parents[1]

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
    parser.add_argument("--memory-samples", type=int, default=5_000_000, help="0: skip the memory measurement")
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
    if args.memory_samples:
        peak, size = generator_peak_memory(args.n, args.memory_samples)
        print(f"relu generator, {args.memory_samples:,} samples at n = {args.n}: peak memory {peak / 1e9:.2f} GB, "
              f"{size / 1e6:.0f} MB per file ({peak / size:.2f}x)")  # fmt: skip
    return 1 if failed else 0


def generator_peak_memory(n: int, samples: int) -> tuple[int, int]:
    """Max RSS (bytes) of the relu generator writing ``samples`` training samples, and one file's size."""
    with tempfile.TemporaryDirectory() as tmp:
        script = ROOT / "scripts/dataset_generation/relu.py"
        command = [sys.executable, str(script), "--sequence-lengths", str(n), "--train-samples", str(samples),
                   "--test-samples", "10", "--output-root", tmp, "--quiet"]  # fmt: skip
        subprocess.run(command, check=True)
        size = (Path(tmp) / f"n={n}" / "data.train").stat().st_size
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, size


if __name__ == "__main__":
    sys.exit(main())
