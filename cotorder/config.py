"""The training configuration: four sections ``data``, ``model``, ``train``, ``wandb``.

Every default lives in :data:`SCHEMA`, once; the task's settings in ``data`` (``kind``,
``variant`` and the settings of its kind) and their defaults belong to
:class:`cotorder.tasks.Task`.  :func:`resolve` fills the defaults, checks every
value and returns a new plain nested dict; any problem is a ``ValueError`` that
names the key (``train.batch_size: ...``).  Unknown keys are errors, so a typo
never silently falls back to a default.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import yaml

from .orders import order_positions, parse_order
from .tasks import SETTINGS as TASK_SETTINGS
from .tasks import SettingError, Task

REQUIRED = "<required>"
MIXED = "mixed"
# What a mixed-order sample tells the model of its order: nothing (the paper's method), or its whole order
# written after the inputs, one token P<k> a place (cotorder.candidates.write_mixed): never in the loss.
CONDITIONING = ("none", "prefix")
PRECISIONS = ("fp32", "tf32", "bf16")
# The Trainer's optimizers (transformers' OptimizerNames) that need no package beyond torch.
OPTIMIZERS = ("adamw_torch_fused", "adamw_torch", "adafactor", "sgd", "adagrad", "rmsprop")
MODEL_TYPES = ("bart", "decoder_only", "generic")


def _number(kind, low=None, optional=False, high=None):
    """Check an int or float (not bool) from ``low`` to ``high``; a float field accepts ints and '1e-4'."""

    def check(value):
        if value is None and optional:
            return None
        if kind is float and isinstance(value, str):  # PyYAML reads 1e-4 (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        ok = isinstance(value, int) if kind is int else isinstance(value, int | float)
        if not ok or isinstance(value, bool):
            raise ValueError(f"must be {'an integer' if kind is int else 'a number'}, got {value!r}")
        if low is not None and value < low:
            raise ValueError(f"must be at least {low}, got {value}")
        if high is not None and value > high:
            raise ValueError(f"must be at most {high}, got {value}")
        return kind(value)

    return check


def _choice(*choices):
    def check(value):
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return value

    return check


def _text(optional=False):
    def check(value):
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError(f"must be a non-empty string, got {value!r}")
        return value

    return check


def _bool(value):
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _order(value):
    """``forward``, ``inverse``, a list of 0-based positions, the text ``"1,0,2"``, or ``mixed`` (every line in
    an order of its own: a loss-profiling mixture)."""
    if value == MIXED:
        return value
    if isinstance(value, str):
        return parse_order(value)
    if isinstance(value, list | tuple) and all(isinstance(p, int) and not isinstance(p, bool) for p in value):
        return list(value)
    raise ValueError(f"must be 'forward', 'inverse' or a list of positions, got {value!r}")


# section -> key -> (default, check).  REQUIRED marks keys without a default.
SCHEMA = {
    "data": {  # and the task's settings: kind, variant, value_min, ... (cotorder.tasks.Task)
        "n": (REQUIRED, _number(int, 2)),  # sequence length L; with the task it fixes the vocabulary
        "train_path": (REQUIRED, _text()),
        "test_path": (REQUIRED, _text()),
        "order": ("forward", _order),  # the order the files' outputs are written in
        "conditioning": ("none", _choice(*CONDITIONING)),  # mixed orders: does the input name each line's order
        "num_train_samples": (-1, _number(int, -1)),  # -1: all
        "num_test_samples": (-1, _number(int, -1)),  # -1: all
    },
    "model": {
        "model_type": ("bart", _choice(*MODEL_TYPES)),
        "d_model": (512, _number(int, 1)),
        "num_encoder_layers": (1, _number(int, 0)),  # decoder_only: unused
        "num_decoder_layers": (1, _number(int, 1)),  # decoder_only: its number of layers
        "num_encoder_heads": (1, _number(int, 1)),
        "num_decoder_heads": (1, _number(int, 1)),
        "encoder_ffn_dim": (2048, _number(int, 1)),
        "decoder_ffn_dim": (2048, _number(int, 1)),
        "max_sequence_length": (512, _number(int, 4)),
        "dropout": (0.1, _number(float, 0)),
    },
    "train": {
        "output_dir": (REQUIRED, _text()),
        "checkpoint_dir": (None, _text(optional=True)),  # None: <output_dir>/checkpoints
        "num_train_epochs": (3, _number(float, 0)),
        "max_steps": (-1, _number(int, -1)),  # > 0 overrides num_train_epochs; 0 or -1 (default): no cap
        "batch_size": (128, _number(int, 1)),
        "test_batch_size": (256, _number(int, 1)),  # evaluation (generation) batch
        "learning_rate": (1e-4, _number(float, 0)),
        "weight_decay": (0.01, _number(float, 0)),
        "warmup_ratio": (0.1, _number(float, 0)),
        "lr_scheduler_type": ("linear", _choice("linear", "constant", "constant_with_warmup", "cosine")),
        "max_grad_norm": (1.0, _number(float, 0)),
        "optimizer": ("adamw_torch_fused", _choice(*OPTIMIZERS)),  # AdamW; the fused kernel (also on CPU)
        "seed": (42, _number(int, 0, high=2**32 - 1)),  # numpy's seeds end there
        "save_steps": (500, _number(int, 1)),
        "save_total_limit": (2, _number(int, 1)),
        "logging_steps": (50, _number(int, 1)),
        "device": ("auto", _choice("auto", "cpu", "cuda")),
        # fp32: float32 throughout, as the seminar and the paper trained; tf32: TensorFloat-32 matrix
        # products on CUDA (Ampere and newer); bf16: bfloat16 mixed precision on CUDA.
        "precision": ("fp32", _choice(*PRECISIONS)),
        "num_threads": (None, _number(int, 1, optional=True)),  # CPU threads; None: the cores this process may use
    },
    "wandb": {
        "enabled": (False, _bool),
        "project": ("cotorder", _text()),
        "group": (None, _text(optional=True)),
        "name": (None, _text(optional=True)),
    },
}


# Where a run's files go: the pipeline's rules own these (cotorder.runs), a training config file names them.
PATH_KEYS = {"data": {"train_path", "test_path"}, "train": {"output_dir", "checkpoint_dir"}}


def defaults() -> dict:
    """The default config (required keys hold ``REQUIRED``)."""
    return {section: {key: spec[0] for key, spec in keys.items()} for section, keys in SCHEMA.items()}


def resolve(config: dict, paths: bool = True) -> dict:
    """A new config with every default filled and every value checked; ``ValueError`` names the key.

    With ``paths=False`` the keys of :data:`PATH_KEYS` may be missing (they resolve to None).
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a mapping of sections, got {type(config).__name__}")
    unknown = sorted(set(config) - set(SCHEMA))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown config section (expected {', '.join(SCHEMA)})")
    resolved = {}
    for section, keys in SCHEMA.items():
        given = config.get(section) or {}
        if not isinstance(given, dict):
            raise ValueError(f"{section}: must be a mapping, got {given!r}")
        known = [*TASK_SETTINGS, *keys] if section == "data" else list(keys)
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"{section}.{unknown[0]}: unknown config key (expected one of {', '.join(known)})")
        resolved[section] = _task_settings(given) if section == "data" else {}
        for key, (default, check) in keys.items():
            value = copy.deepcopy(given.get(key, default))
            if value == REQUIRED:
                if paths or key not in PATH_KEYS.get(section, ()):
                    raise ValueError(f"{section}.{key}: required config key is missing")
                resolved[section][key] = None
                continue
            try:
                resolved[section][key] = check(value)
            except ValueError as error:
                raise ValueError(f"{section}.{key}: {error}") from None
    _check_together(resolved)
    return resolved


def _task_settings(data: dict) -> dict:
    """The task's settings of a ``data`` section, with the task's defaults filled."""
    try:
        return task_of(data).settings()
    except SettingError as error:
        raise ValueError(f"data.{error.key}: {error.message}" if error.key else f"data: {error}") from None


def task_of(data: dict) -> Task:
    """The task a resolved ``data`` section describes."""
    return Task.from_settings({key: data[key] for key in TASK_SETTINGS if key in data})


def _check_together(config: dict) -> None:
    """Checks across keys: the order against n, the model's shapes."""
    data, model = config["data"], config["model"]
    try:
        task = task_of(data)
        task.check_length(data["n"])
        task.check_window(data["n"])
        task.check_overflow(data["n"])
        task.check_values(data["n"])
    except SettingError as error:
        raise ValueError(f"data.{error.key}: {error.message}") from None
    try:
        if data["order"] != MIXED:
            order_positions(data["order"], data["n"])
    except ValueError as error:
        raise ValueError(f"data.order: {error}") from None
    if data["conditioning"] != "none" and data["order"] != MIXED:
        raise ValueError(f"data.conditioning: {data['conditioning']} needs mixed orders (data.order: mixed)")
    for side in ("encoder", "decoder"):
        heads = model[f"num_{side}_heads"]
        if model["d_model"] % heads:
            raise ValueError(f"model.num_{side}_heads: {heads} does not divide model.d_model {model['d_model']}")
    if model["model_type"] != "decoder_only" and model["num_encoder_layers"] < 1:
        raise ValueError(f"model.num_encoder_layers: must be at least 1 for {model['model_type']}")
    for key in ("num_train_samples", "num_test_samples"):
        if data[key] == 0:
            raise ValueError(f"data.{key}: must be -1 (all) or at least 1, got 0")
    train = config["train"]
    if train["max_steps"] <= 0 and train["num_train_epochs"] == 0:
        raise ValueError(
            f"train.num_train_epochs: 0 with max_steps {train['max_steps']} (no cap) trains no step "
            "(and evaluates an untrained model)"
        )
    if model["max_sequence_length"] < data["n"] + 2:
        raise ValueError(f"model.max_sequence_length: {model['max_sequence_length']} < n + 2 = {data['n'] + 2}")
    if data["conditioning"] == "prefix":  # the inputs, n place tokens P<k> and the CoT: 3n + 3 tokens
        length, room = 3 * data["n"] + 3, model["max_sequence_length"]
        if model["model_type"] == "decoder_only":  # one sequence; the decoder has 2 · max_sequence_length positions
            needed, what = math.ceil(length / 2), f"(3n + 3)/2 = {length}/2, the decoder holding 2 × it"
        else:  # the encoder reads the inputs and the place tokens, with <s> and </s>
            needed, what = 2 * data["n"] + 2, "2n + 2, the encoder's inputs and place tokens"
        if room < needed:
            raise ValueError(f"model.max_sequence_length: {room} < {what} ({needed} needed at n = {data['n']} with "
                             "data.conditioning: prefix)")  # fmt: skip


def load_config(path: str | Path) -> dict:
    """Read a YAML config file and :func:`resolve` it."""
    with open(path) as handle:
        try:
            raw = yaml.safe_load(handle)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise ValueError(f"{where}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    try:
        return resolve(raw or {})
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def dryrun(config: dict) -> dict:
    """The dry-run variant: 1 epoch on at most 1,000 training and 100 test samples, into ``<output_dir>-dryrun``."""
    config = copy.deepcopy(config)
    data, train = config["data"], config["train"]
    data["num_train_samples"] = 1000 if data["num_train_samples"] == -1 else min(1000, data["num_train_samples"])
    data["num_test_samples"] = 100 if data["num_test_samples"] == -1 else min(100, data["num_test_samples"])
    train["num_train_epochs"] = 1
    train["max_steps"] = -1
    train["output_dir"] = train["output_dir"].rstrip("/") + "-dryrun"
    if train["checkpoint_dir"] is not None:
        train["checkpoint_dir"] = train["checkpoint_dir"].rstrip("/") + "-dryrun"
    if config["wandb"]["name"]:
        config["wandb"]["name"] = "dryrun-" + config["wandb"]["name"]
    return config


def total_steps(train_samples: int, train: dict) -> int:
    """The optimizer steps a training run takes (as the Trainer counts them: one GPU, no accumulation)."""
    if train["max_steps"] > 0:
        return train["max_steps"]
    return math.ceil(train["num_train_epochs"] * math.ceil(train_samples / train["batch_size"]))


def checkpoint_dir(config: dict) -> Path:
    """Where the Trainer's ``checkpoint-<step>`` folders go."""
    train = config["train"]
    return Path(train["checkpoint_dir"] or Path(train["output_dir"]) / "checkpoints")
