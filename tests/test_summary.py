"""Summary tables and plots: replicates, their aggregation per run, error bars."""

import csv
import json
import math

import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import ErrorbarContainer

from cotorder.summary import (
    aggregate,
    figure_title,
    plot_positions,
    plot_success,
    positions_figure,
    replicate_table,
    success_figure,
    write_csv,
)


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


def test_the_tables_numbers_print_with_three_decimals_as_the_readmes_do(replicates, tmp_path):
    write_csv(replicates, tmp_path / "replicates.csv")
    write_csv(aggregate(replicates), tmp_path / "summary.csv")
    with open(tmp_path / "replicates.csv") as handle:
        assert [row["success_rate"] for row in csv.DictReader(handle)] == ["1.000", "0.500", "0.750", "0.250"]
    with open(tmp_path / "summary.csv") as handle:
        forward, inverse = csv.DictReader(handle)
    spread = [forward[f"success_rate{suffix}"] for suffix in ("", "_std", "_min", "_max")]
    assert spread == ["0.750", "0.250", "0.500", "1.000"] and forward["token_accuracy"] == "0.500"
    assert (forward["n"], forward["replicates"], forward["num_samples"]) == ("2", "3", "4")  # integers stay integers
    assert inverse["success_rate_std"] == ""  # one replicate: no spread
    assert json.loads(forward["position_accuracy"]) == [0.75, 0.75]


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


@pytest.fixture
def two_tasks(tmp_path):
    """relu at n = 2 (forward, inverse) and square at n = 30 (forward, swap), one seed each."""
    rows = [
        ({"task": "relu", "n": 2, "direction": "forward", "seed": 42}, [1.0, 1.0]),
        ({"task": "relu", "n": 2, "direction": "inverse", "seed": 42}, [0.5, 1.0]),
        ({"task": "square", "n": 30, "direction": "forward", "seed": 42}, [0.5] * 30),
        ({"task": "square", "n": 30, "direction": "swap", "seed": 42}, [0.25] * 30),
    ]
    paths = [write_metrics(tmp_path, i, 0.5, 0.5, positions) for i, (_, positions) in enumerate(rows)]
    return replicate_table([wildcards for wildcards, _ in rows], paths)


def test_success_panels_share_one_legend_and_the_title(two_tasks):
    figure = success_figure(aggregate(two_tasks), two_tasks, title="quick.yaml → results/quick/; training seed 42")
    assert [ax.get_legend() for ax in figure.axes] == [None, None]
    assert len(figure.legends) == 1
    assert [text.get_text() for text in figure.legends[0].get_texts()] == ["forward", "inverse", "swap"]
    colours = [{line.get_label(): line.get_color() for line in ax.lines} for ax in figure.axes]
    assert colours[0]["forward"] == colours[1]["forward"]  # one colour per direction, in every panel
    assert len({colours[0]["forward"], colours[0]["inverse"], colours[1]["swap"]}) == 3
    assert figure.get_suptitle() == "quick.yaml → results/quick/; training seed 42"


def test_position_heatmaps_share_one_colour_bar_with_readable_ticks(two_tasks):
    figure = positions_figure(aggregate(two_tasks), title="t")
    heatmaps = [ax for ax in figure.axes if ax.images]
    assert len(heatmaps) == 2 and len(figure.axes) == 3  # the two panels and one colour bar
    assert figure.axes[2].get_ylabel() == "accuracy (mean over seeds)"
    relu, square = heatmaps
    assert [label.get_text() for label in relu.get_xticklabels()] == ["1", "2"]
    assert [label.get_text() for label in square.get_xticklabels()] == [str(i) for i in range(1, 31, 2)]  # 30 > 25
    assert min(label.get_fontsize() for label in square.get_xticklabels()) >= 9
    assert figure.get_suptitle() == "t"


def test_the_title_states_config_results_and_seeds():
    configs = ["workflow_config.yaml", "experiments/quick.yaml"]
    assert figure_title(configs, "results/quick", pd.Series([44, 42, 43, 42])) == (
        "workflow_config.yaml + experiments/quick.yaml → results/quick/; training seeds 42, 43, 44"
    )
    assert figure_title(["a.yaml"], "r", [7]) == "a.yaml → r/; training seed 7"
    assert figure_title(["a.yaml"], "r", range(20)).endswith("training seeds 0, 1, 2, 3, 4, 5, 6, 7, …")


def test_plots_are_written_as_png(replicates, tmp_path):
    summary = aggregate(replicates)
    plot_success(summary, replicates, tmp_path / "s.png")
    plot_positions(summary, tmp_path / "p.png")
    for name in ("s.png", "p.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
