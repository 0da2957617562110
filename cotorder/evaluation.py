"""Exact-match evaluation: batched greedy generation bounded by the target length.

``evaluate(model_dir, test_path, order, metrics_path, predictions_path)`` writes the metrics
(JSON) and the predictions (tab-separated: input, target, prediction, correct).  The metric
functions are pure and work on plain lists, so they can be checked on
hand-made predictions.
"""

from __future__ import annotations

import io
import json
import time
from contextlib import nullcontext
from pathlib import Path

import torch
import yaml
from transformers import PreTrainedTokenizerFast

from . import training
from .config import MIXED
from .datafiles import atomic_write
from .orders import order_positions

# The file names the command lines (scripts/evaluate.py, scripts/train/train.py) write into their folder.
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions.txt"
# What a trained model's folder holds besides its config.json (the Trainer's checkpoints too).
WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")
TOKENIZER_FILE = "tokenizer.json"


# ---------------------------------------------------------------- pure metrics


def sequence_metrics(targets: list[list[int]], predictions: list[list], positions: list[int]) -> dict:
    """Exact-match metrics of written-order ``predictions`` against written-order ``targets``.

    ``positions[i]`` is the forward index of the i-th written step
    (:func:`cotorder.orders.order_positions`), so ``position_accuracy[j]`` is
    the accuracy of y_(j+1) in forward order whatever order the model wrote,
    and ``final_accuracy`` is the accuracy of y_L.  A prediction of the wrong
    length is wrong as a whole; its steps are compared where both exist.
    """
    length = len(positions)
    if not targets:
        raise ValueError("no samples to score")
    correct_at = [0] * length  # by forward position
    exact = 0
    for target, prediction in zip(targets, predictions, strict=True):
        if len(target) != length:
            raise ValueError(f"target {target} has length {len(target)}, expected {length}")
        exact += list(prediction) == list(target)
        for written, forward in enumerate(positions):
            correct_at[forward] += written < len(prediction) and prediction[written] == target[written]
    count = len(targets)
    position_accuracy = [c / count for c in correct_at]
    return {
        "success_rate": exact / count,
        "position_accuracy": position_accuracy,
        "final_accuracy": position_accuracy[-1],
        "num_samples": count,
    }


def token_accuracy(predicted: torch.Tensor, labels: torch.Tensor, eos_token_id: int) -> tuple[int, int]:
    """``(correct, total)`` over the output tokens of a teacher-forced batch (padding and EOS excluded)."""
    mask = (labels != -100) & (labels != eos_token_id)
    return int(((predicted == labels) & mask).sum()), int(mask.sum())


# ---------------------------------------------------------------- generation


def _to_value(token: str):
    """An integer token as int; anything else (a special token) stays a string and never matches."""
    try:
        return int(token)
    except ValueError:
        return token


def decode(ids: list[int], tokenizer: PreTrainedTokenizerFast) -> list:
    """Generated ids (after the decoder start token) up to the first EOS, as values."""
    if tokenizer.eos_token_id in ids:
        ids = ids[: ids.index(tokenizer.eos_token_id)]
    return [_to_value(t) for t in tokenizer.convert_ids_to_tokens(ids)]


@torch.no_grad()
def generate(model, batch: dict, max_new_tokens: int) -> torch.Tensor:
    """Greedy continuation of a collated batch, ``max_new_tokens`` steps at most; rows start after BOS."""
    input_ids, attention_mask = batch["input_ids"], batch["attention_mask"]
    if isinstance(model, training.BartForConditionalGeneration):
        out = model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            num_beams=1,
        )
    else:  # calt pitfall: its own models' generate counts max_length in generated tokens only
        out = model.generate(input_ids=input_ids, attention_mask=attention_mask, max_length=max_new_tokens)
    return out[:, 1:]


@torch.no_grad()
def predict(model, dataset, tokenizer, batch_size: int = 256, device: str = "cpu", bf16: bool = False) -> dict:
    """Greedy predictions and teacher-forced token counts for a pre-tokenized calt dataset."""
    collate = training.make_collator(tokenizer)
    model.eval()
    predictions, correct, total = [], 0, 0
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if bf16 else nullcontext()
    with autocast:
        for start in range(0, len(dataset), batch_size):
            items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
            batch = {k: v.to(device) for k, v in collate(items).items()}
            logits = model(**batch).logits
            # calt pitfall: its own models return argmax ids as `logits`; BART returns logits.
            predicted = logits.argmax(-1) if logits.dim() == 3 else logits
            c, t = token_accuracy(predicted, batch["labels"], tokenizer.eos_token_id)
            correct, total = correct + c, total + t
            # Bounded: the longest target in the batch plus its EOS, never calt's 512.
            longest = max(len(item["target"]) for item in items) - 2
            generated = generate(model, batch, longest + 1).tolist()
            predictions.extend(decode(row, tokenizer) for row in generated)
    return {"predictions": predictions, "token_accuracy": correct / total if total else 0.0}


# ---------------------------------------------------------------- evaluate


def _values(ids: list[int], tokenizer) -> list:
    return [_to_value(t) for t in tokenizer.convert_ids_to_tokens(ids[1:-1])]


def write_predictions(path, inputs, targets, predictions) -> None:
    text = io.StringIO()
    text.write("input\ttarget\tprediction\tcorrect\n")
    for x, y, p in zip(inputs, targets, predictions, strict=True):
        text.write(f"{' '.join(map(str, x))}\t{' '.join(map(str, y))}\t{' '.join(map(str, p))}\t{int(p == y)}\n")
    with atomic_write(path, "w") as handle:
        handle.write(text.getvalue())


def model_folder_problem(model_dir) -> str | None:
    """What keeps ``model_dir`` from holding a trained model (its config, weights and tokenizer), or None."""
    folder = Path(model_dir)
    if not folder.is_dir():
        return f"no trained model there ({'a file, not a folder' if folder.exists() else 'no such folder'})"
    if not (folder / "config.json").is_file():
        return "no trained model there (no config.json)"
    if not any((folder / name).is_file() for name in WEIGHTS_FILES):
        return f"no model weights there (no {WEIGHTS_FILES[0]})"
    if not (folder / TOKENIZER_FILE).is_file():
        return f"no tokenizer there (no {TOKENIZER_FILE})"
    return None


def trained_for(model_dir) -> dict | None:
    """The config a model was trained with (``data``: task, n, order; ``train``: precision), if its folder records
    it."""
    path = Path(model_dir) / training.CONFIG_FILE
    if not path.is_file():
        return None  # a Trainer checkpoint folder, or a model from elsewhere
    return yaml.safe_load(path.read_text())


def check_order(order, recorded: dict, model_dir) -> list[int]:
    """The positions of ``order`` (None: the model's own); an order other than the model's is an error."""
    if recorded["order"] == MIXED:
        raise ValueError(
            f"{model_dir} was trained on a mixture of orders (a loss profile): it has no order to evaluate"
        )
    own = order_positions(recorded["order"], recorded["n"])
    if order is None:
        return own
    given = order_positions(order, recorded["n"])
    if given != own:
        raise ValueError(
            f"order {order} ({given}) is not the order {recorded['order']} ({own}) that {model_dir} was trained on "
            f"({training.CONFIG_FILE})"
        )
    return own


def evaluate(
    model_dir,
    test_path,
    order=None,
    *,
    metrics_path,
    predictions_path,
    batch_size: int = 256,
    num_samples: int = -1,
    device: str = "auto",
    precision: str | None = None,
    num_threads: int | None = None,
) -> dict:
    """Evaluate the model in ``model_dir`` on ``test_path`` (outputs written in ``order``; None: the model's).

    Where the model folder records what it was trained for, the order must be that one, and the test
    data is checked against its task and n (:func:`cotorder.training.load_split`).  Writes
    ``metrics_path`` (JSON) and ``predictions_path`` atomically and returns the metrics.
    """
    start = time.perf_counter()
    model_dir = Path(model_dir)
    problem = model_folder_problem(model_dir)
    if problem:
        raise FileNotFoundError(f"{model_dir}: {problem}")
    trained = trained_for(model_dir)
    recorded = None if trained is None else trained["data"]
    if recorded is not None:
        order = check_order(order, recorded, model_dir)
    if precision is None:
        precision = "fp32" if trained is None else trained["train"].get("precision", "fp32")
    training.set_threads(num_threads)
    device = training.select_device(device, precision)
    training.set_precision(precision)
    tokenizer = PreTrainedTokenizerFast.from_pretrained(model_dir)
    model = training.load_model(model_dir).to(device)
    data = None if recorded is None else {**recorded, "order": order}
    dataset = training.load_split(test_path, tokenizer, num_samples, data)
    inputs = [_values(ids, tokenizer) for ids in dataset.input_texts]
    targets = [_values(ids, tokenizer) for ids in dataset.target_texts]
    positions = order_positions("forward" if order is None else order, len(targets[0]))

    generation_start = time.perf_counter()
    result = predict(model, dataset, tokenizer, batch_size, device, precision == "bf16")
    generation_time = time.perf_counter() - generation_start
    metrics = sequence_metrics(targets, result["predictions"], positions)
    metrics["token_accuracy"] = result["token_accuracy"]

    summary_path, state_path = model_dir / training.SUMMARY_FILE, model_dir / "trainer_state.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    if not summary and state_path.exists():  # a Trainer checkpoint folder
        summary = {"global_step": json.loads(state_path.read_text())["global_step"]}
    metrics.update(
        {
            "order": order,
            "n": len(positions),
            "model_type": model.config.model_type,
            "num_parameters": training.count_parameters(model),
            "training_steps": summary.get("global_step"),
            "train_wall_time_s": summary.get("train_wall_time_s"),
            "eval_wall_time_s": time.perf_counter() - start,
            "generation_samples_per_second": len(targets) / generation_time,
            "device": device,
            "precision": precision,
            "model_dir": str(model_dir),
            "test_path": str(test_path),
        }
    )
    write_predictions(predictions_path, inputs, targets, result["predictions"])
    training.write_json(metrics_path, metrics)
    return metrics
