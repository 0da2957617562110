"""Reading and writing data files: format, both separators, errors naming file and line."""

import numpy as np
import pytest

from cotorder.datafiles import DataFormatError, format_samples, parse_line, write_samples


def test_format_is_space_separated_with_colon():
    text = format_samples(np.array([[-8, 5, 3], [10, -120, 0]]), np.array([[0, 5, 8], [1000, 2, -3]]))
    assert text == b"-8 5 3 : 0 5 8\n10 -120 0 : 1000 2 -3\n"


def test_wide_values_fall_back_to_line_formatting():
    x, y = np.array([[-(10**9), 10**9]]), np.array([[0, 7]])
    assert format_samples(x, y) == b"-1000000000 1000000000 : 0 7\n"


def read_samples(path):
    """Every line of a data file through parse_line, as training reads it."""
    with open(path) as handle:
        pairs = [parse_line(line, f"{path}:{number}") for number, line in enumerate(handle, start=1)]
    return [x for x, _ in pairs], [y for _, y in pairs]


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.integers(-50, 50, (200, 7)), rng.integers(0, 400, (200, 7))
    write_samples(tmp_path / "d.train", x, y)
    inputs, outputs = read_samples(tmp_path / "d.train")
    assert inputs == x.tolist() and outputs == y.tolist()


def test_reads_calt_hash_separator(tmp_path):
    (tmp_path / "d").write_text("1 2 # 3 4\n5 6 : 7 8\n")
    assert read_samples(tmp_path / "d") == ([[1, 2], [5, 6]], [[3, 4], [7, 8]])


@pytest.mark.parametrize(
    "text,message",
    [
        ("1 2 : 3 4\n1 2 3 4\n", r"d:2: no ' : ' or ' # ' separator"),
        ("1 2 : 3 4\n1 2 : 3 x\n", r"d:2: 'x' is not an integer"),
        ("1 2 : 3 4\n\n", r"d:2: no ' : '"),
        (" : 3 4\n", r"d:1: empty input or output"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, text, message):
    (tmp_path / "d").write_text(text)
    with pytest.raises(DataFormatError, match=message):
        read_samples(tmp_path / "d")
