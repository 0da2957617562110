"""The prepared GPU check: everything a short loan of one GPU should measure, in one run, one table.

    python bench/gpu_check.py [--steps 300] [--packing 1 2 4 8] [--precision fp32]

1. the CUDA path tests (`pytest -m gpu`: training and evaluation on CUDA in each precision, a resumed
   CUDA run, GPU slots);
2. the seminar's relu n = 10 training (100,000 samples, 3 epochs, the seminar's BART, `config/relu.yaml`):
   steps/s, samples/s, peak GPU memory, then its evaluation;
3. packing: 1, 2, 4, 8 such trainings at once on the one GPU (``--steps`` steps each, separate processes),
   their total samples/s and the speed-up over one;
4. an estimate of the full seminar experiment's wall time (`workflow_config.yaml`) at the best packing.

Without a CUDA device it says so, skips 2–4's GPU work and still runs what the CPU can: the tests'
collection (they skip), the data generation, and the packing harness with 1 and 2 tiny CPU workers for a
few steps, so that the check keeps working. Fits in about 8 minutes on one H100 (budget, not yet measured).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = []  # (check, result)


def row(check: str, result: str) -> None:
    ROWS.append((check, result))
    print(f"{check}: {result}", flush=True)


def seminar_config(data: Path, out: Path, precision: str, **train) -> dict:
    """config/relu.yaml on the data in ``data``, into ``out``."""
    import yaml

    config = yaml.safe_load((ROOT / "config" / "relu.yaml").read_text())
    config["data"].update(train_path=str(data / "data.train"), test_path=str(data / "data.test"))
    config["train"].update(output_dir=str(out), precision=precision, **train)
    config["wandb"]["enabled"] = False
    return config


def worker(args) -> None:
    """One packed training: ``--steps`` steps of the seminar's model; prints its summary as JSON."""
    from cotorder.training import train

    config = seminar_config(Path(args.data), Path(args.out), args.precision, max_steps=args.steps, save_steps=10**6)
    if not args.cuda:
        config["model"].update(d_model=32, encoder_ffn_dim=64, decoder_ffn_dim=64)  # the CPU smoke run
        config["train"]["num_threads"] = 1
    summary = train(config)
    print(json.dumps(summary), flush=True)


def packed(data: Path, root: Path, count: int, steps: int, precision: str, cuda: bool) -> tuple[float, float]:
    """``count`` workers at once: (total samples/s, wall seconds)."""
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--data",
        str(data),
        "--steps",
        str(steps),
        "--precision",
        precision,
    ]
    command += ["--cuda"] if cuda else []
    start = time.perf_counter()
    jobs = [
        subprocess.Popen([*command, "--out", str(root / f"p{count}-{i}")], stdout=subprocess.PIPE, text=True)
        for i in range(count)
    ]
    outputs = [job.communicate()[0] for job in jobs]
    wall = time.perf_counter() - start
    if any(job.returncode for job in jobs):
        raise SystemExit(f"a packed training failed:\n{outputs}")
    summaries = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    return sum(s["train_samples_per_second"] for s in summaries), wall


def seminar_sample_epochs() -> list[tuple[str, int, float]]:
    """(task, n, sample-epochs) of every training of the seminar's experiment."""
    import yaml

    from cotorder.runs import plan

    runs = plan(yaml.safe_load((ROOT / "workflow_config.yaml").read_text()))
    return [
        (run.task, run.n, run.data["train_samples"] * run.training["train"]["num_train_epochs"] * len(run.seeds))
        for run in runs.selected_runs()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="steps per packed training")
    parser.add_argument("--packing", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--precision", default="fp32", choices=("fp32", "tf32", "bf16"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cuda", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0

    import torch

    cuda = torch.cuda.is_available()
    row("device", torch.cuda.get_device_name(0) if cuda else "no CUDA device: the GPU parts are skipped")
    row("torch", f"{torch.__version__} (CUDA {torch.version.cuda})")
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "gpu", str(ROOT / "tests" / "test_gpu.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr[-500:]
    row("CUDA path tests (pytest -m gpu)", summary)
    failed = tests.returncode not in (0, 5)  # 5: nothing collected

    from cotorder.generate import write_run_data
    from cotorder.runs import default_splits

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "relu10"
        splits = default_splits("relu") if cuda else {**default_splits("relu"), "train_samples": 2000}
        spec = {"task": {"kind": "relu", "variant": "seminar", "value_min": -9, "value_max": 9}, "n": 10,
                "positions": list(range(10)), **splits}  # fmt: skip
        start = time.perf_counter()
        write_run_data(spec, {"train": data / "data.train", "test": data / "data.test"})
        row("data: relu n = 10", f"{splits['train_samples']:,} + {splits['test_samples']:,} samples in "
            f"{time.perf_counter() - start:.1f} s")  # fmt: skip

        if cuda:
            from cotorder.evaluation import evaluate
            from cotorder.training import train

            torch.cuda.reset_peak_memory_stats()
            result = train(seminar_config(data, tmp / "seminar", args.precision))
            steps_per_s = result["global_step"] / result["train_wall_time_s"]
            row(
                f"seminar relu n = 10, 3 epochs ({args.precision})",
                f"{result['global_step']} steps in {result['train_wall_time_s']:.0f} s: {steps_per_s:.1f} steps/s, "
                f"{result['train_samples_per_second']:,.0f} samples/s, peak GPU memory "
                f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB, final loss {result['final_loss']}",
            )
            metrics = evaluate(result["output_dir"], data / "data.test", metrics_path=tmp / "m.json",
                               predictions_path=tmp / "p.txt", device="cuda")  # fmt: skip
            row("its evaluation", f"success {metrics['success_rate']:.3f}, {metrics['eval_wall_time_s']:.1f} s")
        else:
            row("seminar relu n = 10 training", "skipped: no CUDA device")

        packing = args.packing if cuda else [1, 2]
        steps = args.steps if cuda else 3
        rates = {}
        for count in packing:
            rates[count], wall = packed(data, tmp, count, steps, args.precision if cuda else "fp32", cuda)
            label = "" if cuda else " (CPU smoke run: tiny model, 3 steps)"
            speedup = rates[count] / rates[packing[0]]
            row(
                f"packing: {count} at once{label}",
                f"{rates[count]:,.0f} samples/s in all ({speedup:.2f}x), {wall:.0f} s",
            )
        if cuda:
            best = max(rates, key=rates.get)
            work = seminar_sample_epochs()
            base = sum(epochs for task, _, epochs in work if task != "index")
            index = sum(epochs for task, _, epochs in work if task == "index")
            # relu n = 10 throughput for every run; index's 6 + 6 layers cost about 6x a step of 1 + 1.
            hours = (base + 6 * index) / rates[best] / 3600
            row("estimate: the seminar's experiment",
                f"{len(work)} trainings, about {hours:.1f} h at {best} per GPU (relu n = 10's rate for every "
                "run, index at 6x: rough, longer n cost more)")  # fmt: skip
    width = max(len(check) for check, _ in ROWS)
    print("\n" + "\n".join(f"{check:{width}}  {result}" for check, result in ROWS))
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
