"""Summary tables and plots: replicates, their aggregation per run, error bars."""

import json
import math

import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import ErrorbarContainer

from cotorder.summary import aggregate, plot_positions, plot_success, positions_figure, replicate_table, success_figure


def write_metrics(folder, name, success, final, positions, token=0.5):
    path = folder / f"{name}.json"
    metrics = {"success_rate": success, "final_accuracy": final, "token_accuracy": token, "num_samples": 4,
               "position_accuracy": positions, "device": "cpu"}  # fmt: skip
    path.write_text(json.dumps(metrics))
    return str(path)


@pytest.fixture
def replicates(tmp_path):
    """Hand-made metrics: relu forward at n = 2 with three seeds, relu inverse with one."""
    rows = [
        ({"task": "relu", "n": 2, "direction": "forward", "seed": 1}, (1.0, 1.0, [1.0, 1.0])),
        ({"task": "relu", "n": 2, "direction": "forward", "seed": 2}, (0.5, 0.75, [0.5, 0.75])),
        ({"task": "relu", "n": 2, "direction": "forward", "seed": 3}, (0.75, 0.5, [0.75, 0.5])),
        ({"task": "relu", "n": 2, "direction": "inverse", "seed": 1}, (0.25, 0.5, [0.25, 0.5])),
    ]
    paths = [write_metrics(tmp_path, i, *values) for i, (_, values) in enumerate(rows)]
    return replicate_table([wildcards for wildcards, _ in rows], paths)


def test_replicate_table_has_one_row_per_replicate(replicates):
    assert list(replicates.columns[:6]) == ["task", "n", "direction", "seed", "success_rate", "final_accuracy"]
    assert replicates["seed"].tolist() == [1, 2, 3, 1]
    assert replicates["device"].tolist() == ["cpu"] * 4  # other scalars kept
    assert json.loads(replicates["position_accuracy"][1]) == [0.5, 0.75]


def test_aggregate_gives_mean_spread_and_count_per_run(replicates):
    summary = aggregate(replicates).set_index("direction")
    forward, inverse = summary.loc["forward"], summary.loc["inverse"]
    assert forward["replicates"] == 3 and inverse["replicates"] == 1
    assert forward["success_rate"] == pytest.approx(0.75)
    assert forward["success_rate_std"] == pytest.approx(0.25)  # sample standard deviation of 1, 0.5, 0.75
    assert (forward["success_rate_min"], forward["success_rate_max"]) == (0.5, 1.0)
    assert forward["final_accuracy"] == pytest.approx(0.75) and forward["final_accuracy_min"] == 0.5
    assert json.loads(forward["position_accuracy"]) == pytest.approx([0.75, 0.75])
    assert inverse["success_rate"] == 0.25 and math.isnan(inverse["success_rate_std"])  # one replicate: no spread
    assert (inverse["success_rate_min"], inverse["success_rate_max"]) == (0.25, 0.25)


def test_aggregate_keeps_the_runs_order(replicates):
    reordered = pd.concat([replicates.iloc[[3]], replicates.iloc[:3]], ignore_index=True)
    assert aggregate(reordered)["direction"].tolist() == ["inverse", "forward"]


def errorbars(figure):
    return [c for ax in figure.axes for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_success_plot_with_several_seeds_has_error_bars_and_points(replicates):
    figure = success_figure(aggregate(replicates), replicates)
    assert len(errorbars(figure)) == 2  # forward and inverse
    points = [c for c in figure.axes[0].collections if isinstance(c, PathCollection)]  # scatter, not the bars
    assert sum(len(c.get_offsets()) for c in points) == 4  # one point per replicate
    assert "mean ± sd" in figure.axes[0].get_ylabel()


def test_success_plot_with_one_seed_is_plain_lines(replicates):
    one = replicates[replicates["seed"] == 1]
    figure = success_figure(aggregate(one), one)
    assert errorbars(figure) == [] and len(figure.axes[0].lines) == 2
    assert figure.axes[0].get_ylabel() == "success rate (exact match)"


def test_position_heatmap_shows_the_mean_and_names_the_seeds(replicates):
    figure = positions_figure(aggregate(replicates))
    image = figure.axes[0].images[0].get_array()
    assert image[0].tolist() == pytest.approx([0.75, 0.75])  # forward: the mean of three seeds
    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == ["n=2 forward (3 seeds)", "n=2 inverse"]


def test_plots_are_written_as_png(replicates, tmp_path):
    summary = aggregate(replicates)
    plot_success(summary, replicates, tmp_path / "s.png")
    plot_positions(summary, tmp_path / "p.png")
    for name in ("s.png", "p.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
