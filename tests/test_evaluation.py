"""Evaluation: metrics on hand-made predictions, bounded batched generation, the written files."""

import json

import pytest
import torch
from training_helpers import evaluate_into, tiny_config, write_relu

from cotorder.evaluation import decode, generate, predict, sequence_metrics, token_accuracy
from cotorder.orders import order_positions
from cotorder.training import build_tokenizer, load_model, load_split, make_collator, train

# ---------------------------------------------------------------- metrics on hand-made predictions


def test_forward_metrics():
    targets = [[0, 5, 8, 7], [1, 2, 3, 4], [0, 0, 0, 1]]
    predictions = [[0, 5, 8, 7], [1, 2, 9, 9], [0, 0, 0]]
    m = sequence_metrics(targets, predictions, order_positions("forward", 4))
    assert m["success_rate"] == pytest.approx(1 / 3)
    assert m["position_accuracy"] == pytest.approx([1, 1, 2 / 3, 1 / 3])
    assert m["final_accuracy"] == pytest.approx(1 / 3) and m["num_samples"] == 3


def test_inverse_metrics_are_in_forward_coordinates():
    # y = (0, 5, 8, 7) written inverse is 7 8 5 0; the model gets the first written step (y_4) wrong.
    targets = [[7, 8, 5, 0], [4, 3, 2, 1]]
    predictions = [[6, 8, 5, 0], [4, 3, 2, 1]]
    m = sequence_metrics(targets, predictions, order_positions("inverse", 4))
    assert m["position_accuracy"] == pytest.approx([1, 1, 1, 0.5])
    assert m["final_accuracy"] == pytest.approx(0.5) and m["success_rate"] == pytest.approx(0.5)


def test_permuted_metrics_are_in_forward_coordinates():
    # permutation 1,0,2,3,4 writes y_2 y_1 y_3 y_4 y_5; the model errs on the first written step, y_2.
    targets = [[5, 0, 8, 7, 6]]
    predictions = [[4, 0, 8, 7, 6]]
    m = sequence_metrics(targets, predictions, order_positions([1, 0, 2, 3, 4], 5))
    assert m["position_accuracy"] == [1, 0, 1, 1, 1] and m["final_accuracy"] == 1 and m["success_rate"] == 0


def test_too_long_or_special_token_predictions_are_wrong():
    targets = [[1, 2], [1, 2]]
    m = sequence_metrics(targets, [[1, 2, 3], [1, "<s>"]], order_positions("forward", 2))
    assert m["success_rate"] == 0 and m["position_accuracy"] == [1, 0.5]
    with pytest.raises(ValueError, match="length 3, expected 2"):
        sequence_metrics([[1, 2, 3]], [[1, 2, 3]], [0, 1])


def test_token_accuracy_skips_padding_and_eos():
    labels = torch.tensor([[5, 6, 9, -100], [5, 6, 7, 9]])  # 9 = EOS
    predicted = torch.tensor([[5, 0, 9, 3], [5, 6, 7, 1]])
    assert token_accuracy(predicted, labels, eos_token_id=9) == (4, 5)


def test_decode_stops_at_eos_and_keeps_special_tokens_wrong():
    tokenizer = build_tokenizer({"kind": "relu", "n": 2})
    ids = tokenizer.convert_tokens_to_ids(["-3", "[PAD]", "7", "</s>", "4"])
    assert decode(ids, tokenizer) == [-3, "[PAD]", 7]


# ---------------------------------------------------------------- generation


@pytest.fixture(scope="module")
def eval_models(tmp_path_factory):
    """A briefly trained model of each type on relu n = 5, and the data."""
    root = tmp_path_factory.mktemp("eval")
    paths = write_relu(root, 5, train=600, test=120)
    models = {}
    for model_type in ("bart", "decoder_only", "generic"):
        cfg = tiny_config(paths, root / model_type, 5, model_type=model_type, max_steps=40, save_steps=40)
        models[model_type] = train(cfg)["output_dir"]
    return paths, models


@pytest.mark.parametrize("model_type", ["bart", "decoder_only", "generic"])
def test_batched_generation_matches_one_at_a_time_and_is_bounded(eval_models, model_type):
    paths, models = eval_models
    model = load_model(models[model_type])
    tokenizer = build_tokenizer({"kind": "relu", "n": 5})
    data = load_split(paths["test"], tokenizer, 40)
    batched = predict(model, data, tokenizer, batch_size=16)
    single = predict(model, data, tokenizer, batch_size=1)
    assert batched["predictions"] == single["predictions"]
    assert batched["token_accuracy"] == pytest.approx(single["token_accuracy"])
    batch = make_collator(tokenizer)([data[i] for i in range(8)])
    assert generate(model, batch, 6).shape[1] <= 6  # L + 1 new tokens at most, never 512


def test_evaluate_writes_metrics_and_predictions(eval_models, tmp_path):
    paths, models = eval_models
    metrics = evaluate_into(tmp_path, models["bart"], paths["test"], batch_size=50, num_threads=1)
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == metrics
    for key in ("success_rate", "final_accuracy", "token_accuracy", "num_parameters", "eval_wall_time_s"):
        assert key in metrics
    assert len(metrics["position_accuracy"]) == 5 and metrics["num_samples"] == 120
    assert metrics["training_steps"] == 40 and metrics["train_wall_time_s"] > 0
    lines = (tmp_path / "predictions.txt").read_text().splitlines()
    assert lines[0] == "input\ttarget\tprediction\tcorrect" and len(lines) == 121
    x, y, p, ok = lines[1].split("\t")
    assert len(x.split()) == 5 and len(y.split()) == 5 and ok == str(int(p == y))
    assert sum(int(line.split("\t")[3]) for line in lines[1:]) == round(metrics["success_rate"] * 120)
    assert not list(tmp_path.glob(".*.tmp"))


def test_evaluate_rejects_an_order_of_the_wrong_length(eval_models, tmp_path):
    paths, models = eval_models
    with pytest.raises(ValueError, match="length 4, expected n = 5"):
        evaluate_into(tmp_path, models["bart"], paths["test"], [1, 0, 2, 3], num_threads=1)
