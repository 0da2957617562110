"""Tiny data sets and configs for the training and evaluation tests."""

from pathlib import Path

from transformers import TrainerCallback

from cotorder.datafiles import write_samples
from cotorder.evaluation import evaluate
from cotorder.orders import apply_order, order_positions
from cotorder.tasks import Task


def write_relu(root: Path, n: int, train: int, test: int, order="forward") -> dict:
    """relu files at length n in ``order``; returns their paths."""
    task, paths = Task("relu"), {}
    for split, count, seed in (("train", train, 42), ("test", test, 123)):
        x = task.sample_inputs(n, count, seed)
        paths[split] = (
            root / f"n={n}" / f"data-{'-'.join(map(str, order)) if isinstance(order, list) else order}.{split}"
        )
        write_samples(paths[split], x, apply_order(task.outputs(x), order_positions(order, n)))
    return paths


def tiny_config(paths: dict, out: Path, n: int, *, model_type="bart", d_model=32, order="forward", **train) -> dict:
    """A small, fast config; ``train`` overrides keys of the train section."""
    return {
        "data": {
            "kind": "relu",
            "n": n,
            "train_path": str(paths["train"]),
            "test_path": str(paths["test"]),
            "order": order,
        },
        "model": {
            "model_type": model_type,
            "d_model": d_model,
            "encoder_ffn_dim": 4 * d_model,
            "decoder_ffn_dim": 4 * d_model,
            "num_encoder_heads": 2,
            "num_decoder_heads": 2,
            "max_sequence_length": 16,
        },
        "train": {
            "output_dir": str(out),
            "batch_size": 32,
            "learning_rate": 1e-3,
            "logging_steps": 5,
            "save_steps": 10,
            "num_threads": 1,  # tiny models gain nothing from more, and a busy machine costs them much
            **train,
        },
    }


def evaluate_into(folder: Path, model_dir, test_path, order=None, **settings) -> dict:
    """Evaluate into ``folder``/metrics.json and predictions.txt."""
    metrics, predictions = Path(folder) / "metrics.json", Path(folder) / "predictions.txt"
    return evaluate(model_dir, test_path, order, metrics_path=metrics, predictions_path=predictions, **settings)


class Interrupt(TrainerCallback):
    """Stops the process at ``step`` as a kill would: no final save."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise KeyboardInterrupt(f"interrupted at step {self.step}")
