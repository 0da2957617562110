"""Loss profiling: rank candidate orders of the CoT with one training run on a mixture of them.

The method (Sato, Kawamoto and Kera, arXiv 2506.23875), with the choices it leaves open:

- **Candidates**: T orders of the n CoT steps (permutations: the forward position written at each
  place).  :func:`cotorder.candidates.candidate_orders` draws them: ``random`` (T distinct random orders),
  ``forward_plus_random`` (forward and T − 1 distinct random others) or an explicit list.
- **Mixed training set**: every training sample is written in one candidate order;
  :func:`cotorder.candidates.assign_orders` spreads the samples evenly (⌊N/T⌋ or ⌈N/T⌉ each) in a seeded random
  assignment.  No order token: the model sees only the input.
- **Training**: one short run of a small model on the mixture (any training config; the
  pipeline's default is the paper's small decoder-only model).  Checkpoints are kept at
  ``score_points`` evenly spaced steps.
- **Scoring**: for every candidate, the mean teacher-forced cross-entropy of the model over the
  n target tokens (the end-of-sequence token excluded) of a validation split written in that
  order — at every kept checkpoint and at the end (:func:`order_losses`, all T × V sequences in
  large batches).  Orders are ranked by one criterion, lowest first (:data:`RANK_BY`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from . import training
from .candidates import order_label
from .datafiles import atomic_write, parse_line

# How the loss at the scoring points becomes one number per order: the area under its loss
# curve (the mean over the points), the loss at the end, or at the first point.
RANK_BY = ("mean", "final", "first")


def read_samples(path) -> tuple[np.ndarray, np.ndarray]:
    """A data file's inputs and outputs as two ``(N, n)`` arrays."""
    rows = []
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            rows.append(parse_line(line, f"{path}:{number}"))
    return np.array([x for x, _ in rows]), np.array([y for _, y in rows])


# ---------------------------------------------------------------- scoring


def _token_ids(values: np.ndarray, tokenizer) -> np.ndarray:
    """Each integer's token id, with ``<s>`` before and ``</s>`` after every row (what the tokenizer gives)."""
    vocab = tokenizer.get_vocab()
    low, high = int(values.min()), int(values.max())
    table = np.array([vocab[str(v)] for v in range(low, high + 1)])
    ids = table[values - low]
    rows = ids.shape[0]
    bos = np.full((rows, 1), tokenizer.bos_token_id)
    eos = np.full((rows, 1), tokenizer.eos_token_id)
    return np.concatenate([bos, ids, eos], axis=1)


@torch.no_grad()
def order_losses(model, tokenizer, x, y, candidates, batch_size: int = 512, device: str = "cpu") -> np.ndarray:
    """Mean teacher-forced cross-entropy over the target tokens of ``x`` → ``y`` written in each candidate order.

    ``y`` is the forward CoT ``(V, n)``; all T × V sequences are scored in batches of ``batch_size``
    (mixed orders), so the cost is T·V/``batch_size`` forward passes.  Returns T losses.
    """
    x, y = np.asarray(x), np.asarray(y)
    candidates = np.asarray(candidates)
    count, n = y.shape
    inputs = torch.as_tensor(_token_ids(x, tokenizer))
    written = np.take_along_axis(np.broadcast_to(y, (len(candidates), count, n)), candidates[:, None, :], axis=2)
    targets = torch.as_tensor(_token_ids(written.reshape(-1, n), tokenizer))  # order-major: row = t * V + v
    model.eval()
    totals = torch.zeros(len(candidates), dtype=torch.float64)
    for start in range(0, len(targets), batch_size):
        rows = torch.arange(start, min(start + batch_size, len(targets)))
        target = targets[rows].to(device)
        batch = {
            "input_ids": inputs[rows % count].to(device),
            "attention_mask": torch.ones(len(rows), inputs.shape[1], dtype=torch.long, device=device),
            "decoder_input_ids": target[:, :-1],
            "decoder_attention_mask": torch.ones(len(rows), target.shape[1] - 1, dtype=torch.long, device=device),
        }
        # return_dict=False: calt's own models return argmax ids as `.logits`, the logits only in the tuple.
        logits = model(**batch, return_dict=False)[0].float()
        labels = target[:, 1:-1]  # the n value tokens, without </s>
        loss = F.cross_entropy(logits[:, :n].transpose(1, 2), labels, reduction="none").mean(dim=1)
        totals.index_add_(0, (rows // count), loss.double().cpu())
    return (totals / count).numpy()


def scoring_steps(folder) -> list[tuple[int, Path]]:
    """``(step, path)`` of every complete ``checkpoint-<step>`` in ``folder``, by step."""
    found = []
    for path in Path(folder).glob("checkpoint-*"):
        match = re.fullmatch(r"checkpoint-(\d+)", path.name)
        if match and (path / "trainer_state.json").is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


def rank(losses: pd.DataFrame, rank_by: str) -> pd.DataFrame:
    """``losses`` (one ``loss_step<S>`` column per scoring point) with ``mean``, ``score`` and ``rank`` (1: lowest)."""
    if rank_by not in RANK_BY:
        raise ValueError(f"rank_by {rank_by!r}: expected one of {', '.join(RANK_BY)}")
    points = [column for column in losses.columns if column.startswith("loss_step")]
    table = losses.copy()
    table["mean"] = table[points].mean(axis=1)
    table["score"] = {"mean": table["mean"], "final": table[points[-1]], "first": table[points[0]]}[rank_by]
    table = table.sort_values("score", kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def profile_losses(model_dirs: list[tuple[int, str]], x, y, candidates, batch_size=512, device="cpu") -> pd.DataFrame:
    """One row per candidate: its order (text), label, and its loss at every ``(step, model_dir)``."""
    n = len(candidates[0])
    table = pd.DataFrame(
        {"order": [" ".join(map(str, order)) for order in candidates], "label": [order_label(o, n) for o in candidates]}
    )
    tokenizer = training.PreTrainedTokenizerFast.from_pretrained(model_dirs[-1][1])
    for step, model_dir in model_dirs:
        model = training.load_model(model_dir).to(device)
        table[f"loss_step{step}"] = order_losses(model, tokenizer, x, y, candidates, batch_size, device)
    return table


def write_table(table: pd.DataFrame, path) -> None:
    with atomic_write(path, "w") as handle:
        table.to_csv(handle, index=False, float_format="%.6g")


def run_profile(profile: dict, *, train_path, validation_path, output_dir, checkpoint_dir, losses_path,
                num_threads=None) -> pd.DataFrame:  # fmt: skip
    """Train on the mixture (resuming from checkpoints), score every candidate at every kept checkpoint and at the
    end, and write the ranked table.  ``profile`` holds a :class:`cotorder.runs.Profile`'s parts."""
    from .runs import training_config

    config = training_config(profile["training"], train_path=train_path, test_path=validation_path,
                             output_dir=output_dir, checkpoint_dir=checkpoint_dir, num_threads=num_threads)  # fmt: skip
    summary = training.train(config)
    points = [(step, str(path)) for step, path in scoring_steps(checkpoint_dir)]
    if not points or points[-1][0] != summary["global_step"]:
        points.append((summary["global_step"], str(output_dir)))
    scoring = profile["scoring"]
    device = training.select_device(scoring["device"])
    training.set_precision("fp32")
    x, y = read_samples(validation_path)
    print(f"scoring {len(profile['data']['candidates'])} orders x {len(x)} samples at steps "
          f"{', '.join(str(step) for step, _ in points)}", flush=True)  # fmt: skip
    losses = profile_losses(points, x, y, profile["data"]["candidates"], scoring["batch_size"], device)
    table = rank(losses, scoring["rank_by"])
    write_table(table, losses_path)
    return table


# ---------------------------------------------------------------- plot


def plot_losses(table: pd.DataFrame, path, title: str = "", curves: int = 5) -> None:
    """Left: every order's score, sorted, forward and inverse marked.  Right: the loss over training of the
    ``curves`` best and worst orders (and forward and inverse)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [column for column in table.columns if column.startswith("loss_step")]
    steps = [int(column.removeprefix("loss_step")) for column in points]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    left.plot(table["rank"], table["score"], color="0.6", marker=".", linestyle="none", label="candidates")
    for label, colour in (("forward", "tab:green"), ("inverse", "tab:red")):
        marked = table[table["label"] == label]
        for _, row in marked.iterrows():
            left.plot(row["rank"], row["score"], marker="o", markersize=9, color=colour,
                      label=f"{label}: rank {row['rank']} of {len(table)}")  # fmt: skip
    left.set(xlabel="rank (1 = lowest loss)", ylabel="score (validation loss)", title=title or "loss profile")
    left.legend()
    shown = pd.concat([table.head(curves), table.tail(curves), table[table["label"] != ""]]).drop_duplicates("order")
    for _, row in shown.iterrows():
        style = {"forward": "tab:green", "inverse": "tab:red"}.get(row["label"])
        best = row["rank"] <= curves
        right.plot(steps, row[points].to_numpy(dtype=float), marker=".", linewidth=2 if style else 1,
                   color=style or ("tab:blue" if best else "tab:orange"), alpha=1 if style else 0.6,
                   label=row["label"] or None)  # fmt: skip
    right.plot([], [], color="tab:blue", label=f"best {curves}")
    right.plot([], [], color="tab:orange", label=f"worst {curves}")
    right.set(xlabel="training step", ylabel="validation loss", title="loss over training")
    right.legend()
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)
