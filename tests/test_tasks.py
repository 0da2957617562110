"""Task definitions, random streams and orders against docs/tasks.md and an independent reference."""

import numpy as np
import pytest

from cotorder import reference
from cotorder.orders import apply_order, check_permutation, order_positions, parse_permutation
from cotorder.tasks import KIND_SETTINGS, KINDS, SettingError, Task


def first_sample(task, n, seed=42):
    x = task.sample_inputs(n, 1, seed)
    return x[0].tolist(), task.outputs(x)[0].tolist()


# The test vectors of docs/tasks.md.
def test_relu_vector():
    assert first_sample(Task("relu"), 5) == ([-8, 5, 3, -1, -1], [0, 5, 8, 7, 6])


def test_square_vector():
    assert first_sample(Task("square"), 5) == ([-8, 5, 3, -1, -1], [-8, 4, -3, 1, -7])


def test_index_vector():
    x, y = first_sample(Task("index", m=2), 13)
    assert x == [11, 2, 1, 12, 5, 4, 4, 3, 12, 2, 11, 12, 9]
    assert y == [12, 9] + [12] * 11


def test_prod_vector():
    # 076 · 448 = 34048, written 034048, least significant digit first.
    assert first_sample(Task("prod"), 6) == ([0, 7, 6, 4, 4, 8], [8, 4, 0, 4, 3, 0])


def test_prod_by_hand():
    # 12 · 34 = 408 → 0408; 99 · 99 = 9801; 00 · 57 = 0000; 9 · 9 = 81 (D = 1).
    task = Task("prod")
    assert task.outputs(np.array([[1, 2, 3, 4], [9, 9, 9, 9], [0, 0, 5, 7]])).tolist() == [
        [8, 0, 4, 0],
        [1, 0, 8, 9],
        [0, 0, 0, 0],
    ]
    assert task.outputs(np.array([[9, 9]])).tolist() == [[1, 8]]
    inverse = apply_order(task.outputs(np.array([[1, 2, 3, 4]])), order_positions("inverse", 4))
    assert inverse.tolist() == [[0, 4, 0, 8]]  # the usual writing, most significant first


def digits_of(number, width):
    return [int(c) for c in str(number).zfill(width)]


def test_prod_beyond_int64():
    # D = 20: products up to 10^40, far past int64; the all-nines case carries through every column.
    task = Task("prod")
    x = task.sample_inputs(40, 500, seed=9)
    extremes = [digits_of(10**20 - 1, 20) * 2, digits_of(10**20 - 1, 20) + digits_of(1, 20), [0] * 40]
    x = np.concatenate([x, np.array(extremes)])
    y = task.outputs(x)
    for row, out in zip(x.tolist(), y.tolist(), strict=True):
        a, b = int("".join(map(str, row[:20]))), int("".join(map(str, row[20:])))
        assert out[::-1] == digits_of(a * b, 40)
    assert y[-3].tolist()[::-1] == digits_of((10**20 - 1) ** 2, 40)


@pytest.mark.parametrize("variant", ["seminar", "paper"])
@pytest.mark.parametrize("seed", [0, 42, 123])
@pytest.mark.parametrize("n", [2, 4, 10, 30])
def test_prod_matches_reference(variant, seed, n):
    task = Task("prod", variant=variant)
    x = task.sample_inputs(n, 300, seed)
    expected = list(reference.samples("prod", n, 300, seed))
    assert x.tolist() == [sample[0] for sample in expected]
    assert task.outputs(x).tolist() == [sample[1] for sample in expected]


def test_prod_variant_changes_nothing():
    x = Task("prod").sample_inputs(8, 200, 5)
    assert (Task("prod", variant="paper").sample_inputs(8, 200, 5) == x).all()
    assert (Task("prod", variant="paper").outputs(x) == Task("prod").outputs(x)).all()


@pytest.mark.parametrize("n", [2, 8, 30])
def test_prod_value_range(n):
    task = Task("prod")
    assert task.value_range(n) == (0, 9)
    x = task.sample_inputs(n, 2000, seed=1)
    both = np.concatenate([x, task.outputs(x)])
    assert both.min() == 0 and both.max() == 9


def test_prod_refuses_odd_n():
    task = Task("prod")
    message = r"prod needs an even n \(two operands of n/2 digits\), got 7"
    for call in (lambda: task.check_length(7), lambda: task.sample_inputs(7, 3, 0)):
        with pytest.raises(SettingError, match=message) as error:
            call()
        assert error.value.key == "n"
    with pytest.raises(SettingError, match="got 3"):
        task.outputs(np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(SettingError, match="prod needs an even --sequence-lengths .*, got 5"):
        task.check_length(5, name=lambda key: "--sequence-lengths")
    task.check_length(2)
    task.check_length(40)


@pytest.mark.parametrize("kind,params", [("relu", {}), ("square", {}), ("index", {"m": 2}), ("prod", {})])
def test_check_length(kind, params):
    task = Task(kind, **params)
    for n in (1, 0, -4):
        with pytest.raises(SettingError, match=f"n must be at least 2, got {n}") as error:
            task.check_length(n)
        assert error.value.key == "n"
    with pytest.raises(SettingError, match="data.n must be at least 2, got 1"):
        task.check_length(1, name=lambda key: f"data.{key}")
    for bad in ("8", 8.0, True, None):
        with pytest.raises(SettingError, match="n must be an integer"):
            task.check_length(bad)
    task.check_length(2)
    if kind != "prod":
        task.check_length(7)


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
@pytest.mark.parametrize("n", [2, 9, 30])
def test_outputs_stay_in_value_range(kind, params, n):
    task = Task(kind, **params)
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
    "params,key,message",
    [
        ({"kind": "cube"}, "kind", "unknown task kind 'cube'"),
        ({"kind": "relu", "variant": "book"}, "variant", "unknown variant 'book'"),
        ({"kind": "relu", "value_min": 3, "value_max": 2}, None, "value_min 3 is greater than value_max 2"),
        ({"kind": "square", "modulus": 1}, "modulus", "modulus must be at least 2, got 1"),
        ({"kind": "index", "m": 0}, "m", "m must be at least 1, got 0"),
        ({"kind": "index"}, "m", "index tasks need m"),
        ({"kind": "relu", "m": 2}, "m", "not a setting of relu tasks"),
        ({"kind": "prod", "value_max": 9}, "value_max", "not a setting of prod tasks"),
        ({"kind": "prod", "variant": "book"}, "variant", "unknown variant 'book'"),
        ({"kind": "square", "colour": 2}, "colour", "unknown task setting"),
        ({"kind": "relu", "value_max": "9"}, "value_max", "must be an integer, got '9'"),
        ({"kind": "index", "m": True}, "m", "must be an integer, got True"),
        ({"variant": "paper"}, "kind", "missing"),
    ],
)
def test_bad_settings_name_the_key(params, key, message):
    with pytest.raises(SettingError, match=message) as error:
        Task.from_settings(params)
    assert error.value.key == key


def test_bad_settings_spelled_as_the_caller_names_them():
    with pytest.raises(SettingError, match="--value-min 3 is greater than --value-max 2"):
        Task.from_settings({"kind": "relu", "value_min": 3, "value_max": 2}, name=lambda k: "--" + k.replace("_", "-"))


@pytest.mark.parametrize("kind", KIND_SETTINGS)
def test_settings_round_trip_with_only_the_kinds_settings(kind):
    given = {"kind": kind, "m": 3} if kind == "index" else {"kind": kind}
    task = Task.from_settings(given)
    settings = task.settings()
    assert set(settings) == {"kind", "variant", *KIND_SETTINGS[kind]}
    assert Task.from_settings(settings) == task


def test_prod_is_a_kind_without_settings():
    assert "prod" in KINDS and KIND_SETTINGS["prod"] == ()
    assert Task.from_settings({"kind": "prod", "variant": "paper"}).settings() == {"kind": "prod", "variant": "paper"}


def test_defaults_are_the_seminars():
    assert Task.from_settings({"kind": "square"}).settings() == {
        "kind": "square",
        "variant": "seminar",
        "value_min": -9,
        "value_max": 9,
        "modulus": 19,
    }


def test_direct_construction_is_checked_too():
    with pytest.raises(SettingError, match="index tasks need m"):
        Task("index")
