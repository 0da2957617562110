#!/usr/bin/env python3
"""Evaluate a trained model on a test file: metrics.json and predictions.txt in --output."""

import argparse
import json
import sys
from pathlib import Path

from cotorder.datafiles import DataFormatError
from cotorder.evaluation import METRICS_FILE, PREDICTIONS_FILE, evaluate, model_folder_problem
from cotorder.orders import parse_order


def _count(flag: str, allow_all: bool = False):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be an integer, got {text!r}") from None
        if value < 1 and not (allow_all and value == -1):
            raise argparse.ArgumentTypeError(
                f"{flag} must be {'-1 (all) or ' if allow_all else ''}at least 1, got {value}"
            )
        return value

    return parse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="trained model folder (from train.py)")
    parser.add_argument("--test", required=True, help="test data file (x : y per line)")
    parser.add_argument("--order", help="forward, inverse or a permutation like 1,0,2,3,4 (default: the model's)")
    parser.add_argument("--output", required=True, help="folder for metrics.json and predictions.txt")
    parser.add_argument("--batch-size", type=_count("--batch-size"), default=256)
    parser.add_argument("--num-samples", type=_count("--num-samples", True), default=-1, help="first N (-1: all)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--precision", choices=("fp32", "tf32", "bf16"), help="default: the model's")
    parser.add_argument("--threads", type=_count("--threads"), default=None, help="CPU threads (default: all usable)")
    args = parser.parse_args(argv)
    try:
        order = None if args.order is None else parse_order(args.order)
    except ValueError as error:
        parser.error(f"--order: {error}")
    problem = model_folder_problem(args.model)
    if problem:
        parser.error(f"--model {args.model}: {problem}")
    if not Path(args.test).is_file():
        parser.error(f"--test {args.test}: {'a folder, not a file' if Path(args.test).is_dir() else 'no such file'}")
    output = Path(args.output)
    existing = next(path for path in (output, *output.parents) if path.exists())  # the folder or its nearest parent
    if not existing.is_dir():
        parser.error(f"--output {args.output}: {existing} is a file, not a folder")
    for path in (output / METRICS_FILE, output / PREDICTIONS_FILE):
        if path.is_dir():
            parser.error(f"--output {args.output}: {path} is a folder, not a file")
    try:
        metrics = evaluate(
            args.model,
            args.test,
            order,
            metrics_path=Path(args.output) / METRICS_FILE,
            predictions_path=Path(args.output) / PREDICTIONS_FILE,
            batch_size=args.batch_size,
            num_samples=args.num_samples,
            device=args.device,
            precision=args.precision,
            num_threads=args.threads,
        )
    except (DataFormatError, ValueError) as error:  # the data, the order or the device named in the message
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except OSError as error:  # a file the checks above could not foresee (a full disk, a folder gone)
        parser.exit(2, f"{parser.prog}: error: {error.filename or args.output}: {error.strerror or error}\n")
    print(json.dumps({k: metrics[k] for k in ("success_rate", "final_accuracy", "token_accuracy", "num_samples")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
