"""Training on calt-x and the Hugging Face Trainer.

calt-x supplies the vocabulary, lexer, tokenizer, collator, model registry and
``Trainer``; this module wires them together and works around calt's pitfalls
in one place (each marked ``calt pitfall``).  ``train(config)`` trains into
``train.output_dir``, resuming from the newest complete checkpoint in
``train.checkpoint_dir``, and leaves there: the model (safetensors), the
tokenizer, ``resolved_config.yaml``, ``train_log.csv`` and
``training_summary.json``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import yaml
from calt.io.base import StandardDataCollator, StandardDataset
from calt.io.preprocessor import NumberPolicy, UnifiedLexer
from calt.io.read import load_dataset_texts
from calt.io.tokenizer import get_tokenizer
from calt.io.vocabulary import VocabConfig
from calt.models import DecoderOnlyTransformer, ModelRegistry, Transformer
from calt.models.bart import create_bart_config
from calt.trainer import Trainer
from omegaconf import OmegaConf
from transformers import BartForConditionalGeneration, PreTrainedTokenizerFast, TrainingArguments
from transformers import set_seed as hf_set_seed

from . import config as configuration
from .datafiles import DataFormatError, atomic_write, parse_line
from .orders import order_positions

CHECKED_LINES = 100  # lines of a data file whose CoT is recomputed from its inputs
PLACE_TOKEN = "P"  # conditioning "prefix": the j-th P<k> token after the inputs: the CoT's place j writes y_<k+1>

# The Trainer says so at every checkpoint where file times are coarse, then orders by step: harmless.
warnings.filterwarnings("ignore", message="mtime may not be reliable")

MODEL_CLASSES = {
    "bart": BartForConditionalGeneration,
    "decoder_only": DecoderOnlyTransformer,
    "transformer": Transformer,
}
SUMMARY_FILE = "training_summary.json"
CONFIG_FILE = "resolved_config.yaml"
LOG_FILE = "train_log.csv"


# ---------------------------------------------------------------- machine


def set_threads(num_threads: int | None = None) -> int:
    """Use ``num_threads`` CPU threads, by default the cores this process may run on (SLURM, taskset)."""
    count = num_threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(count)
    return count


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and CUDA)."""
    hf_set_seed(seed)


def select_device(device: str = "auto", precision: str = "fp32") -> str:
    """The device to run on (``auto``: CUDA when available), checked against the precision asked for."""
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("train.device: 'cuda' requested but no CUDA device is available")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if precision != "fp32" and device != "cuda":
        raise ValueError(f"train.precision: {precision} needs a CUDA device; this run is on {device} (use fp32)")
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ValueError("train.precision: this GPU does not support bf16 (use tf32 or fp32)")
    if precision == "tf32" and torch.cuda.get_device_capability()[0] < 8:
        raise ValueError("train.precision: tf32 needs an Ampere or newer GPU (use fp32)")
    return device


def set_precision(precision: str) -> None:
    """TensorFloat-32 matrix products on for ``tf32``, off otherwise (float32 proper)."""
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = precision == "tf32"


# ---------------------------------------------------------------- vocabulary, data


def build_tokenizer(data: dict) -> PreTrainedTokenizerFast:
    """calt's tokenizer over every integer the task can hold at length n, one token each, sign attached."""
    low, high = configuration.task_of(data).value_range(data["n"])
    ranges = {"values": ["", low, high]}
    if data.get("conditioning", "none") == "prefix":  # the order's tokens P0 … P<n-1>, after the inputs
        ranges["places"] = [PLACE_TOKEN, 0, data["n"] - 1]
    vocab = VocabConfig([], {}).from_config({"range": ranges})
    # allow_float=False: else calt's lexer adds "." and "-0" to the vocabulary.
    lexer = UnifiedLexer(vocab, NumberPolicy(sign=True, digit_group=0, allow_float=False))
    values = [str(v) for v in range(low, high + 1)]
    if lexer.tokenize(" ".join(values)) != values:  # the contract the fast path in load_split relies on
        raise RuntimeError("calt's lexer does not map each integer to one token")
    return get_tokenizer(lexer.vocab_config)


class CotLoadPreprocessor:
    """calt load-preprocessor hook for `` : `` (and calt's `` # ``) lines.

    calt pitfall: its default text reader splits on '#' and silently skips lines
    without one.  This hook parses each line with :func:`cotorder.datafiles.parse_line`
    and checks every number against the vocabulary, so a bad line is an error
    naming file and line.  Given the run's ``data`` section, it also checks every
    line's length against n and recomputes the CoT of the first
    :data:`CHECKED_LINES` lines with the declared task and order.
    """

    def __init__(self, path, vocab: set[str], data: dict | None = None):
        self.path, self.vocab, self.line, self.data = path, vocab, 0, data
        self._checked = None  # input → forward CoT of the first CHECKED_LINES lines (_forward)
        self.prefixed = data is not None and data.get("conditioning", "none") == "prefix"
        if data is not None:
            self.task = configuration.task_of(data)
            self.positions = None if data["order"] == configuration.MIXED else order_positions(data["order"], data["n"])

    def process_sample(self, source: str) -> tuple[str, str]:
        self.line += 1
        where = f"{self.path}:{self.line}"
        x, y = parse_line(source, where)
        prefix = []
        if self.prefixed:  # n inputs, then the line's order: n positions, written as P<k> tokens
            x, prefix = self._order_prefix(x, y, where)
        texts = " ".join([*map(str, x), *(f"{PLACE_TOKEN}{p}" for p in prefix)]), " ".join(map(str, y))
        # calt pitfall: its tokenizer has no unknown token, so an out-of-vocabulary
        # number would raise deep inside tokenizers, naming neither file nor line.
        for value in (*x, *y):
            if str(value) not in self.vocab:
                raise DataFormatError(f"{where}: {value} is outside the vocabulary (check data.kind, data.n)")
        if self.data is not None:
            self._check(x, y, where)
        return texts

    def _order_prefix(self, x, y, where) -> tuple[list[int], list[int]]:
        """A conditioned line's inputs and order; the outputs must be the CoT written in that order."""
        n = self.data["n"]
        if len(x) != 2 * n:
            raise DataFormatError(f"{where}: {len(x)} inputs, expected n = {n} inputs and the n places of its order")
        x, order = x[:n], x[n:]
        if sorted(order) != list(range(n)):
            raise DataFormatError(f"{where}: the order prefix {order} is not an order of the n = {n} steps")
        if self.line <= CHECKED_LINES:
            forward = self._forward(x)
            if y != [forward[p] for p in order]:
                raise DataFormatError(f"{where}: outputs {y} are not the {self.task.label} CoT written in its order "
                                      f"prefix {order}: expected {[forward[p] for p in order]} "
                                      f"({self.task.mismatch_cause})")  # fmt: skip
        return x, order

    def _forward(self, x: list[int]) -> list[int]:
        """The task's forward CoT of inputs ``x``: the first :data:`CHECKED_LINES` lines' computed in one call of the
        task (a task file's function may take seconds a call), any other input on its own."""
        if self._checked is None:
            n, inputs = self.data["n"], []
            with open(self.path) as handle:
                for line in itertools.islice(handle, CHECKED_LINES):
                    try:
                        values = parse_line(line, "")[0][:n]
                    except DataFormatError:
                        continue  # its own error, when the line is read
                    if len(values) == n:
                        inputs.append(values)
            rows = np.unique(np.array(inputs, dtype=np.int64).reshape(-1, n), axis=0)
            outputs = self.task.outputs(rows).tolist() if len(rows) else []
            self._checked = {tuple(row): y for row, y in zip(rows.tolist(), outputs, strict=True)}
        found = self._checked.get(tuple(x))
        return found if found is not None else self.task.outputs(np.array([x]))[0].tolist()

    def _check(self, x, y, where) -> None:
        n = self.data["n"]
        for part, values in (("inputs", x), ("outputs", y)):
            if len(values) != n:
                raise DataFormatError(f"{where}: {len(values)} {part}, expected n = {n}")
        if self.line > CHECKED_LINES:
            return
        forward = self._forward(x)
        if self.positions is None:  # mixed orders: the outputs are some order of the CoT
            if sorted(y) != sorted(forward):
                raise DataFormatError(f"{where}: outputs {y} are no order of the {self.task.label} CoT {forward} "
                                      f"({self.task.mismatch_cause})")  # fmt: skip
            return
        expected = [forward[p] for p in self.positions]
        if y != expected:
            raise DataFormatError(
                f"{where}: outputs {y} are not the {self.task.label} CoT of these inputs written in order "
                f"{self.data['order']}: expected {expected} ({self.task.mismatch_cause})"
            )


def load_split(path, tokenizer: PreTrainedTokenizerFast, max_samples: int = -1, data: dict | None = None):
    """A calt ``StandardDataset`` of pre-tokenized ids (``<s> … </s>``), read through calt's load hook.

    With the run's ``data`` section, every line is checked against it (:class:`CotLoadPreprocessor`).

    calt pitfall: its ``StandardDataset`` lexes every item on every access and its
    collator tokenizes text per batch, every epoch.  Tokenized once here instead;
    the collator pads pre-tokenized lists as it pads text.
    """
    path = str(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"data file not found: {path}")
    # calt pitfall: calt's reader skips blank lines silently; they are errors here.
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                raise DataFormatError(f"{path}:{number}: empty line")
    vocab = {token for token in tokenizer.get_vocab() if re.fullmatch(r"-?\d+", token)}
    inputs, targets = load_dataset_texts(
        path, max_samples=max_samples, dataset_load_preprocessor=CotLoadPreprocessor(path, vocab, data)
    )
    if not inputs:
        raise DataFormatError(f"{path}: no samples")
    return StandardDataset(tokenizer(inputs)["input_ids"], tokenizer(targets)["input_ids"])


def make_collator(tokenizer: PreTrainedTokenizerFast) -> StandardDataCollator:
    # The collator pads pre-tokenized lists with tokenizer.pad, which warns once per
    # process that __call__ would be faster; here pad is the only thing left to do.
    tokenizer.deprecation_warnings["Asking-to-pad-a-fast-tokenizer"] = True
    return StandardDataCollator(tokenizer)


# ---------------------------------------------------------------- model


def build_model(model_cfg: dict, tokenizer: PreTrainedTokenizerFast, seed: int):
    """A fresh model from calt's registry: ``bart`` (seminar), ``decoder_only`` (paper) or ``generic``."""
    # calt pitfall: calt's own models seed torch only after building their weights; seed first.
    seed_everything(seed)
    registry = ModelRegistry()
    settings = OmegaConf.create({**model_cfg, "seed": seed})
    if model_cfg["model_type"] != "bart":
        return registry.create_from_config(settings, tokenizer)
    hf_config = create_bart_config(settings, tokenizer)
    # calt pitfall: the registry's BART mapping drops `dropout`, and keeps BartConfig's
    # forced_eos_token_id=2, which in calt's vocabulary is a number token: a generation
    # cut at max_length would end in that number.  Nothing is forced here.
    hf_config.dropout = model_cfg["dropout"]
    hf_config.forced_eos_token_id = None
    return registry.create("bart", hf_config)


def load_model(model_dir):
    """The model saved in ``model_dir`` (any of the three types)."""
    with open(Path(model_dir) / "config.json") as handle:
        model_type = json.load(handle)["model_type"]
    if model_type not in MODEL_CLASSES:
        raise ValueError(f"{model_dir}: unknown model_type {model_type!r}")
    return MODEL_CLASSES[model_type].from_pretrained(model_dir)


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- checkpoints


# Settings that change no trained weight: where things go, how often to log, evaluation batch size.
_NOT_TRAJECTORY = ("output_dir", "checkpoint_dir", "logging_steps", "save_steps", "save_total_limit",
                   "test_batch_size", "num_threads")  # fmt: skip
RUN_FILE = "run.json"


def run_identity(cfg: dict) -> dict:
    """What the checkpoints of a run depend on: the resolved settings and the training data's checksum."""
    with open(cfg["data"]["train_path"], "rb") as handle:
        checksum = hashlib.file_digest(handle, "sha256").hexdigest()
    train_cfg = {k: v for k, v in cfg["train"].items() if k not in _NOT_TRAJECTORY}
    return {"data": cfg["data"], "model": cfg["model"], "train": train_cfg, "train_data_sha256": checksum}


def discard_stale_checkpoints(folder, identity: dict) -> bool:
    """Delete ``folder``'s checkpoints unless an unfinished run that ``identity`` describes wrote them.

    Resuming another config's or another data set's checkpoints would silently mix two runs, and
    resuming a finished run's would train on past its end: a rerun starts afresh.
    """
    folder, stale = Path(folder), False
    if folder.is_dir():
        try:
            stale = json.loads((folder / RUN_FILE).read_text()) != identity
        except (OSError, ValueError):
            stale = any(folder.glob("checkpoint-*"))
        if stale:
            shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / RUN_FILE, identity)
    return stale


def newest_checkpoint(folder) -> str | None:
    """The newest complete ``checkpoint-<step>`` in ``folder``; incomplete ones are deleted.

    The Trainer writes ``trainer_state.json`` last, so a checkpoint without a
    readable one was cut off mid-save (a killed process) and cannot be resumed.
    """
    folder = Path(folder)
    found = []
    for path in folder.glob("checkpoint-*") if folder.is_dir() else []:
        match = re.fullmatch(r"checkpoint-(\d+)", path.name)
        if match and path.is_dir():
            found.append((int(match.group(1)), path))
    for _, path in sorted(found, reverse=True):
        try:
            json.loads((path / "trainer_state.json").read_text())
            return str(path)
        except (OSError, ValueError):
            shutil.rmtree(path)
    return None


# ---------------------------------------------------------------- training


def training_arguments(cfg: dict, device: str) -> TrainingArguments:
    train, wandb = cfg["train"], cfg["wandb"]
    return TrainingArguments(
        output_dir=str(configuration.checkpoint_dir(cfg)),
        num_train_epochs=train["num_train_epochs"],
        max_steps=train["max_steps"],
        per_device_train_batch_size=train["batch_size"],
        per_device_eval_batch_size=train["test_batch_size"],
        learning_rate=train["learning_rate"],
        weight_decay=train["weight_decay"],
        warmup_ratio=train["warmup_ratio"],
        lr_scheduler_type=train["lr_scheduler_type"],
        max_grad_norm=train["max_grad_norm"],
        optim=train["optimizer"],
        seed=train["seed"],
        save_strategy="steps",
        save_steps=train["save_steps"],
        save_total_limit=train["save_total_limit"],
        save_safetensors=True,
        logging_strategy="steps",
        logging_steps=train["logging_steps"],
        # calt pitfall: calt's Trainer.evaluate also generates on the test set with
        # max_length=512 at every eval step; evaluation is done once, bounded, by
        # cotorder.evaluation instead.
        eval_strategy="no",
        # calt pitfall: Weights & Biases is calt's default reporter; off unless configured.
        report_to=["wandb"] if wandb["enabled"] else "none",
        run_name=wandb["name"],
        remove_unused_columns=False,  # the collator's decoder_* keys are model inputs
        label_names=["labels"],
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=device == "cuda",
        use_cpu=device == "cpu",
        bf16=train["precision"] == "bf16",
        tf32=(train["precision"] == "tf32") if device == "cuda" else None,
    )


def _configure_wandb(cfg: dict) -> None:
    wandb = cfg["wandb"]
    if not wandb["enabled"]:  # report_to "none" already keeps the Trainer off it; this keeps wandb itself off
        os.environ["WANDB_MODE"] = "disabled"
        return
    if os.environ.get("WANDB_MODE") == "disabled":
        del os.environ["WANDB_MODE"]
    if "WANDB_API_KEY" not in os.environ:  # never prompt for a login: log offline, `wandb sync` later
        os.environ.setdefault("WANDB_MODE", "offline")
    os.environ["WANDB_PROJECT"] = wandb["project"]
    if wandb["group"]:
        os.environ["WANDB_RUN_GROUP"] = wandb["group"]


def write_yaml(path, data) -> None:
    with atomic_write(path, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)


def write_json(path, data) -> None:
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


def write_log(path, log_history: list[dict]) -> list[dict]:
    """The per-logging-step rows (step, epoch, loss, learning rate, grad norm) as CSV."""
    fields = ["step", "epoch", "loss", "learning_rate", "grad_norm"]
    rows = [{k: entry.get(k) for k in fields} for entry in log_history if "loss" in entry]
    text = io.StringIO()
    writer = csv.DictWriter(text, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_write(path, "w") as handle:
        handle.write(text.getvalue())
    return rows


def save_pretrained(output_dir: Path, model, tokenizer) -> None:
    """Model (safetensors) and tokenizer, written beside and then renamed into ``output_dir``."""
    staging = output_dir / ".saving"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    for path in staging.iterdir():
        os.replace(path, output_dir / path.name)
    staging.rmdir()


def train(config: dict, *, dryrun: bool = False, callbacks=()) -> dict:
    """Train as ``config`` says (resuming from its newest checkpoint); return the training summary.

    ``callbacks`` are extra ``transformers.TrainerCallback`` objects (tests use one to interrupt a run).
    """
    cfg = configuration.resolve(config)
    if dryrun:
        cfg = configuration.dryrun(cfg)
    data, train_cfg = cfg["data"], cfg["train"]
    output_dir = Path(train_cfg["output_dir"])
    checkpoints = configuration.checkpoint_dir(cfg)
    threads = set_threads(train_cfg["num_threads"])
    device = select_device(train_cfg["device"], train_cfg["precision"])
    set_precision(train_cfg["precision"])
    _configure_wandb(cfg)

    tokenizer = build_tokenizer(data)
    train_set = load_split(data["train_path"], tokenizer, data["num_train_samples"], data)
    model = build_model(cfg["model"], tokenizer, train_cfg["seed"])
    output_dir.mkdir(parents=True, exist_ok=True)
    cfg["train"]["checkpoint_dir"] = str(checkpoints)
    write_yaml(output_dir / CONFIG_FILE, cfg)

    trainer = Trainer(
        model=model,
        args=training_arguments(cfg, device),
        train_dataset=train_set,
        data_collator=make_collator(tokenizer),
        processing_class=tokenizer,
        callbacks=list(callbacks),
    )
    identity = json.loads(json.dumps(run_identity(cfg)))
    if discard_stale_checkpoints(checkpoints, identity):
        print(f"discarded the checkpoints in {checkpoints}: a finished run or other settings wrote them", flush=True)
    resume = newest_checkpoint(checkpoints)
    if resume:
        print(f"resuming from {resume}", flush=True)
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume)
    wall = time.perf_counter() - start

    save_pretrained(output_dir, trainer.model, tokenizer)
    rows = write_log(output_dir / LOG_FILE, trainer.state.log_history)
    summary = {
        "output_dir": str(output_dir),
        "checkpoint_dir": str(checkpoints),
        "resumed_from": resume,
        "global_step": trainer.state.global_step,
        "epochs": trainer.state.epoch,
        "num_train_samples": len(train_set),
        "num_parameters": count_parameters(model),
        "final_loss": rows[-1]["loss"] if rows else None,
        "train_wall_time_s": wall,
        "train_samples_per_second": result.metrics.get("train_samples_per_second"),
        "device": device,
        "precision": train_cfg["precision"],
        "num_threads": threads,
        "dryrun": dryrun,
    }
    write_json(output_dir / SUMMARY_FILE, summary)
    write_json(checkpoints / RUN_FILE, {**identity, "finished": True})  # never resumed again
    return summary
