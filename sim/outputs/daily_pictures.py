"""Pictures of how runs unfold, day by day (matplotlib, an optional extra):

- a fan chart of a daily series: the median with its 50% and 90% bands, for one run,
  two runs overlaid, or the points of a sweep (bands for up to four, medians coloured
  by the varied parameter beyond);
- the truce's state by day as a stacked area, with the share that has collapsed at
  least once (one minus Kaplan-Meier) drawn over it.

The cumulative incidence of collapse alone is ``pictures.survival_figure``'s.

Counts over a day are drawn at the day's middle, levels at its end (day d ends at
d + 1). Labels come from the series catalogue; the day axis carries dates when the
scenario has a start date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError
from sim.model.catalogue import Series, find_series
from sim.outputs.pictures import day_axis, figure_of, title_of
from sim.outputs.results import Results, SweepResults, distinguish
from sim.statistics.daily import DailySummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

STATE = "state"
STATE_COLOURS = {"in force": "#4daf4a", "strained": "#ff9f1c", "collapsed": "#d62728"}
BANDED = 4  # sweep points drawn with their bands; beyond, medians only


def _positions(entry: Series, days: int) -> Any:
    return np.arange(days) + (1.0 if entry.at_end else 0.5)


def _fan(axes: Axes, summary: DailySummary, entry: Series, label: str, colour: Any) -> None:
    band = summary.bands[entry.name]
    x = _positions(entry, summary.days)
    q = band.quantiles
    axes.fill_between(x, q[0.05], q[0.95], color=colour, alpha=0.15, linewidth=0)
    axes.fill_between(x, q[0.25], q[0.75], color=colour, alpha=0.35, linewidth=0)
    axes.plot(x, q[0.5], color=colour, label=label, linewidth=1.8)


def fan_figure(runs: Sequence[Results], name: str, confidence: float = 0.95) -> Figure:
    """Series ``name`` of one run, or two overlaid: median, 50% and 90% bands."""
    entry = find_series(runs[0].scenario, name, "--series")
    if entry.kind is str:
        return states_figure(runs[0], confidence)
    labels = distinguish(runs) if len(runs) > 1 else [f"n = {len(runs[0])}"]
    figure = figure_of()
    axes = figure.subplots()
    colours = ["#1f77b4", "#d62728"]
    for label, results, colour in zip(labels, runs, colours, strict=False):
        summary = results.daily_summary(confidence, [name], states=False)
        _fan(axes, summary, entry, label, colour)
    _finish(axes, runs[0], entry, "median, 50% and 90% of replications")
    axes.legend(fontsize=8, loc="upper left", title="median (bands: 50%, 90%)", title_fontsize=8)
    figure.tight_layout()
    return figure


def sweep_fan_figure(sweep: SweepResults, name: str, confidence: float = 0.95) -> Figure:
    """Series ``name`` at each point of a sweep: bands for up to four points, medians
    coloured by the (first) varied parameter beyond."""
    started = [(i, sweep.point(i)) for i in range(len(sweep.points))]
    points = [(i, r) for i, r in started if r is not None and len(r)]
    if not points:
        raise InputError("DIR", str(sweep.directory), "the sweep has no finished points")
    first = points[0][1]
    entry = find_series(first.scenario, name, "--series")
    if entry.kind is str:
        raise InputError("--series", name, "a sweep draws numeric series; draw a point's states")
    paths = sweep.paths
    if len(points) > BANDED and len(paths) > 1:
        raise InputError(
            "--series",
            name,
            f"{len(points)} points over {len(paths)} parameters: medians coloured by one "
            f"parameter could not be told apart; plot --metric {name}@DAY for a day's value "
            "over both",
        )
    figure = figure_of(5.0)
    axes = figure.subplots()

    def named(index: int) -> str:
        return ", ".join(f"{p}={sweep.points[index][p]:.3g}" for p in paths)

    if len(points) <= BANDED:
        colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
        for (index, results), colour in zip(points, colours, strict=False):
            summary = results.daily_summary(confidence, [name], states=False)
            _fan(axes, summary, entry, named(index), colour)
        legend = "median (bands: 50%, 90%)"
    else:
        import matplotlib as mpl

        values = [sweep.points[i][paths[0]] for i, _ in points]
        norm = mpl.colors.Normalize(min(values), max(values))
        cmap = mpl.colormaps["viridis"]
        for (_, results), value in zip(points, values, strict=True):
            band = results.daily_summary(confidence, [name], states=False).bands[name]
            x = _positions(entry, band.mean.size)
            axes.plot(x, band.quantiles[0.5], color=cmap(norm(value)), linewidth=1.2)
        bar = figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes)
        bar.set_label(paths[0])
        legend = ""
    what = "median by sweep point" + (", with 50% and 90% bands" if legend else "")
    _finish(axes, first, entry, what)
    if legend:
        axes.legend(fontsize=8, loc="upper left", title=legend, title_fontsize=8)
    figure.tight_layout()
    return figure


def _finish(axes: Axes, results: Results, entry: Series, what: str) -> None:
    day_axis(axes, results.scenario)
    moment = "at the day's end" if entry.at_end else "over each day"
    axes.set_ylabel(entry.axis_label())
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.set_title(title_of(results.scenario, f"{entry.label}, {moment}: {what}"), fontsize=10)


def states_figure(results: Results, confidence: float = 0.95) -> Figure:
    """The truce's state at each day's end as a stacked area of shares, with the share
    that has collapsed at least once (1 - Kaplan-Meier, with its band) over it."""
    if results.scenario.truce is None:
        raise InputError("--series", STATE, f"{results.label} has no truce whose state to draw")
    summary = results.daily_summary(confidence, [STATE])
    ends = np.arange(1, summary.days + 1, dtype=float)  # each day's end
    figure = figure_of(5.0)
    axes = figure.subplots()
    axes.stackplot(
        ends,
        *[share.value for share in summary.states.values()],
        labels=list(summary.states),
        colors=[STATE_COLOURS[s] for s in summary.states],
        alpha=0.75,
    )
    if summary.incidence is not None:
        incidence = summary.incidence
        axes.plot(
            ends,
            incidence.value,
            color="black",
            linestyle="--",
            linewidth=1.2,
            label="collapsed at least once (1 - Kaplan-Meier)",
        )
        axes.fill_between(
            ends, incidence.low, incidence.high, color="black", alpha=0.12, linewidth=0
        )
    day_axis(axes, results.scenario)
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of replications")
    what = f"state of the truce at each day's end (n = {summary.replications})"
    axes.set_title(title_of(results.scenario, what), fontsize=10)
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4)
    figure.tight_layout()
    return figure
