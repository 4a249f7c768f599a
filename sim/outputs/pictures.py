"""Pictures with matplotlib (an optional extra), each returned as a ``Figure``:

- a run's outcome: a histogram of shares for a number (on a log axis with ``log``), or
  bars with their intervals for a true/false outcome, named by its two states;
- the truce's Kaplan-Meier survival with its band, or the cumulative incidence of
  collapse (one minus it), days dated when the scenario has a start date;
- two runs overlaid, named by what differs between them;
- a sweep's metric against one parameter with its interval band, or over two as a heat
  map (each cell showing the value and its interval) or a scatter for sampled designs.

Axes, titles and legends come from the outcome catalogue. Figures are made without
pyplot, so nothing here touches a global backend: a notebook shows them, and ``save``
writes them.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError
from sim.model.catalogue import Field, SeriesAt, check_metric, metric
from sim.optional import require
from sim.outputs.manifests import writable
from sim.outputs.results import Results, SweepResults, distinguish
from sim.scenario.spec import Scenario
from sim.statistics.estimators import proportion, survival
from sim.statistics.summaries import probability_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = (".png", ".svg", ".pdf")
SURVIVAL = "survival"
INCIDENCE = "incidence"
HEAVY_TAIL = 10.0  # the 99% quantile this many times the median (or more) is a heavy tail


def figure_of(height: float = 4.5, width: float = 7.5) -> Figure:
    figure_module = require("matplotlib.figure", "plot", "pictures", "drawing")
    return figure_module.Figure(figsize=(width, height))  # type: ignore[no-any-return]


def axis_label(field: Field, scenario: Scenario | None = None) -> str:
    """The field's label, with its unit unless the label already names it."""
    label = field.text(scenario) if scenario is not None else field.label
    if not field.unit or field.unit in label.split():
        return label
    return f"{label} ({field.unit})"


def title_of(scenario: Scenario, what: str, when: str | None = None) -> str:
    """The scenario's name, what is drawn, and for a conditional outcome which
    replications it is drawn from, wrapped to the figure's width."""
    lines = [f"{scenario.name}: {what}"]
    if when is not None:
        lines.append(f"among the replications where {when}")
    return "\n".join(textwrap.fill(line, 90) for line in lines)


def heavy_tailed(values: Sequence[float]) -> bool:
    """Whether a sample's upper tail is long: its 99% quantile is at least ten times its
    median (a log axis shows it better)."""
    positive = np.asarray([v for v in values if v is not None and v > 0], dtype=float)
    if positive.size < 10:
        return False
    return bool(np.quantile(positive, 0.99) >= HEAVY_TAIL * np.median(positive))


def runs_figure(
    runs: Sequence[Results], name: str, confidence: float = 0.95, log: bool = False
) -> Figure:
    """One run, or two overlaid: outcome ``name`` (a histogram, or bars for a true/false
    one), or with ``survival`` the truce's Kaplan-Meier curve with its band."""
    if name == SURVIVAL:
        return survival_figure(runs, confidence)
    field = metric(runs[0].scenario, name, "--metric")
    if field.kind is bool:
        return bars_figure(runs, field, confidence)
    return histogram_figure(runs, field, log)


def day_axis(axes: Axes, scenario: Scenario, until: float | None = None) -> None:
    """Days since day 0 on the x axis, to the horizon (or ``until``), each tick also
    dated when the scenario has a start date."""
    horizon = scenario.horizon if until is None else until
    steps = (0.1, 0.25, 0.5, 1, 2, 5, 7, 10, 14, 30, 60, 90, 180, 365, 730)
    step = next(s for s in steps if horizon / s <= 8)
    ticks = np.arange(0, horizon + 1e-9, step)
    axes.set_xlim(0, horizon)
    start = scenario.start_date
    if start is None:
        axes.set_xticks(ticks)
        axes.set_xlabel("day")
        return
    dated = [f"{d:g}\n{start + dt.timedelta(days=float(d)):%d %b}" for d in ticks]
    axes.set_xticks(ticks, dated)
    axes.set_xlabel(f"day (day 0 is {start:%d %B %Y})")


def survival_figure(
    runs: Sequence[Results], confidence: float = 0.95, incidence: bool = False
) -> Figure:
    """The truce's Kaplan-Meier survival curve of each run, with its band; runs are
    named by what differs between them. With ``incidence``, one minus it: the
    cumulative incidence of collapse, P(the truce has collapsed by day t)."""
    for results in runs:
        if results.scenario.truce is None:
            lacks = "to collapse" if incidence else "whose survival to draw"
            raise InputError(
                "--metric",
                INCIDENCE if incidence else SURVIVAL,
                f"{results.label} has no truce {lacks}",
            )
    figure = figure_of()
    axes = figure.subplots()
    for label, results in zip(distinguish(runs), runs, strict=True):
        horizon = results.scenario.horizon
        days = np.linspace(0, horizon, 400).tolist()
        collapse_days = results.columns(["collapse_day"])["collapse_day"]
        curve = survival(collapse_days, horizon, days, confidence)
        value = np.array([e.value for _, e in curve])
        low, high = np.array([e.low for _, e in curve]), np.array([e.high for _, e in curve])
        if incidence:
            value, low, high = 1 - value, 1 - high, 1 - low
        shown = label if len(runs) > 1 else f"n = {len(collapse_days)}"
        line = axes.step(days, value, where="post", label=shown)[0]
        axes.fill_between(days, low, high, step="post", alpha=0.2, color=line.get_color())
    day_axis(axes, runs[0].scenario)
    axes.grid(alpha=0.3)
    if incidence:
        axes.set_ylabel("P(collapsed by then)")
        axes.set_ylim(bottom=0)
        what = f"cumulative incidence of collapse (1 - Kaplan-Meier, {confidence:.0%} band)"
        axes.set_title(title_of(runs[0].scenario, what), fontsize=10)
        axes.legend(fontsize=8, loc="upper left")
    else:
        axes.set_ylabel("P(no collapse yet)")
        axes.set_ylim(0, 1.02)
        axes.set_title(
            f"{runs[0].scenario.name}: survival of the truce (Kaplan-Meier, {confidence:.0%} band)"
        )
        axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    return figure


def bars_figure(runs: Sequence[Results], field: Field, confidence: float = 0.95) -> Figure:
    """A true/false outcome: the share of replications in each of its two states, with
    the Wilson interval, side by side for each run."""
    figure = figure_of()
    axes = figure.subplots()
    width = 0.8 / len(runs)
    for index, (label, results) in enumerate(zip(distinguish(runs), runs, strict=True)):
        values = results.values(field.name)
        n, hits = len(values), sum(bool(v) for v in values)
        shares, lows, highs = [], [], []
        for count in (n - hits, hits):
            found = proportion(count, n, confidence)
            shares.append(found.value)
            lows.append(found.value - found.low)
            highs.append(found.high - found.value)
        offset = (index - (len(runs) - 1) / 2) * width
        bars = axes.bar(
            np.arange(2) + offset,
            shares,
            width,
            yerr=[lows, highs],
            capsize=4,
            label=f"{label}, n = {n}" if len(runs) > 1 else f"n = {n}",
        )
        axes.bar_label(bars, labels=[f"{s:.1%}" for s in shares], padding=6, fontsize=8)
    axes.set_xticks(range(2), list(field.states))
    axes.set_ylim(0, 1.1)
    axes.set_ylabel("share of replications")
    label = probability_label(field, runs[0].scenario)
    axes.set_title(title_of(runs[0].scenario, f"{label}, with {confidence:.0%} intervals"))
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def histogram_figure(runs: Sequence[Results], field: Field, log: bool = False) -> Figure:
    """The distribution of a numeric outcome in each run, as the share of replications
    in each bin (on a log axis with ``log``); runs are named by what differs."""
    scenario = runs[0].scenario
    series = []
    for label, results in zip(distinguish(runs), runs, strict=True):
        values = results.values(field.name)
        series.append((label, np.asarray(values, dtype=float)))
    everything = np.concatenate([s for _, s in series]) if series else np.array([])
    if not everything.size:
        raise InputError("--metric", field.name, "has no values to draw in these replications")
    figure = figure_of()
    axes = figure.subplots()
    unit_bins = bool(np.all(np.mod(everything, 1) == 0)) and np.ptp(everything) <= 60 and not log
    if log:
        positive = everything[everything > 0]
        low = float(positive.min()) if positive.size else 1.0
        bins = np.geomspace(low, max(float(everything.max()), low * 10), 40).tolist()
        axes.set_xscale("log")
    elif unit_bins:  # a bar per whole number
        bins = np.arange(everything.min() - 0.5, everything.max() + 1.5).tolist()
    elif np.all(np.mod(everything, 1) == 0):  # whole numbers: bins of whole widths
        width = int(np.ceil(np.ptp(everything) / 40))
        bins = np.arange(everything.min() - 0.5, everything.max() + width + 0.5, width).tolist()
    else:
        bins = np.histogram_bin_edges(everything, bins=40).tolist()
    for label, sample in series:
        shown = sample[sample > 0] if log else sample
        axes.hist(
            shown,
            bins=bins,
            weights=np.full(len(shown), 1.0 / max(1, len(sample))),
            alpha=0.55 if len(series) > 1 else 0.9,
            label=f"{label}, n = {len(sample)}" if len(series) > 1 else f"n = {len(sample)}",
        )
    label = axis_label(field, scenario)
    if log:
        label = label[:-1] + ", log scale)" if label.endswith(")") else label + " (log scale)"
    axes.set_xlabel(label)
    axes.set_ylabel("share of replications" + ("" if unit_bins else " in each bin"))
    axes.set_title(title_of(scenario, field.text(scenario), field.when), fontsize=10)
    if not log and heavy_tailed(everything.tolist()):
        axes.annotate(
            "heavy tail: a log axis (--log) shows it better",
            (0.99, 0.97),
            xycoords="axes fraction",
            ha="right",
            va="top",
            fontsize=8,
        )
    if log and any((s <= 0).any() for _, s in series):
        zeros = ", ".join(f"{(s <= 0).mean():.0%}" for _, s in series)
        axes.annotate(
            f"not shown on the log axis: zero in {zeros} of replications",
            (0.99, 0.97),
            xycoords="axes fraction",
            ha="right",
            va="top",
            fontsize=8,
        )
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def sweep_figure(sweep: SweepResults, name: str, confidence: float = 0.95) -> Figure:
    """A sweep's metric against one parameter (line with interval band), or over two
    (a heat map for a grid, each cell with its value and interval; a coloured scatter
    for sampled designs)."""
    rows = sweep.summary([name], confidence)
    if not rows:
        raise InputError("--metric", name, "the sweep has no finished points")
    first = sweep.point(next(r["point"] for r in rows))
    assert first is not None
    found = check_metric(first.scenario, name, "--metric")
    if isinstance(found, SeriesAt):  # a daily series on a day: its mean
        entry = found.series
        day = f"day {found.day}"
        if first.scenario.start_date is not None:
            day += f" ({first.scenario.start_date + dt.timedelta(days=found.day):%d %b %Y})"
        label = f"{entry.label}, mean on {day}" + (f" ({entry.unit})" if entry.unit else "")
        when = None
    else:
        label = (
            probability_label(found, first.scenario)
            if found.kind is bool
            else axis_label(found, first.scenario)
        )
        when = found.when
    factors = sweep.paths
    figure = figure_of(5.0)
    axes = figure.subplots()
    if len(factors) == 1:
        (x,) = factors
        rows.sort(key=lambda r: r[x])
        xs = [r[x] for r in rows]
        axes.plot(xs, [r["estimate"] for r in rows], marker="o")
        axes.fill_between(xs, [r["low"] for r in rows], [r["high"] for r in rows], alpha=0.25)
        axes.set_xlabel(x)
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
        what = f"{label} across the sweep ({confidence:.0%} interval band)"
        axes.set_title(title_of(first.scenario, what, when), fontsize=10)
    elif len(factors) == 2:
        _two_factors(figure, axes, rows, factors, label, confidence)
    else:
        raise InputError("DIR", str(sweep.directory), "plots show sweeps of one or two parameters")
    if len(factors) == 2 and when is not None:
        axes.set_title(axes.get_title() + f"\namong the replications where {when}", fontsize=10)
    figure.tight_layout()
    return figure


def _two_factors(
    figure: Figure,
    axes: Axes,
    rows: list[dict[str, Any]],
    factors: list[str],
    label: str,
    confidence: float,
) -> None:
    x, y = factors
    xs, ys = sorted({r[x] for r in rows}), sorted({r[y] for r in rows})
    image: Any
    if len(xs) * len(ys) == len(rows):  # a grid: a heat map, each cell with its interval
        grid = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            grid[ys.index(r[y]), xs.index(r[x])] = r["estimate"]
        image = axes.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        middle = np.nanmean(grid)
        for r in rows:
            half = (r["high"] - r["low"]) / 2
            axes.text(
                xs.index(r[x]),
                ys.index(r[y]),
                f"{r['estimate']:.3g}\n± {half:.2g}",
                ha="center",
                va="center",
                fontsize=7,
                color="black" if r["estimate"] > middle else "white",
            )
        axes.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs])
        axes.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
        title = f"{label}, ± the half-width of its {confidence:.0%} interval"
    else:  # a sampled design: a coloured scatter, each point labelled while they are few
        image = axes.scatter(
            [r[x] for r in rows], [r[y] for r in rows], c=[r["estimate"] for r in rows], s=60
        )
        title = label
        if len(rows) <= 25:
            for r in rows:
                half = (r["high"] - r["low"]) / 2
                axes.annotate(
                    f"{r['estimate']:.3g} ± {half:.2g}",
                    (r[x], r[y]),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=7,
                )
            title += f", ± the half-width of its {confidence:.0%} interval"
    figure.colorbar(image, ax=axes, label=label)
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.set_title(title, fontsize=10)


def check_path(path: str | Path, option: str = "-o") -> Path:
    """A picture's file name, which must end in .png, .svg or .pdf, in a folder that
    exists and can be written."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(option, str(path), "expected a file name ending in .png, .svg or .pdf")
    writable(path, option)
    return path


def save(figure: Figure, path: str | Path, option: str = "-o") -> Path:
    """Write ``figure`` to ``path`` (.png, .svg or .pdf)."""
    target = check_path(path, option)
    try:
        figure.savefig(target, dpi=120)
    except OSError as error:
        Path(target).unlink(missing_ok=True)
        raise InputError(option, str(target), f"cannot be written ({error.strerror})") from None
    return target
