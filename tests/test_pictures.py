"""Pictures say what they show: labels and units from the catalogue, shares that add up,
true/false outcomes as bars named by their states, runs named by what differs between
them, dates on day axes, heat maps with their intervals."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.patches import Rectangle

import sim
from tests.conftest import IDLIB


@pytest.fixture(scope="module")
def runs() -> tuple[sim.Results, sim.Results]:
    low = sim.run(IDLIB, runs=150, seed=3, jobs=1)
    high = sim.run(
        IDLIB, runs=150, seed=3, jobs=1, overrides={"actors.nfl.retaliation.probability": 0.3}
    )
    return low, high


def test_a_true_false_outcome_is_bars_of_its_two_states(
    runs: tuple[sim.Results, sim.Results],
) -> None:
    (axes,) = sim.plot(*runs, metric="collapsed").axes
    assert [t.get_text() for t in axes.get_xticklabels()] == ["held", "collapsed"]
    assert axes.get_ylabel() == "share of replications"
    assert "P(truce collapsed by day 60)" in axes.get_title()
    heights = [p.get_height() for p in axes.patches if isinstance(p, Rectangle)]
    assert heights[0] + heights[1] == pytest.approx(1.0)  # one run's two shares


def test_a_histogram_shows_shares_that_add_up_and_names_runs_by_what_differs(
    runs: tuple[sim.Results, sim.Results],
) -> None:
    (axes,) = sim.plot(*runs, metric="retaliations").axes
    assert axes.get_xlabel() == "retaliations (strikes)"
    assert axes.get_ylabel() == "share of replications in each bin"
    legend = axes.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "actors.nfl.retaliation.probability = 0.1, n = 150",
        "actors.nfl.retaliation.probability = 0.3, n = 150",
    ]
    half = len(axes.patches) // 2
    bars = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert sum(p.get_height() for p in bars[:half]) == pytest.approx(1.0)


def test_a_heavy_tail_is_pointed_out_and_drawn_on_a_log_axis_on_request(
    runs: tuple[sim.Results, sim.Results],
) -> None:
    (axes,) = sim.plot(runs[0], metric="deaths").axes
    assert any("log axis" in t.get_text() for t in axes.texts)
    (logged,) = sim.plot(runs[0], metric="deaths", log=True).axes
    assert logged.get_xscale() == "log" and logged.get_xlabel() == "deaths (people, log scale)"


def test_the_survival_curve_dates_its_days(runs: tuple[sim.Results, sim.Results]) -> None:
    (axes,) = sim.plot(runs[0], metric="survival").axes
    labels = [t.get_text() for t in axes.get_xticklabels()]
    assert labels[0] == "0\n26 Oct" and labels[-1] == "60\n25 Dec"
    assert axes.get_xlabel() == "day (day 0 is 26 October 2020)"


def test_a_heat_map_shows_each_value_with_its_interval(tmp_path: Path) -> None:
    swept = sim.sweep(
        IDLIB,
        vary={"actors.nfl.retaliation.probability": "0.1,0.4", "negotiation.delay.mean": "1,4"},
        runs=40,
        output=tmp_path / "s",
        metrics=["collapsed"],
        jobs=1,
    )
    axes = sim.plot(swept, metric="collapsed").axes[0]
    cells = [t.get_text() for t in axes.texts]
    rows = swept.summary()
    assert len(cells) == 4
    for row in rows:
        half = (row["high"] - row["low"]) / 2
        assert f"{row['estimate']:.3g}\n± {half:.2g}" in cells
