"""Loss-profiling scorer: throughput of the batched scorer against scoring one order at a time.

    .venv/bin/python bench/bench_profile.py [--orders 128] [--samples 300] [--n 8] [--model demo|paper] [--demo]

Scores T candidate orders of relu × V validation samples with one small decoder-only model (``--model demo``:
the profiling demo's, 1 layer, 1 head, d_model 128; ``--model paper``: the paper's small model, d_model 512,
FFN 2048), three ways, in one run:

- batched: ``order_losses``, all T·V sequences in batches of 512 mixed orders (the pipeline's way);
- per order: the same scorer called once per order (T passes of V sequences);
- per order, text: each order's texts through the tokenizer and calt's collator, then the model.

``--demo`` also times ``snakemake --cores 2 --configfile experiments/profiling_demo.yaml`` from
nothing in a temporary copy of the checkout.  Prints order·samples per second and the ratios, and what one
candidate costs a profile: the seconds to score it at one scoring point (V samples) and, beside it, one
training step of the model at batch 128 (a profile trains once, whatever T; it scores T candidates per point).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from cotorder.candidates import candidate_orders
from cotorder.config import resolve
from cotorder.orders import apply_order
from cotorder.profiling import order_losses
from cotorder.tasks import Task
from cotorder.training import build_model, build_tokenizer, make_collator, set_threads

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"demo": {"d_model": 128, "decoder_ffn_dim": 512, "dropout": 0.0},
          "paper": {"d_model": 512, "decoder_ffn_dim": 2048, "dropout": 0.1}}  # fmt: skip


def training_step_seconds(model, tokenizer, x, y, steps: int = 5) -> float:
    """Seconds per AdamW step of ``model`` on batches of 128 forward samples (after one warm-up step)."""
    ids = [tokenizer(" ".join(map(str, values)))["input_ids"] for values in (*x[:128].tolist(), *y[:128].tolist())]
    items = [{"input": a, "target": b} for a, b in zip(ids[: len(ids) // 2], ids[len(ids) // 2 :], strict=True)]
    batch = make_collator(tokenizer)(items)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    model.train()

    def step():
        optimizer.zero_grad()
        model(**batch).loss.backward()
        optimizer.step()

    step()
    seconds, _ = timed(lambda: [step() for _ in range(steps)])
    model.eval()
    return seconds / steps


def per_order_text(model, tokenizer, x, y, order):
    written = apply_order(y, order)
    ids = [tokenizer(" ".join(map(str, values)))["input_ids"] for values in (*x.tolist(), *written.tolist())]
    items = [{"input": a, "target": b} for a, b in zip(ids[: len(x)], ids[len(x) :], strict=True)]
    batch = make_collator(tokenizer)(items)
    labels = batch.pop("labels")
    logits = model(**batch, return_dict=False)[0]
    losses = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
    values = labels != tokenizer.eos_token_id
    return float((losses * values).sum() / values.sum())


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def demo_wall_time() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "checkout"
        ignore = shutil.ignore_patterns(".git", ".venv", "results", ".snakemake", "__pycache__", "*.egg-info")
        shutil.copytree(ROOT, folder, ignore=ignore)
        command = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "experiments/profiling_demo.yaml"]
        seconds, result = timed(lambda: subprocess.run(command, cwd=folder, capture_output=True, text=True))
        if result.returncode != 0:
            raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=128)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--model", choices=MODELS, default="demo", help="the model scored (default: the demo's)")
    parser.add_argument("--demo", action="store_true", help="also time the profiling demo from nothing")
    args = parser.parse_args()
    threads = set_threads(None)
    cfg = resolve(
        {
            "data": {"kind": "relu", "n": args.n, "train_path": "-", "test_path": "-"},
            "model": {
                "model_type": "decoder_only",
                "num_decoder_layers": 1,
                "num_decoder_heads": 1,
                **MODELS[args.model],
            },  # fmt: skip
            "train": {"output_dir": "-"},
        }
    )
    tokenizer = build_tokenizer(cfg["data"])
    model = build_model(cfg["model"], tokenizer, seed=0).eval()
    task = Task("relu")
    x = task.sample_inputs(args.n, args.samples, seed=7)
    y = task.outputs(x)
    candidates = candidate_orders(args.n, "forward_plus_random", args.orders, seed=0)
    pairs = args.orders * args.samples
    order_losses(model, tokenizer, x, y, candidates[:2])  # warm-up
    batched, fast = timed(lambda: order_losses(model, tokenizer, x, y, candidates, batch_size=512))
    per_order, slow = timed(lambda: [order_losses(model, tokenizer, x, y, [o], batch_size=512)[0] for o in candidates])
    with torch.no_grad():
        per_text, text = timed(lambda: [per_order_text(model, tokenizer, x, y, o) for o in candidates])
    assert max(abs(a - b) for a, b in zip(fast, slow, strict=True)) < 1e-4
    assert max(abs(a - b) for a, b in zip(fast, text, strict=True)) < 1e-4
    print(f"relu n = {args.n}: {args.orders} orders x {args.samples} samples, decoder-only {args.model} model, "
          f"{threads} CPU threads, {os.cpu_count()} cores")  # fmt: skip
    print(f"{'scorer':32}{'seconds':>9}{'order·samples/s':>17}{'batched is':>12}")
    for label, seconds in (("batched (512 mixed)", batched), ("one order at a time", per_order),
                           ("one order at a time, text", per_text)):  # fmt: skip
        print(f"{label:32}{seconds:9.2f}{pairs / seconds:17.0f}{seconds / batched:11.1f}x")
    train_x = task.sample_inputs(args.n, 128, seed=8)
    step = training_step_seconds(model, tokenizer, train_x, task.outputs(train_x))
    print(
        f"one candidate, one scoring point ({args.samples} samples, batched): {batched / args.orders:.3f} s; "
        f"one training step (batch 128): {step:.3f} s"
    )
    if args.demo:
        print(f"profiling demo from nothing (snakemake --cores 2): {demo_wall_time():.0f} s")


if __name__ == "__main__":
    main()
