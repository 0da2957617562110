"""Loss profiling: candidates, balanced assignment, the batched scorer, ranking."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from training_helpers import tiny_config, write_relu

from cotorder import training
from cotorder.baseline import order_baselines
from cotorder.candidates import (
    assign_orders,
    candidate_orders,
    disjoint_inputs,
    order_label,
    write_mixed,
    write_profile_data,
)
from cotorder.config import resolve, total_steps
from cotorder.datafiles import DataFormatError
from cotorder.evidence import summarize, verdict
from cotorder.orders import apply_order
from cotorder.profiling import is_control, order_losses, plot_profile, rank, read_samples, run_profile
from cotorder.runs import plan
from cotorder.study import read_replicate_tables
from cotorder.tasks import Task
from cotorder.training import build_model, build_tokenizer, load_model, load_split, make_collator


@pytest.mark.parametrize("count,orders", [(100, 7), (128, 128), (5, 8), (1000, 3)])
def test_assignment_is_balanced(count, orders):
    sizes = np.bincount(assign_orders(count, orders, seed=3), minlength=orders)
    assert sizes.sum() == count and set(sizes) <= {count // orders, math.ceil(count / orders)}


def test_assignment_is_seeded():
    assert (assign_orders(500, 9, seed=1) == assign_orders(500, 9, seed=1)).all()
    assert (assign_orders(500, 9, seed=1) != assign_orders(500, 9, seed=2)).any()


def test_mixed_rows_are_written_in_their_assigned_order():
    y = Task("relu").outputs(Task("relu").sample_inputs(5, 60, 1))
    candidates = candidate_orders(5, "random", 4, seed=2)
    assignment = assign_orders(60, 4, seed=0)
    mixed = write_mixed(y, candidates, assignment)
    for row in range(60):
        assert mixed[row].tolist() == apply_order(y[row : row + 1], candidates[assignment[row]])[0].tolist()


@pytest.mark.parametrize("kind", ["random", "forward_plus_random"])
def test_candidates_are_distinct_orders_seeded(kind):
    orders = candidate_orders(5, kind, 40, seed=4)
    assert len({tuple(o) for o in orders}) == 40 and all(sorted(o) == list(range(5)) for o in orders)
    assert orders == candidate_orders(5, kind, 40, seed=4)
    if kind == "forward_plus_random":
        assert orders[0] == [0, 1, 2, 3, 4] and [0, 1, 2, 3, 4] not in orders[1:]


def test_named_orders_come_first():
    orders = candidate_orders(4, "random", 10, seed=1, include=["inverse", "forward"])
    assert orders[:2] == [[3, 2, 1, 0], [0, 1, 2, 3]] and len({tuple(o) for o in orders}) == 10
    assert candidate_orders(4, "forward_plus_random", 5, include=["inverse"])[:2] == [[0, 1, 2, 3], [3, 2, 1, 0]]


def test_every_order_of_small_n():
    assert sorted(map(tuple, candidate_orders(3, "random", 6, seed=0))) == sorted(
        {(a, b, c) for a in range(3) for b in range(3) for c in range(3) if len({a, b, c}) == 3}
    )


@pytest.mark.parametrize(
    "args,message",
    [
        ((3, "random", 7), "7 distinct orders asked for, but n = 3 has only 6"),
        ((3, "sorted", 2), "unknown candidate set 'sorted'"),
        ((3, "forward_plus_random", 1, 0, None, ["inverse"]), "count 1 is smaller than the 2 orders included"),
        ((3, None, None, 0, [[0, 1, 2], [0, 1, 2]]), r"order \[0, 1, 2\] appears more than once"),
        ((3, None, None, 0, [[0, 1]]), "has length 2, expected n = 3"),
    ],
)
def test_bad_candidates(args, message):
    with pytest.raises(ValueError, match=message):
        candidate_orders(*args)


def test_labels():
    assert [order_label(o, 3) for o in ([0, 1, 2], [2, 1, 0], [1, 0, 2])] == ["forward", "inverse", ""]


def test_total_steps_counts_as_the_trainer():
    assert total_steps(1000, {"max_steps": -1, "num_train_epochs": 1, "batch_size": 128}) == 8
    assert total_steps(1000, {"max_steps": -1, "num_train_epochs": 2.5, "batch_size": 100}) == 25
    assert total_steps(1000, {"max_steps": 7, "num_train_epochs": 1, "batch_size": 128}) == 7


def test_validation_inputs_avoid_the_test_split():
    task = Task("index", m=1)  # n = 3: inputs in 1..2, only 8 distinct: overlaps are certain
    test = task.sample_inputs(3, 3, seed=1)
    kept = disjoint_inputs(task, 3, 4, seed=2, exclude=test)
    assert len(kept) == 4 and not {tuple(r) for r in kept} & {tuple(r) for r in test}
    every = np.array([[a, b, c] for a in (1, 2) for b in (1, 2) for c in (1, 2)])
    with pytest.raises(ValueError, match="cannot draw 4 validation inputs apart from the test split"):
        disjoint_inputs(task, 3, 4, seed=2, exclude=every)


def one_order_at_a_time(model, tokenizer, x, y, order, prefixed=False):
    """The plain reference: the order's texts through the tokenizer and calt's collator, one batch; ``prefixed``:
    each input followed by its order's P<k> tokens (conditioning).  The loss covers the target's value tokens only."""
    texts = [" ".join([*map(str, a), *(f"P{p}" for p in order if prefixed)]) for a in x.tolist()]
    written = apply_order(y, order)
    items = [{"input": tokenizer(a)["input_ids"], "target": tokenizer(" ".join(map(str, b)))["input_ids"]}
             for a, b in zip(texts, written.tolist(), strict=True)]  # fmt: skip
    batch = make_collator(tokenizer)(items)
    labels = batch.pop("labels")
    logits = model(**batch, return_dict=False)[0]
    losses = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
    values = labels != tokenizer.eos_token_id  # the n value tokens, not </s>
    return float((losses * values).sum() / values.sum())


@pytest.mark.parametrize("model_type", ["bart", "decoder_only"])
def test_batched_scorer_equals_one_order_at_a_time(tmp_path, model_type):
    paths = write_relu(tmp_path, 5, train=10, test=10)
    config = tiny_config(paths, tmp_path / "out", 5, model_type=model_type)
    config["model"] |= {"num_encoder_layers": 1, "num_decoder_layers": 1, "dropout": 0.0, "model_type": model_type}
    cfg = resolve(config)
    tokenizer = build_tokenizer(cfg["data"])
    model = build_model(cfg["model"], tokenizer, seed=3).eval()
    task = Task("relu")
    x = task.sample_inputs(5, 13, seed=9)
    y = task.outputs(x)
    candidates = candidate_orders(5, "forward_plus_random", 6, seed=1)
    batched = order_losses(model, tokenizer, x, y, candidates, batch_size=7)  # batches cut across orders
    with torch.no_grad():
        expected = [one_order_at_a_time(model, tokenizer, x, y, order) for order in candidates]
    assert batched == pytest.approx(expected, rel=1e-5)


def test_rank_by_each_criterion():
    losses = pd.DataFrame(
        {
            "order": ["a", "b", "c"],
            "label": ["forward", "", ""],
            "loss_step10": [1.0, 2.0, 3.0],
            "loss_step20": [0.9, 0.5, 0.8],
        }
    )
    assert rank(losses, "first")["order"].tolist() == ["a", "b", "c"]
    assert rank(losses, "final")["order"].tolist() == ["b", "c", "a"]
    ranked = rank(losses, "mean")
    assert ranked["order"].tolist() == ["a", "b", "c"] and ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["mean"].tolist() == pytest.approx([0.95, 1.25, 1.9])
    with pytest.raises(ValueError, match="rank_by 'best'"):
        rank(losses, "best")
    by_baseline = rank(losses.assign(baseline=[3.0, 1.0, 2.0]), "baseline")  # the control: the baseline alone
    assert by_baseline["order"].tolist() == ["b", "c", "a"] and by_baseline["score"].tolist() == [1.0, 2.0, 3.0]


def test_forward_relu_ranks_first_among_random_orders(tmp_path):
    """The method's central claim at the smallest scale where it held on this CPU: relu, n = 6, forward among
    15 random orders, 2,000 samples, 100 steps of a 1-layer d_model 128 model, at the default seeds (candidate
    seed 0, replicate seed 0).  Measured over candidate seeds 0-4 × replicate seeds 0-2: forward first in 11 of
    the 15, else 2nd, 4th, 4th and 6th of 16 — a check that the pipeline still finds the effect where it is
    strong, not evidence for it (that is the README's study, over seeds)."""
    config = {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "n": [6], "directions": ["forward"]}},
        "profiles": {
            "relu": {
                "task": "relu",
                "n": 6,
                "candidates": {"kind": "forward_plus_random", "count": 16, "seed": 0},
                "train_samples": 2000,
                "validation_samples": 200,
                "model": {"d_model": 128, "decoder_ffn_dim": 512, "dropout": 0.0},
                "train": {"batch_size": 64, "learning_rate": 1e-3, "max_steps": 100},
            }
        },
    }
    profile = plan(config).profiles["relu"]
    paths = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    write_profile_data(profile.data, **paths)
    table = run_profile(profile.replicate(0), **paths, folder=tmp_path, num_threads=2)
    assert table.loc[0, "label"] == "forward", table.head(3)
    assert table["order"].nunique() == 16 and pd.read_csv(tmp_path / "losses.csv")["rank"].tolist() == list(
        range(1, 17)
    )
    assert [c for c in table.columns if c.startswith("loss_step")] == ["loss_step25", "loss_step50", "loss_step75",
                                                                       "loss_step100"]  # fmt: skip


def test_conditioning_prefix_is_in_training_and_scoring_and_not_in_the_loss(tmp_path):
    config = {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "n": [4], "directions": ["forward"]}},
        "profiles": {
            "p": {
                "task": "relu",
                "n": 4,
                "conditioning": "prefix",
                "candidates": {"kind": "forward_plus_random", "count": 3, "seed": 0, "include": ["inverse"]},
                "train_samples": 60,
                "validation_samples": 10,
                "score_points": 1,
                "model": {"d_model": 32, "decoder_ffn_dim": 64, "dropout": 0.0},
                "train": {"batch_size": 16, "learning_rate": 1e-3, "max_steps": 4},
            }  # fmt: skip
        },
    }
    profile = plan(config).profiles["p"]
    paths = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    write_profile_data(profile.data, **paths)
    table = run_profile(profile.replicate(0), **paths, folder=tmp_path, num_threads=1)
    # Training: every mixture line carries its order after its inputs, and the outputs are written in it.
    task, candidates = Task("relu"), [list(map(int, o.split())) for o in table["order"]]
    for line in (tmp_path / "mixture.train").read_text().splitlines():
        inputs, outputs = (list(map(int, part.split())) for part in line.split(" : "))
        x, order = inputs[:4], inputs[4:]
        assert order in candidates and outputs == apply_order(task.outputs(np.array([x])), order)[0].tolist()
    resolved = resolve({**profile.training, "data": {**profile.training["data"], "train_path": "-", "test_path": "-"},
                        "train": {**profile.training["train"], "output_dir": "-"}})  # fmt: skip
    tokenizer = build_tokenizer(resolved["data"])
    first = load_split(tmp_path / "mixture.train", tokenizer, data=resolved["data"])[0]
    places = [tokenizer.convert_ids_to_tokens(i) for i in first["input"]][5:9]
    assert places == [f"P{p}" for p in (tmp_path / "mixture.train").read_text().split(" : ")[0].split()[4:]]
    assert not any(t.startswith("P") for t in tokenizer.convert_ids_to_tokens(first["target"]))  # not in the loss
    # Scoring: the batched scorer writes each candidate's prefix, as the reference through the tokenizer does.
    model = load_model(tmp_path / "model").eval()
    x = task.sample_inputs(4, 9, seed=5)
    y = task.outputs(x)
    batched = order_losses(model, tokenizer, x, y, candidates, batch_size=4, prefixed=True)
    with torch.no_grad():
        expected = [one_order_at_a_time(model, tokenizer, x, y, order, prefixed=True) for order in candidates]
        other = [one_order_at_a_time(model, tokenizer, x, y, candidates[0], prefixed=True) for _ in candidates]
    assert batched == pytest.approx(expected, rel=1e-5)
    assert order_losses(model, tokenizer, x, y, candidates, prefixed=False)[1] != pytest.approx(expected[1], rel=1e-5)
    assert other[0] == pytest.approx(expected[0]) and other[1] != pytest.approx(expected[1])  # the prefix matters
    with pytest.raises(DataFormatError, match="order prefix"):
        bad = tmp_path / "bad.train"
        bad.write_text("1 2 3 4 0 0 1 2 : 1 3 6 10\n")
        load_split(bad, tokenizer, data=resolved["data"])


@pytest.mark.parametrize("conditioning", ["none", "prefix"])
def test_the_control_ranks_by_the_baseline_alone_trains_nothing_and_is_never_signal(tmp_path, monkeypatch,
                                                                                    conditioning):  # fmt: skip
    """rank_by: baseline: each replicate writes its mixture and ranks the candidates exactly by their no-learning
    baseline (the one a model profile reports); no model is trained; over three seeds the verdict is no signal."""
    config = {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "n": [5], "directions": ["forward"]}},
        "profiles": {
            "c": {
                "task": "relu",
                "n": 5,
                "candidates": {"kind": "forward_plus_random", "count": 12, "seed": 1},
                "seeds": [0, 1, 2],
                "rank_by": "baseline",
                "conditioning": conditioning,
                "train_samples": 600,
                "validation_samples": 80,
            }  # fmt: skip
        },
    }
    profile = plan(config).profiles["c"]
    monkeypatch.setattr(training, "train", lambda *args, **kwargs: pytest.fail("the control trained a model"))
    paths = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    write_profile_data(profile.data, **paths)
    task, candidates = Task("relu"), profile.data["candidates"]
    for seed in profile.seeds:
        folder = tmp_path / f"seed={seed}"
        run_profile(profile.replicate(seed), **paths, folder=folder)
        table = pd.read_csv(folder / "losses.csv", dtype={"order": str, "label": str}, keep_default_na=False)
        assert table["rank"].tolist() == list(range(1, 13)) and table["baseline"].is_monotonic_increasing
        assert (table["score"] == table["baseline"]).all() and (table["margin"] == 0).all()
        assert [c for c in table if c.startswith("loss_step")] == ["loss_step0"]
        assert (table["loss_step0"] == table["baseline"]).all() and set(table["rank_by"]) == {"baseline"}
        assert {path.name for path in folder.iterdir()} == {"mixture.train", "losses.csv"}  # no model, no checkpoint
        # each order's baseline is the one fitted on this seed's mixture, as a model profile reports it
        x, y = read_samples(paths["train_path"], task, 5)
        assignment = assign_orders(len(x), len(candidates), seed)
        expected = order_baselines(write_mixed(y, candidates, assignment), read_samples(paths["validation_path"], task,
                                   5)[1], candidates, *task.value_range(5),
                                   assignment if conditioning == "prefix" else None).losses  # fmt: skip
        by_order = dict(zip((" ".join(map(str, o)) for o in candidates), expected, strict=True))
        assert table["baseline"].to_numpy() == pytest.approx(table["order"].map(by_order).to_numpy(), abs=1e-5)
        assert table["order"].iloc[0] == min(by_order, key=by_order.get)
    tables = read_replicate_tables({seed: tmp_path / f"seed={seed}" / "losses.csv" for seed in profile.seeds})
    summary = summarize(tables)
    found = verdict(summary, control=is_control(tables))
    assert found["verdict"] == "no signal" and found["margin"] == 0 and is_control(tables)
    assert found["reason"].startswith("the control (rank_by: baseline): no model trained")
    plot_profile(summary, tables, found, pd.DataFrame({"seed": [0], "spearman": [1.0]}), tmp_path / "c.png")  # runs


def test_rank_by_lookup_ranks_by_the_lookup_ranker_and_trains_nothing(tmp_path, monkeypatch):
    """rank_by: lookup, in a profile and a search: planned as a job that trains no model; each candidate's score is
    the lookup ranker's (fitted on the profile's training rows, reported on its validation rows), the baseline beside
    it; relu's forward, every step a lookup of the one before and its input, ranks first."""
    from types import SimpleNamespace

    from cotorder.lookup import Lookup

    profile = {"task": "relu", "n": 5, "candidates": {"kind": "forward_plus_random", "count": 12, "seed": 1},
               "seeds": [0], "rank_by": "lookup", "train_samples": 600, "validation_samples": 200}  # fmt: skip
    search = {"task": "relu", "n": 5, "depth": 2, "initial": {"kind": "random", "seed": 0}, "rank_by": "lookup",
              "train_samples": 600, "validation_samples": 200}  # fmt: skip
    config = {
        "run_tasks": [],
        "tasks": {"relu": {"kind": "relu", "n": [5], "directions": ["forward"]}},
        "profiles": {"l": profile},
        "searches": {"s": search},
    }
    planned = plan(config)
    assert not planned.trains_model(SimpleNamespace(profile="l"))
    assert not planned.trains_model(SimpleNamespace(search="s", seed=0, round=1))
    monkeypatch.setattr(training, "train", lambda *args, **kwargs: pytest.fail("rank_by: lookup trained a model"))
    paths = {"train_path": tmp_path / "data.train", "validation_path": tmp_path / "data.valid"}
    replicate = planned.profiles["l"].replicate(0)
    write_profile_data(replicate["data"], **paths)
    table = run_profile(replicate, **paths, folder=tmp_path / "seed=0")
    task, candidates = Task("relu"), replicate["data"]["candidates"]
    x, y = read_samples(paths["train_path"], task, 5)
    expected = Lookup(x, y, validation=read_samples(paths["validation_path"], task, 5),
                      values=np.subtract(*task.value_range(5)[::-1]) + 1).score(candidates)  # fmt: skip
    by_order = dict(zip((" ".join(map(str, o)) for o in candidates), expected, strict=True))
    assert table["score"].to_numpy() == pytest.approx(table["order"].map(by_order).to_numpy(), abs=1e-12)
    assert table["label"].iloc[0] == "forward" and table["rank"].tolist() == list(range(1, 13))
    assert (table["margin"] == table["baseline"] - table["score"]).all() and set(table["rank_by"]) == {"lookup"}
    assert {path.name for path in (tmp_path / "seed=0").iterdir()} == {"mixture.train", "losses.csv"}  # no model


@pytest.mark.parametrize(
    "line,message",
    [
        ("1 2 3 4 : 1 3 6 11", r"data.valid:2: outputs \[1, 3, 6, 11\] are not the forward relu \(seminar\) CoT"),
        ("1 2 3 : 1 3 6", "data.valid:2: 3 inputs, expected n = 4"),
        ("1 2 3 4 : 1 3 6", "data.valid:2: 3 outputs, expected n = 4"),
        ("1 2 3 40 : 1 3 6 46", "data.valid:2: 40 is outside the relu vocabulary -9..36 at n = 4"),
        ("1 2 3 4 1 3 6 10", "data.valid:2: no ' : ' or ' # ' separator"),
        ("1 2 x 4 : 1 3 6 10", "data.valid:2: 'x' is not an integer"),
    ],
)
def test_a_profiles_data_files_are_checked_line_by_line(tmp_path, line, message):
    path = tmp_path / "data.valid"
    path.write_text(f"1 1 1 1 : 1 2 3 4\n{line}\n")
    with pytest.raises(DataFormatError, match=message):
        read_samples(path, Task("relu"), 4)
