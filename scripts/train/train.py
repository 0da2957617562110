#!/usr/bin/env python3
"""Train a model as a config says, then evaluate it on the config's test split (the seed's train.py)."""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from cotorder.config import dryrun, load_config
from cotorder.datafiles import DataFormatError
from cotorder.devices import claim_gpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="YAML config with sections data, model, train, wandb")
    parser.add_argument("--dryrun", action="store_true", help="1 epoch on 1,000 samples into <output_dir>-dryrun")
    parser.add_argument("--no_wandb", action="store_true", help="no Weights & Biases, whatever the config says")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if args.no_wandb:
        config["wandb"]["enabled"] = False
    for key in ("train_path", "test_path"):
        if not Path(config["data"][key]).is_file():
            parser.error(
                f"{args.config}: data.{key}: {config['data'][key]} does not exist (see scripts/dataset_generation)"
            )
    # One GPU, free of other runs of this command: the Trainer would spread over every visible GPU.
    claim_gpu(lock_dir=Path(tempfile.gettempdir()) / "cotorder-gpu-locks")
    from cotorder.evaluation import METRICS_FILE, PREDICTIONS_FILE, evaluate  # torch after the GPU choice
    from cotorder.training import train

    try:
        summary = train(config, dryrun=args.dryrun)
        data, settings = (dryrun(config) if args.dryrun else config)["data"], config["train"]
        metrics = evaluate(
            summary["output_dir"],
            data["test_path"],
            data["order"],
            metrics_path=Path(summary["output_dir"]) / METRICS_FILE,
            predictions_path=Path(summary["output_dir"]) / PREDICTIONS_FILE,
            batch_size=settings["test_batch_size"],
            num_samples=data["num_test_samples"],
            device=settings["device"],
            num_threads=settings["num_threads"],
        )
    except (DataFormatError, ValueError) as error:  # a data line, or a device: the message names it
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    shown = {k: metrics[k] for k in ("success_rate", "final_accuracy", "token_accuracy", "num_samples")}
    print(json.dumps({"output_dir": summary["output_dir"], "global_step": summary["global_step"], **shown}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
