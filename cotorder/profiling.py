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
  large batches).  Orders are ranked by one criterion, lowest first (:data:`RANK_BY`).  Beside each order's
  score, its no-learning baseline (:mod:`cotorder.baseline`) and the model's margin below it.
- **Replicates**: each seed trains on the same data with its own model initialisation and sample-to-order
  assignment (:func:`run_profile`); :mod:`cotorder.evidence` puts them together and says whether the ranking
  is signal.
- **The control** (``rank_by: baseline``, :data:`cotorder.baseline.CONTROL`): the same candidates, mixture and
  seeds ranked by the no-learning baseline alone, and no model trained (numpy only: torch is imported only where a
  model is).  Its table has one scoring column, ``loss_step0`` (no training step taken), equal to the baseline, so
  its score is the baseline and its margin 0: every reader of a profile's tables works on it, and its verdict is
  never signal.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .baseline import CONTROL, order_baselines
from .candidates import assign_orders, order_label, write_mixed, write_profile_data
from .datafiles import DataFormatError, atomic_write, parse_line
from .evidence import agreement
from .generate import write_split
from .lookup import LOOKUP, ROWS, Lookup
from .runs import training_config, trains
from .search import play_round
from .study import criterion_scores
from .tasks import Task

# How the loss at the scoring points becomes one number per order: the area under its loss
# curve (the mean over the points), the loss at the end, or at the first point; or, the control, the order's
# no-learning baseline alone, with no model trained; or the lookup ranker (cotorder.lookup: count tables of the
# steps written before and the inputs), with no model trained either.
RANK_BY = ("mean", "final", "first", CONTROL, LOOKUP)


def read_samples(path, task: Task, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A forward data file's inputs and outputs as two ``(N, n)`` arrays, every line checked: its format, n inputs
    and n outputs, values in the task's vocabulary, and the CoT recomputed from the inputs (``file:line`` errors)."""
    low, high = task.value_range(n)
    rows = []
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            x, y = parse_line(line, f"{path}:{number}")
            for part, values in (("inputs", x), ("outputs", y)):
                if len(values) != n:
                    raise DataFormatError(f"{path}:{number}: {len(values)} {part}, expected n = {n}")
            outside = [v for v in (*x, *y) if not low <= v <= high]
            if outside:
                raise DataFormatError(f"{path}:{number}: {outside[0]} is outside the {task.kind} vocabulary "
                                      f"{low}..{high} at n = {n}")  # fmt: skip
            rows.append((x, y))
    if not rows:
        raise DataFormatError(f"{path}: no samples")
    x, y = (np.array([row[i] for row in rows]) for i in (0, 1))
    wrong = np.flatnonzero((task.outputs(x) != y).any(axis=1))
    if len(wrong):
        line = int(wrong[0])
        expected = task.outputs(x[line : line + 1])[0].tolist()
        raise DataFormatError(f"{path}:{line + 1}: outputs {y[line].tolist()} are not the forward {task.label} CoT "
                              f"of these inputs: expected {expected} ({task.mismatch_cause})")  # fmt: skip
    return x, y


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


def order_losses(model, tokenizer, x, y, candidates, batch_size: int = 512, device: str = "cpu",
                 prefixed: bool = False) -> np.ndarray:  # fmt: skip
    """Mean teacher-forced cross-entropy over the target tokens of ``x`` → ``y`` written in each candidate order.

    ``y`` is the forward CoT ``(V, n)``; all T × V sequences are scored in batches of ``batch_size``
    (mixed orders), so the cost is T·V/``batch_size`` forward passes.  ``prefixed``: each input is followed by
    its candidate's order (conditioning ``prefix``: P<k> tokens), as the model was trained.  Returns T losses.
    """
    import torch
    import torch.nn.functional as F

    from . import training

    x, y = np.asarray(x), np.asarray(y)
    candidates = np.asarray(candidates)
    count, n = y.shape
    inputs = torch.as_tensor(_token_ids(x, tokenizer))
    if prefixed:
        vocab = tokenizer.get_vocab()
        places = torch.as_tensor(np.vectorize(lambda p: vocab[f"{training.PLACE_TOKEN}{p}"])(candidates))
    written = np.take_along_axis(np.broadcast_to(y, (len(candidates), count, n)), candidates[:, None, :], axis=2)
    targets = torch.as_tensor(_token_ids(written.reshape(-1, n), tokenizer))  # order-major: row = t * V + v
    model.eval()
    totals = torch.zeros(len(candidates), dtype=torch.float64)
    for start in range(0, len(targets), batch_size):
        rows = torch.arange(start, min(start + batch_size, len(targets)))
        target = targets[rows].to(device)
        source = inputs[rows % count]
        if prefixed:  # <s> x … P… </s>
            source = torch.cat([source[:, :-1], places[rows // count], source[:, -1:]], dim=1)
        batch = {
            "input_ids": source.to(device),
            "attention_mask": torch.ones(len(rows), source.shape[1], dtype=torch.long, device=device),
            "decoder_input_ids": target[:, :-1],
            "decoder_attention_mask": torch.ones(len(rows), target.shape[1] - 1, dtype=torch.long, device=device),
        }
        # return_dict=False: calt's own models return argmax ids as `.logits`, the logits only in the tuple.
        with torch.no_grad():
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


def is_control(tables: dict) -> bool:
    """Whether a profile's replicate tables (seed → ``losses.csv``) are the control's (``rank_by: baseline``)."""
    return all("rank_by" in table and (table["rank_by"] == CONTROL).all() for table in tables.values())


def rank(losses: pd.DataFrame, rank_by: str) -> pd.DataFrame:
    """``losses`` (one ``loss_step<S>`` column per scoring point) with ``mean``, ``score`` and ``rank`` (1: lowest);
    ``rank_by`` ``baseline`` (the control): the score is the ``baseline`` column; ``lookup``: its one point,
    ``loss_step0`` (the lookup ranker's score: :func:`run_profile`)."""
    if rank_by not in RANK_BY:
        raise ValueError(f"rank_by {rank_by!r}: expected one of {', '.join(RANK_BY)}")
    points = [column for column in losses.columns if column.startswith("loss_step")]
    table = losses.copy()
    table["mean"] = table[points].mean(axis=1)
    table["score"] = criterion_scores(table, "first" if rank_by == LOOKUP else rank_by)
    table = table.sort_values("score", kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def profile_losses(model_dirs: list[tuple[int, str]], x, y, candidates, batch_size=512, device="cpu",
                   prefixed=False) -> pd.DataFrame:  # fmt: skip
    """One row per candidate: its order (text), label, and its loss at every ``(step, model_dir)``."""
    from . import training

    table = _orders(candidates)
    tokenizer = training.PreTrainedTokenizerFast.from_pretrained(model_dirs[-1][1])
    for step, model_dir in model_dirs:
        model = training.load_model(model_dir).to(device)
        table[f"loss_step{step}"] = order_losses(model, tokenizer, x, y, candidates, batch_size, device, prefixed)
    return table


def _orders(candidates) -> pd.DataFrame:
    """One row per candidate: its order (text) and label."""
    n = len(candidates[0])
    return pd.DataFrame(
        {"order": [" ".join(map(str, order)) for order in candidates], "label": [order_label(o, n) for o in candidates]}
    )


def write_table(table: pd.DataFrame, path) -> None:
    with atomic_write(path, "w") as handle:
        table.to_csv(handle, index=False, float_format="%.6g")


def run_profile(replicate: dict, *, train_path, validation_path, folder, num_threads=None) -> pd.DataFrame:
    """One replicate of a profile in ``folder``: write its mixture (``mixture.train``: each sample of the forward
    ``train_path`` in the order the replicate's assignment gives it), train on it (resuming from ``checkpoints/``,
    into ``model/``), score every candidate at every kept checkpoint and at the end, and write the ranked table
    with each order's no-learning baseline (``losses.csv``, its ``rank_by`` on every row).  ``replicate``:
    :meth:`cotorder.runs.Profile.replicate`.  The control (``rank_by: baseline``) trains nothing: every candidate's
    one point, ``loss_step0``, is its baseline (no training step taken), its score too, its margin 0.  Nor does
    ``rank_by: lookup``: its one point is the lookup ranker's score (:class:`cotorder.lookup.Lookup`, fitted on the
    forward training rows, reported on the validation rows), and its margin how far below the baseline that is."""
    data, folder, scoring = replicate["data"], Path(folder), replicate["scoring"]
    task, n, candidates = Task.from_settings(data["task"]), data["n"], data["candidates"]
    x, y = read_samples(train_path, task, n)
    assignment = assign_orders(len(x), len(candidates), data["assignment_seed"])
    mixed = write_mixed(y, candidates, assignment)
    prefixed = data["conditioning"] == "prefix"
    write_split(folder / "mixture.train", np.hstack([x, np.asarray(candidates)[assignment]]) if prefixed else x, mixed)
    vx, vy = read_samples(validation_path, task, n)
    # with the order token, each order's baseline knows its order too (its own predictor: cotorder.baseline)
    baselines = order_baselines(mixed, vy, candidates, *task.value_range(n), assignment if prefixed else None)
    if trains(scoring):
        from . import training

        config = training_config(replicate["training"], train_path=folder / "mixture.train",
                                 test_path=validation_path, output_dir=folder / "model",
                                 checkpoint_dir=folder / "checkpoints", num_threads=num_threads)  # fmt: skip
        summary = training.train(config)
        points = [(step, str(path)) for step, path in scoring_steps(folder / "checkpoints")]
        if not points or points[-1][0] != summary["global_step"]:
            points.append((summary["global_step"], str(folder / "model")))
        device = training.select_device(scoring["device"])
        training.set_precision("fp32")
        print(f"scoring {len(candidates)} orders x {len(vx)} samples at steps "
              f"{', '.join(str(step) for step, _ in points)}", flush=True)  # fmt: skip
        losses = profile_losses(points, vx, vy, candidates, scoring["batch_size"], device, prefixed)
    elif scoring["rank_by"] == LOOKUP:
        print(f"rank_by: lookup: {len(candidates)} orders ranked by how well each step is looked up from the steps "
              f"written before it and the inputs (count tables of {min(len(x), ROWS)} training rows, scored on "
              f"{min(len(vx), ROWS)} validation samples); no model trained", flush=True)  # fmt: skip
        scores = Lookup.for_task(task, n, x, y, vx, vy).score(candidates)
        losses = _orders(candidates).assign(loss_step0=scores)
    else:
        print(f"the control (rank_by: baseline): {len(candidates)} orders ranked by their no-learning baseline "
              f"alone on {len(vx)} samples; no model trained", flush=True)  # fmt: skip
        losses = _orders(candidates).assign(loss_step0=baselines.losses)
    table = rank(losses.assign(baseline=baselines.losses), scoring["rank_by"])
    table["margin"] = table["baseline"] - table["score"]
    table["baseline_prior"], table["baseline_order_prior"] = baselines.prior, baselines.order_prior
    table["rank_by"] = scoring["rank_by"]
    write_table(table, folder / "losses.csv")
    return table


def run_round(replicate: dict, move: str, size: int, keep: int, survivors, folder, num_threads=None,
              per_block: bool = False, confirm: int = 1, previous: dict | None = None) -> dict:  # fmt: skip
    """One search round (:func:`cotorder.search.play_round`), each ranking a loss profile (``replicate`` as for
    :func:`run_profile`, its candidates replaced) in ``folder``: the round's best ``keep`` orders, best first, with
    the round's median score and the winner's baseline, so that rounds of different sizes can be compared by
    margins, and the ``rank_by`` that ranked them (``baseline``: the control, which trains nothing).

    A round of one profile profiles in ``folder``.  A round of several — an intra round ``per_block`` (each block
    in ``folder/block<i>``, the combined order against the incumbent in ``folder/combined``, the two alone with
    half the samples each) or a climb round (the incumbent and its insertion moves in ``folder/moves``, each
    re-scoring of the best move against the incumbent in ``folder/confirm<i>``, the i-th on the fresh replicate
    :func:`fresh_replicate` i − 1) — writes every profile's table to ``folder/losses.csv`` (column ``block``:
    the block's index or ``combined``; ``part`` in a climb round).  A climb round after the climb's end
    (``previous`` says ``converged``) profiles nothing: its ``losses.csv`` has no rows.
    """
    folder, rank_by = Path(folder), replicate["scoring"]["rank_by"]

    def profile(candidates, part, fresh):
        return _profile_candidates(fresh_replicate(replicate, fresh), candidates, folder / part if part else folder,
                                   num_threads)  # fmt: skip

    record, tables = play_round(move, size, keep, survivors, profile, per_block=per_block, confirm=confirm,
                                previous=previous)  # fmt: skip
    if not tables:
        write_table(pd.DataFrame(columns=["order", "score", "baseline", "part"]), folder / "losses.csv")
    elif tables[0][0] is not None:  # several profiles: one table of them all
        column = "part" if move == "climb" else "block"
        write_table(pd.concat([table.assign(**{column: part}) for part, table in tables], ignore_index=True),
                    folder / "losses.csv")  # fmt: skip
    return {**record, "rank_by": rank_by}


def fresh_replicate(replicate: dict, fresh: int) -> dict:
    """``replicate`` (0) or its ``fresh``-th fresh replicate: the same data and settings with another sample-to-order
    assignment and model initialisation, each seed drawn from (the replicate's seed, ``fresh``)."""
    if fresh == 0:
        return replicate
    seed = int(np.random.SeedSequence([replicate["data"]["assignment_seed"], fresh]).generate_state(1)[0])
    training = {**replicate["training"], "train": {**replicate["training"]["train"], "seed": seed}}
    return {**replicate, "data": {**replicate["data"], "assignment_seed": seed}, "training": training}


def _profile_candidates(replicate: dict, candidates, folder: Path, num_threads=None) -> pd.DataFrame:
    """A profile of ``candidates`` in ``folder`` (its data, mixture, model and ranked table)."""
    replicate = {**replicate, "data": {**replicate["data"], "candidates": candidates}}
    paths = {"train_path": folder / "data.train", "validation_path": folder / "data.valid"}
    write_profile_data(replicate["data"], **paths)
    return run_profile(replicate, **paths, folder=folder, num_threads=num_threads)


# ---------------------------------------------------------------- plot


def plot_profile(summary: pd.DataFrame, tables: dict, verdict: dict, tokens: pd.DataFrame, path, title: str = "",
                 curves: int = 5) -> None:  # fmt: skip
    """A profile over its replicates (:mod:`cotorder.evidence`), its verdict and whether its ranking follows the
    token statistics in the title.  Top left: every order's mean score by rank, ± its standard deviation over
    seeds, each seed's score, its no-learning baseline, forward and inverse marked.  Top right: the loss over
    training (mean over seeds) of the ``curves`` best and worst orders and of forward and inverse.  Bottom left:
    each seed's rank of every order against the mean rank.  Bottom right: every order's rank by the model's mean
    score against its rank by the no-learning baseline's, with Spearman's ρ of the two rankings per seed
    (``tokens``: :func:`cotorder.evidence.baseline_agreement` of ``tables``).  The control's (``rank_by:
    baseline``) says so in its title: no model was trained."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .evidence import token_statement

    figure, ((left, middle), (right, against)) = plt.subplots(2, 2, figsize=(15, 10), layout="constrained")
    left.errorbar(summary["rank"], summary["score_mean"], yerr=summary["score_sd"].fillna(0), fmt=".", color="0.4",
                  ecolor="0.75", label="mean ± sd over seeds")  # fmt: skip
    left.plot(summary["rank"], summary["baseline"], color="tab:purple", linewidth=1, label="no-learning baseline")
    by_order = summary.set_index("order")
    for table in tables.values():
        left.plot(by_order.loc[table["order"], "rank"], table["score"], ".", markersize=3, alpha=0.4)
    for label, colour in (("forward", "tab:green"), ("inverse", "tab:red")):
        for _, row in summary[summary["label"] == label].iterrows():
            left.plot(row["rank"], row["score_mean"], marker="o", markersize=9, color=colour, linestyle="none",
                      label=f"{label}: rank {row['rank']} of {len(summary)}")  # fmt: skip
    left.set(xlabel="rank by mean score (1 = lowest loss)", ylabel="score (validation loss, nats/token)",
             title="every order's score")  # fmt: skip
    left.legend(fontsize=8)
    points = [column for column in next(iter(tables.values())).columns if column.startswith("loss_step")]
    steps = [int(column.removeprefix("loss_step")) for column in points]
    curve = sum(table.set_index("order")[points] for table in tables.values()) / len(tables)
    shown = pd.concat([summary.head(curves), summary.tail(curves), summary[summary["label"] != ""]])
    for _, row in shown.drop_duplicates("order").iterrows():
        style = {"forward": "tab:green", "inverse": "tab:red"}.get(row["label"])
        best = row["rank"] <= curves
        middle.plot(steps, curve.loc[row["order"]].to_numpy(dtype=float), marker=".", linewidth=2 if style else 1,
                    color=style or ("tab:blue" if best else "tab:orange"), alpha=1 if style else 0.6,
                    label=row["label"] or None)  # fmt: skip
    middle.plot([], [], color="tab:blue", label=f"best {curves}")
    middle.plot([], [], color="tab:orange", label=f"worst {curves}")
    middle.set(xlabel="training step", ylabel="validation loss (mean over seeds)", title="loss over training")
    middle.legend(fontsize=8)
    for seed in tables:
        right.plot(summary["rank"], summary[f"rank_seed{seed}"], ".", markersize=4, label=f"seed {seed}")
    right.plot([1, len(summary)], [1, len(summary)], color="0.6", linewidth=0.8)
    pairs = agreement(tables)["spearman"]
    rho = f"Spearman's ρ {pairs.mean():.2f} ({pairs.min():.2f} to {pairs.max():.2f})" if len(pairs) else "one seed"
    right.set(xlabel="rank by mean score", ylabel="the seed's rank", title=f"rank agreement: {rho}")
    right.legend(fontsize=8)
    for label, colour in (("forward", "tab:green"), ("inverse", "tab:red"), ("", "0.4")):
        shown = summary[summary["label"] == label]
        if len(shown):
            against.plot(shown["baseline_rank"], shown["rank"], "o" if label else ".", color=colour,
                        markersize=9 if label else 5, label=label or "other orders")  # fmt: skip
    against.plot([1, len(summary)], [1, len(summary)], color="0.6", linewidth=0.8)
    rho = ", ".join(f"{row.spearman:.2f}" for row in tokens.itertuples())
    against.set(xlabel="rank by the no-learning baseline (mean over seeds; 1 = lowest loss)",
               ylabel="rank by the model's mean score",
               title=textwrap.fill(f"token statistics: Spearman's ρ with the model, by seed: {rho}", 75))  # fmt: skip
    against.legend(fontsize=8)
    seeds = ", ".join(str(seed) for seed in tables)
    head = f"{title or 'loss profile'} (seeds {seeds}): {verdict['verdict'].upper()}"
    if is_control(tables):
        head += " (the CONTROL: ranked by the no-learning baseline alone, no model trained)"
    lines = [head, *textwrap.wrap(verdict["reason"], 150), *textwrap.wrap(token_statement(tokens)["statement"], 150)]
    figure.suptitle("\n".join(lines), fontsize=10)

    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110)
    plt.close(figure)
