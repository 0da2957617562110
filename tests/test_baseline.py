"""The no-learning baseline: its counts by hand, β chosen on held-out rows, and per-order predictors under prefix."""

import math

import numpy as np
import pytest

from cotorder.baseline import PRIOR, PRIORS, choose_prior, fit, held_out_losses, loss, order_baselines
from cotorder.candidates import assign_orders, candidate_orders, write_mixed
from cotorder.tasks import Task


def test_baseline_on_a_hand_made_mixture():
    """Two places, values 0 and 1, four written samples, β = 1: every probability counted by hand."""
    written = np.array([[0, 1], [1, 0], [0, 1], [0, 0]])
    table = np.exp(fit(written, 0, 1, prior=1.0))
    # place 0 follows the start: counts 3, 1 → place frequencies (3+1)/6, (1+1)/6 → ([3, 1] + 1·those) / (4 + 1)
    assert table[0, 2] == pytest.approx([11 / 15, 4 / 15])
    # place 1: frequencies (2+1)/6 each; after a 0 the counts are 1, 2 (of 3), after a 1 they are 1, 0 (of 1)
    assert table[1, 0] == pytest.approx([(1 + 0.5) / 4, (2 + 0.5) / 4])
    assert table[1, 1] == pytest.approx([(1 + 0.5) / 2, (0 + 0.5) / 2])
    forward, inverse = order_baselines(written, np.array([[0, 1]]), [[0, 1], [1, 0]], 0, 1, prior=1.0).losses
    assert forward == pytest.approx(-(math.log(11 / 15) + math.log(2.5 / 4)) / 2)
    assert inverse == pytest.approx(-(math.log(4 / 15) + math.log(1.5 / 2)) / 2)
    # β = 3 after a 1 at place 1: ([1, 0] + 3·[1/2, 1/2]) / (1 + 3)
    assert np.exp(fit(written, 0, 1, prior=3.0))[1, 1] == pytest.approx([2.5 / 4, 1.5 / 4])


def test_baseline_of_a_determined_sequence_approaches_zero_and_of_noise_log_v():
    """Where the previous value and the place decide the next, the baseline knows it; where nothing does, it is
    no better than uniform guessing, ln V."""
    rng = np.random.default_rng(0)
    start = rng.integers(0, 5, size=(20_000, 1))
    counting = (start + np.arange(4)) % 5  # each value the previous plus one
    # the first place is a uniform draw (ln 5), the three after it determined (0): ln 5 / 4 per token
    assert loss(fit(counting, 0, 4), counting[:100], 0) == pytest.approx(math.log(5) / 4, abs=0.01)
    noise = rng.integers(0, 5, size=(20_000, 4))
    assert loss(fit(noise, 0, 4), rng.integers(0, 5, size=(2_000, 4)), 0) == pytest.approx(math.log(5), abs=0.01)


def test_baseline_refuses_values_outside_the_range():
    with pytest.raises(ValueError, match="outside 0..1"):
        fit(np.array([[0, 2]]), 0, 1)
    with pytest.raises(ValueError, match="outside 0..1"):
        order_baselines(np.array([[0, 2]]), np.array([[0, 1]]), [[0, 1]], 0, 1)


def test_the_held_out_loss_is_the_fitted_predictors_loss_on_the_held_out_rows():
    """The vectorised curve scores what :func:`fit` on the kept rows and :func:`loss` on the held-out ones give."""
    written = np.random.default_rng(1).integers(-2, 3, size=(200, 3))
    held = np.random.default_rng(7).permutation(200)[:50]  # a quarter, split by seed 7
    kept = np.setdiff1d(np.arange(200), held)
    curve = held_out_losses(written, -2, 2, priors=[0.1, 1.0, 30.0], held_out=0.25, seed=7)
    expected = [loss(fit(written[kept], -2, 2, prior=beta), written[held], -2) for beta in (0.1, 1.0, 30.0)]
    assert curve == pytest.approx(expected)


def test_a_determined_sequence_chooses_the_smallest_prior_and_noise_the_largest():
    """Where the previous value decides the next, every held-out context was seen with its one successor: the less
    weight on the place's frequencies the better, down to the grid's smallest β.  Where the values are independent
    draws, the previous value tells nothing and each context's few counts are noise: the place's frequencies alone
    are best, the top of the grid (the held-out loss flattens out there, β ≥ 1,000)."""
    rng = np.random.default_rng(0)
    counting = (rng.integers(0, 20, size=(2_000, 1)) + np.arange(6)) % 20
    assert choose_prior(counting, 0, 19) == PRIORS[0]
    skewed = rng.choice(20, size=(2_000, 6), p=np.arange(1, 21) / 210)  # uneven frequencies, no dependence
    assert choose_prior(skewed, 0, 19) >= 1_000


def test_too_few_rows_to_hold_out_keep_the_default_prior():
    assert choose_prior(np.array([[0, 1]]), 0, 1) == PRIOR
    assert np.isnan(held_out_losses(np.array([[0, 1]]), 0, 1)).all()


def relu_mixture(seed: int, count: int, orders: int = 8):
    """A relu profile's training mixture at n = 8 (forward and random orders) and its value range."""
    task, n = Task.from_settings({"kind": "relu"}), 8
    candidates = candidate_orders(n, "forward_plus_random", orders, seed=0)
    y = task.outputs(task.sample_inputs(n, count, seed))
    return write_mixed(y, candidates, assign_orders(count, orders, seed)), task.value_range(n)


def test_the_chosen_prior_scores_fresh_relu_samples_no_worse_than_one():
    """On relu at n = 8 (82 values: a previous-value context is seen rarely), β chosen on held-out rows predicts
    fresh samples of the same mixture at least as well as β = 1, up to noise (0.01 nats a token)."""
    train, (low, high) = relu_mixture(seed=1, count=4_000)
    fresh, _ = relu_mixture(seed=2, count=4_000)
    chosen = choose_prior(train, low, high)
    assert loss(fit(train, low, high, chosen), fresh, low) <= loss(fit(train, low, high, 1.0), fresh, low) + 0.01


def test_under_prefix_an_order_determined_by_its_samples_is_known_to_its_own_predictor():
    """Every sample is 0 1 2 forward; written forward or inverse.  Told the order, the predictor knows every token
    (its baseline near 0); pooled over the orders, the first token is a coin flip (ln 2) and so is the last after a
    1 (0 1 → 2, 2 1 → 0): (ln 2 + 0 + ln 2) / 3 a token."""
    y = np.tile([0, 1, 2], (400, 1))
    candidates = [[0, 1, 2], [2, 1, 0]]
    assignment = assign_orders(400, 2, 0)
    mixed = write_mixed(y, candidates, assignment)
    validation = np.tile([0, 1, 2], (10, 1))
    per_order = order_baselines(mixed, validation, candidates, 0, 2, assignment)
    pooled = order_baselines(mixed, validation, candidates, 0, 2)
    assert per_order.losses == pytest.approx([0, 0], abs=0.01)
    assert pooled.losses == pytest.approx([2 * math.log(2) / 3] * 2, abs=0.01)
    assert per_order.order_prior == PRIORS[0] and math.isnan(pooled.order_prior)


def test_the_same_inputs_give_the_same_baselines():
    train, (low, high) = relu_mixture(seed=1, count=2_000)
    assignment = assign_orders(2_000, 8, 1)
    validation = Task.from_settings({"kind": "relu"}).outputs(np.random.default_rng(3).integers(-9, 10, (50, 8)))
    candidates = candidate_orders(8, "forward_plus_random", 8, seed=0)
    for groups in (None, assignment):
        first = order_baselines(train, validation, candidates, low, high, groups)
        again = order_baselines(train.copy(), validation.copy(), candidates, low, high, groups)
        assert np.array_equal(first.losses, again.losses)
        assert np.array_equal([first.prior, first.order_prior], [again.prior, again.order_prior], equal_nan=True)
