"""Pictures with matplotlib (an optional extra), each returned as a ``Figure``: a run's
outcome histogram, the truce's Kaplan-Meier survival with its band, a sweep's metric
against one parameter with its interval band, a heat map or scatter over two, and two
runs overlaid. Axes are labelled from the outcome catalogue.

Figures are made without pyplot, so nothing here touches a global backend: a notebook
shows them, and ``save`` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError
from sim.model.catalogue import Field, find, metric
from sim.optional import require
from sim.outputs.results import Results, SweepResults, distinguish
from sim.statistics.estimators import survival

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = (".png", ".svg", ".pdf")
SURVIVAL = "survival"


def _figure() -> Figure:
    figure_module = require("matplotlib.figure", "plot", "pictures", "drawing")
    return figure_module.Figure(figsize=(7, 4.5))  # type: ignore[no-any-return]


def axis_label(field: Field) -> str:
    """The field's label, with its unit unless the label already names it."""
    if not field.unit or field.unit in field.label.split():
        return field.label
    return f"{field.label} ({field.unit})"


def runs_figure(runs: Sequence[Results], name: str, confidence: float = 0.95) -> Figure:
    """One run, or two overlaid: the histogram of outcome ``name``, or with
    ``survival`` the truce's Kaplan-Meier curve with its band."""
    if name == SURVIVAL:
        return survival_figure(runs, confidence)
    return histogram_figure(runs, name)


def survival_figure(runs: Sequence[Results], confidence: float = 0.95) -> Figure:
    """The truce's Kaplan-Meier survival curve of each run, with its band; runs are
    named by what differs between them."""
    figure = _figure()
    axes = figure.subplots()
    for label, results in zip(distinguish(runs), runs, strict=True):
        horizon = results.scenario.horizon
        days = np.linspace(0, horizon, 200).tolist()
        collapse_days = results.columns(["collapse_day"])["collapse_day"]
        curve = survival(collapse_days, horizon, days, confidence)
        line = axes.step(days, [e.value for _, e in curve], where="post", label=label)[0]
        axes.fill_between(
            days,
            [e.low for _, e in curve],
            [e.high for _, e in curve],
            step="post",
            alpha=0.2,
            color=line.get_color(),
        )
    axes.set_xlabel("day")
    axes.set_ylabel("P(truce still holds)")
    axes.set_ylim(0, 1.02)
    axes.set_title(f"Survival of the truce (Kaplan-Meier, {confidence:.0%} band)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def histogram_figure(runs: Sequence[Results], name: str) -> Figure:
    """The distribution of outcome ``name`` in each run (as a density); runs are named
    by what differs between them."""
    series = []
    field: Field | None = None
    for label, results in zip(distinguish(runs), runs, strict=True):
        field = metric(results.scenario, name, "--metric", shown=name)
        present = [v for v in results.columns([name])[name] if v is not None]
        series.append((label, results, np.asarray(present, dtype=float)))
    assert field is not None
    figure = _figure()
    axes = figure.subplots()
    everything = np.concatenate([s[2] for s in series]) if series else np.array([0.0])
    if not everything.size:
        everything = np.array([0.0])
    whole = np.all(np.mod(everything, 1) == 0)
    if whole and np.ptp(everything) <= 60:
        bins = np.arange(everything.min() - 0.5, everything.max() + 1.5).tolist()
    else:
        bins = np.histogram_bin_edges(everything, bins=40).tolist()
    for label, _, sample in series:
        axes.hist(
            sample,
            bins=bins,
            alpha=0.55 if len(series) > 1 else 0.9,
            density=True,
            label=f"{label}, n={len(sample)}",
        )
    axes.set_xlabel(axis_label(field))
    axes.set_ylabel("share of replications")
    axes.set_title(f"Distribution of {field.label}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def sweep_figure(sweep: SweepResults, name: str, confidence: float = 0.95) -> Figure:
    """A sweep's metric against one parameter (line with interval band), or over two
    (a heat map for a grid, a coloured scatter for sampled designs)."""
    rows = sweep.summary([name], confidence)
    first = sweep.point(0)
    field = find(first.scenario, name) if first is not None else None
    label = axis_label(field) if field is not None else name
    if not rows:
        raise InputError("--metric", name, "the sweep has no finished points")
    factors = sweep.paths
    figure = _figure()
    axes = figure.subplots()
    if len(factors) == 1:
        (x,) = factors
        rows.sort(key=lambda r: r[x])
        xs = [r[x] for r in rows]
        axes.plot(xs, [r["estimate"] for r in rows], marker="o")
        axes.fill_between(xs, [r["low"] for r in rows], [r["high"] for r in rows], alpha=0.25)
        axes.set_xlabel(x)
        axes.set_ylabel(label)
        axes.set_title(f"{label} across the sweep ({confidence:.0%} interval band)")
    elif len(factors) == 2:
        x, y = factors
        xs, ys = sorted({r[x] for r in rows}), sorted({r[y] for r in rows})
        image: Any
        if len(xs) * len(ys) == len(rows):  # a grid: a heat map
            grid = np.full((len(ys), len(xs)), np.nan)
            for r in rows:
                grid[ys.index(r[y]), xs.index(r[x])] = r["estimate"]
            image = axes.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
            axes.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs])
            axes.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
        else:
            image = axes.scatter(
                [r[x] for r in rows],
                [r[y] for r in rows],
                c=[r["estimate"] for r in rows],
                cmap="viridis",
                s=60,
            )
        figure.colorbar(image, ax=axes, label=label)
        axes.set_xlabel(x)
        axes.set_ylabel(y)
        axes.set_title(f"{label} across the sweep")
    else:
        raise InputError("DIR", str(sweep.directory), "plots show sweeps of one or two parameters")
    figure.tight_layout()
    return figure


def check_path(path: str | Path) -> Path:
    """A picture's file name, which must end in .png, .svg or .pdf, in a folder that
    exists."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError("-o", str(path), "expected a file name ending in .png, .svg or .pdf")
    if not path.parent.is_dir():
        raise InputError("-o", str(path), f"its folder {path.parent} does not exist")
    return path


def save(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` to ``path`` (.png, .svg or .pdf)."""
    target = check_path(path)
    figure.savefig(target)
    return target
