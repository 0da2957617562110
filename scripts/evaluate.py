#!/usr/bin/env python3
"""Evaluate a trained model on a test file: metrics.json and predictions.txt in --output."""

import argparse
import json
import sys
from pathlib import Path

from cotorder.evaluation import METRICS_FILE, PREDICTIONS_FILE, evaluate
from cotorder.orders import parse_order


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="trained model folder (from train.py)")
    parser.add_argument("--test", required=True, help="test data file (x : y per line)")
    parser.add_argument("--order", default="forward", help="forward, inverse or a permutation like 1,0,2,3,4")
    parser.add_argument("--output", required=True, help="folder for metrics.json and predictions.txt")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--num-samples", type=int, default=-1, help="first N test samples (-1: all)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: the usable cores)")
    args = parser.parse_args(argv)
    try:
        order = parse_order(args.order)
    except ValueError as error:
        parser.error(f"--order: {error}")
    metrics = evaluate(
        args.model,
        args.test,
        order,
        metrics_path=Path(args.output) / METRICS_FILE,
        predictions_path=Path(args.output) / PREDICTIONS_FILE,
        batch_size=args.batch_size,
        num_samples=args.num_samples,
        device=args.device,
        num_threads=args.threads,
    )
    print(json.dumps({k: metrics[k] for k in ("success_rate", "final_accuracy", "token_accuracy", "num_samples")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
