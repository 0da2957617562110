"""Task definitions, random streams and orders against DESIGN.md and an independent reference."""

import numpy as np
import pytest
import reference

from cotorder.orders import apply_order, check_permutation, order_positions, parse_permutation
from cotorder.tasks import Task


def first_sample(task, n, seed=42):
    x = task.sample_inputs(n, 1, seed)
    return x[0].tolist(), task.outputs(x)[0].tolist()


# DESIGN.md's test vectors.
def test_relu_vector():
    assert first_sample(Task("relu"), 5) == ([-8, 5, 3, -1, -1], [0, 5, 8, 7, 6])


def test_square_vector():
    assert first_sample(Task("square"), 5) == ([-8, 5, 3, -1, -1], [-8, 4, -3, 1, -7])


def test_index_vector():
    x, y = first_sample(Task("index", m=2), 13)
    assert x == [11, 2, 1, 12, 5, 4, 4, 3, 12, 2, 11, 12, 9]
    assert y == [12, 9] + [12] * 11


def test_relu_orders_vector():
    task = Task("relu")
    y = task.outputs(task.sample_inputs(5, 1, 42))
    assert apply_order(y, order_positions("inverse", 5))[0].tolist() == [6, 7, 8, 5, 0]
    assert apply_order(y, order_positions([1, 0, 2, 3, 4], 5))[0].tolist() == [5, 0, 8, 7, 6]


def test_paper_square_example():
    x = np.array([[7, -2, 4, 1, 3]])
    assert Task("square", variant="paper").outputs(x)[0].tolist() == [7, -4, -6, -1, -9]


def test_paper_relu_keeps_negative_first_step():
    x = np.array([[-3, 5, -9, 2]])
    assert Task("relu", variant="paper").outputs(x)[0].tolist() == [-3, 2, 0, 2]
    assert Task("relu").outputs(x)[0].tolist() == [0, 5, 0, 2]


def test_paper_index_starts_with_first_input():
    x = np.array([[3, 1, 2, 1, 4]])
    # paper: y1 = x1 = 3; y2 = x[3 % 5] = 1; y3 = x[(3+1) % 5] = 4; y4 = x[(1+4) % 5] = 3; y5 = x[(4+3) % 5] = 2
    assert Task("index", variant="paper", m=2).outputs(x)[0].tolist() == [3, 1, 4, 3, 2]
    # seminar: y1 = x[x1 mod n] = x[3] = 1
    assert Task("index", m=2).outputs(x)[0].tolist()[0] == 1


CASES = [
    ("relu", {"variant": "seminar"}),
    ("relu", {"variant": "paper", "value_min": -3, "value_max": 20}),
    ("square", {"variant": "seminar"}),
    ("square", {"variant": "paper", "modulus": 7, "value_min": -4, "value_max": 4}),
    ("index", {"variant": "seminar", "m": 2}),
    ("index", {"variant": "paper", "m": 4}),
    ("index", {"variant": "seminar", "m": 1}),
]


@pytest.mark.parametrize("kind,params", CASES)
@pytest.mark.parametrize("n", [2, 7, 13, 31])
def test_matches_reference_streams_and_definitions(kind, params, n):
    task = Task(kind, **params)
    x = task.sample_inputs(n, 300, seed=123)
    expected = list(reference.samples(kind, n, 300, 123, **params))
    assert x.tolist() == [sample[0] for sample in expected]
    assert task.outputs(x).tolist() == [sample[1] for sample in expected]


def test_bulk_mersenne_stream_matches_python_over_many_rejections():
    # n = 17: randint(1, 16) draws 5 bits and rejects about half the words.
    task = Task("index", m=3)
    x = task.sample_inputs(17, 5000, seed=7)
    assert x.tolist() == [s[0] for s in reference.samples("index", 17, 5000, 7, m=3)]


@pytest.mark.parametrize("kind,params", CASES)
def test_outputs_stay_in_value_range(kind, params):
    task = Task(kind, **params)
    for n in (2, 9, 30):
        x = task.sample_inputs(n, 2000, seed=1)
        low, high = task.value_range(n)
        both = np.concatenate([x, task.outputs(x)])
        assert low <= both.min() and both.max() <= high


def test_inverse_is_reversed_forward():
    y = Task("square").outputs(Task("square").sample_inputs(9, 50, 3))
    assert (apply_order(y, order_positions("inverse", 9)) == y[:, ::-1]).all()


def test_permutation_is_a_gather():
    y = np.array([[10, 20, 30, 40]])
    assert apply_order(y, order_positions([2, 0, 3, 1], 4)).tolist() == [[30, 10, 40, 20]]


@pytest.mark.parametrize(
    "perm,message",
    [
        ([0, 1], "length 2, expected n = 3"),
        ([0, 0, 1], "position 0 appears more than once"),
        ([0, 1, 3], "out of range"),
    ],
)
def test_bad_permutations(perm, message):
    with pytest.raises(ValueError, match=message):
        check_permutation(perm, 3)


def test_parse_permutation():
    assert parse_permutation("2, 0,1") == [2, 0, 1]
    with pytest.raises(ValueError, match="'a' is not an integer"):
        parse_permutation("0,a,1")


@pytest.mark.parametrize(
    "params,message",
    [
        ({"kind": "cube"}, "unknown task kind 'cube'"),
        ({"kind": "relu", "variant": "book"}, "unknown variant 'book'"),
        ({"kind": "relu", "value_min": 3, "value_max": 2}, "value_min 3 > value_max 2"),
        ({"kind": "square", "modulus": 1}, "modulus 1 < 2"),
        ({"kind": "index", "m": 0}, "m 0 < 1"),
    ],
)
def test_bad_task_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        Task(**params)
