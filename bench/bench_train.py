"""Training and evaluation throughput on CPU (or the GPU, if there is one).

    .venv/bin/python bench/bench_train.py [--n 10] [--samples 8000] [--steps 150] [--d-model 128]

Training: our path (data tokenized once, calt collator, calt Trainer) against
calt's stock path (IOPipeline with the lexer on every item, StandardDataCollator
tokenizing text per batch, TrainerPipeline) on the same tiny BART and data, the
same number of steps; samples/s as the Trainer measures them.  Evaluation:
batched greedy generation against one sequence at a time on the same model.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads (see cotorder/training.py)

from omegaconf import OmegaConf

from cotorder import config as configuration
from cotorder import training
from cotorder.datafiles import write_samples
from cotorder.evaluation import predict
from cotorder.tasks import Task


def make_data(root: Path, n: int, samples: int) -> dict:
    task = Task("relu")
    paths = {}
    for split, count, seed in (("train", samples, 42), ("test", 1000, 123)):
        x = task.sample_inputs(n, count, seed)
        y = task.outputs(x)
        paths[split] = root / f"data.{split}"
        write_samples(paths[split], x, y)
        # calt-native copy for the stock reader, which splits on '#'
        text = paths[split].read_text().replace(" : ", " # ")
        (root / f"data-hash.{split}").write_text(text)
    return paths


def config(args, paths, out: Path) -> dict:
    d = args.d_model
    return training.configuration.resolve(
        {
            "data": {"kind": "relu", "n": args.n, "train_path": str(paths["train"]), "test_path": str(paths["test"])},
            "model": {
                "d_model": d,
                "encoder_ffn_dim": 4 * d,
                "decoder_ffn_dim": 4 * d,
                "num_encoder_heads": 4,
                "num_decoder_heads": 4,
                "max_sequence_length": 64,
            },
            "train": {
                "output_dir": str(out / "ours"),
                "max_steps": args.steps,
                "batch_size": args.batch_size,
                "learning_rate": 1e-3,
                "save_steps": 10**9,
                "logging_steps": 10**9,
            },
        }
    )


def train_stock(cfg: dict, hash_train: Path, out: Path) -> dict:
    """calt's documented path: IOPipeline -> model -> TrainerPipeline.build().train()."""
    from calt.io import IOPipeline
    from calt.trainer import TrainerPipeline

    tokenizer = training.build_tokenizer(cfg["data"])
    lexer = training.UnifiedLexer(
        training.VocabConfig([], {}).from_config({"range": {"values": ["", *_range(cfg)]}}),
        training.NumberPolicy(sign=True, digit_group=0, allow_float=False),
    )
    io = IOPipeline(
        train_dataset_path=str(hash_train),
        test_dataset_path=str(hash_train),
        num_test_samples=10,
        vocab_config=lexer.vocab_config,
        preprocessor=lexer,
    )
    io_dict = io.build()
    assert io_dict["tokenizer"].get_vocab() == tokenizer.get_vocab()
    model = training.build_model(cfg["model"], io_dict["tokenizer"], cfg["train"]["seed"])
    t = cfg["train"]
    train_cfg = OmegaConf.create(
        {
            "output_dir": str(out),
            "num_train_epochs": 1,
            "learning_rate": t["learning_rate"],
            "batch_size": t["batch_size"],
            "test_batch_size": t["batch_size"],
            "eval_strategy": "no",
            "save_strategy": "no",
            "logging_steps": 10**9,
            "seed": t["seed"],
            "report_to": "none",
            "dataloader_pin_memory": False,
        }
    )
    pipeline = TrainerPipeline(
        train_cfg, model=model, io_dict=io_dict, wandb_config=OmegaConf.create({"no_wandb": True})
    )
    pipeline.build()
    pipeline.trainer.args.max_steps = t["max_steps"]
    return pipeline.trainer.train().metrics


def _range(cfg):
    return configuration.task_of(cfg["data"]).value_range(cfg["data"]["n"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2, help="training runs per path (best is kept)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the usable cores)")
    parser.add_argument("--eval-single", type=int, default=200, help="samples for one-at-a-time generation")
    args = parser.parse_args()
    threads = training.set_threads(args.threads)
    device, bf16 = training.select_device()
    print(
        f"relu n={args.n}, BART d_model={args.d_model} 1+1 layers, batch {args.batch_size}, {args.steps} steps, "
        f"{device}, {threads} threads"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = make_data(tmp, args.n, args.samples)
        cfg = config(args, paths, tmp)

        start = time.perf_counter()
        tokenizer = training.build_tokenizer(cfg["data"])
        training.load_split(paths["train"], tokenizer)
        print(f"load + tokenize once: {args.samples} samples in {time.perf_counter() - start:.2f} s")

        best = {"stock": 0.0, "ours": 0.0}
        for round_ in range(args.rounds):  # alternate, keep the best: a shared CPU is noisy
            stock = train_stock(cfg, tmp / "data-hash.train", tmp / f"stock{round_}")
            cfg["train"]["output_dir"] = str(tmp / f"ours{round_}")
            ours = training.train(cfg)
            best["stock"] = max(best["stock"], stock["train_samples_per_second"])
            best["ours"] = max(best["ours"], ours["train_samples_per_second"])
        print(f"train  stock calt TrainerPipeline: {best['stock']:9.0f} samples/s")
        print(
            f"train  ours:                       {best['ours']:9.0f} samples/s  ({best['ours'] / best['stock']:.2f}x)"
        )

        model = training.load_model(ours["output_dir"]).to(device)
        test = training.load_split(paths["test"], tokenizer)
        single = training.StandardDataset(test.input_texts[: args.eval_single], test.target_texts[: args.eval_single])
        predict(model, single, tokenizer, 8, device, bf16)  # warm-up
        rates, outputs = {}, {}
        for _ in range(args.rounds):
            for name, data, batch in (("one at a time", single, 1), ("batched (256)", test, 256)):
                start = time.perf_counter()
                outputs[name] = predict(model, data, tokenizer, batch, device, bf16)["predictions"]
                rates[name] = max(rates.get(name, 0.0), len(data) / (time.perf_counter() - start))
        same = outputs["batched (256)"][: len(single)] == outputs["one at a time"]
        for name, rate in rates.items():
            print(f"eval   {name:14s}: {rate:9.0f} samples/s")
        ratio = rates["batched (256)"] / rates["one at a time"]
        print(f"eval   batched / one at a time: {ratio:.1f}x (same predictions: {same})")


if __name__ == "__main__":
    main()
