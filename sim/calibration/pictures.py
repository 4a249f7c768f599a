"""Pictures of a calibration: each fitted parameter's posterior against its prior,
the parameters two by two, and the predictive check of every target."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.calibration.check import LEVEL
from sim.experiments.designs import Factor
from sim.optional import require
from sim.outputs.pictures import figure_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BINS = 30
POSTERIOR = "#1f5f8b"
OBSERVED = "#c0392b"


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))


def _path(path: str, width: int = 28) -> str:
    """A dotted path on lines of at most ``width``, broken after its dots only."""
    lines = [""]
    for part in path.split("."):
        piece = f".{part}" if lines[-1] else part
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append(part)
        else:
            lines[-1] += piece
    return "\n".join(lines)


def _bins(values: np.ndarray[Any, Any]) -> list[float] | int:
    """Unit bins for whole numbers (a statistic of counts), else up to ``BINS``."""
    if values.size and np.all(values == np.round(values)):
        return [float(v) - 0.5 for v in range(int(values.min()), int(values.max()) + 2)]
    return min(BINS, max(5, values.size // 4))


def _marginal(
    axes: Axes,
    values: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any],
    factor: Factor,
    summary: dict[str, Any],
    legend: bool,
) -> None:
    stats = require("scipy.stats", "truce calibrate", "", "the posterior pictures")
    effective = 1.0 / float(np.sum(weights**2))
    count = int(min(BINS, max(8, round(2 * math.sqrt(effective)))))
    edges = np.linspace(factor.low, factor.high, count + 1)
    axes.hist(
        values,
        bins=edges.tolist(),
        weights=weights,
        density=True,
        color=POSTERIOR,
        alpha=0.35,
        label="posterior (histogram)",
    )
    if np.ptp(values) > 0:
        grid = np.linspace(factor.low, factor.high, 200)
        density = stats.gaussian_kde(values, weights=weights)(grid)
        axes.plot(grid, density, color=POSTERIOR, linewidth=1.8, label="posterior (smoothed)")
    axes.axhline(1 / (factor.high - factor.low), color="0.3", linestyle="--", label="prior")
    axes.axvspan(
        summary["low"],
        summary["high"],
        color=POSTERIOR,
        alpha=0.12,
        label=f"{round(100 * LEVEL)}% interval",
    )
    axes.axvline(
        summary["median"], color="black", linewidth=1.2, label=f"median {summary['median']:.4g}"
    )
    axes.set_xlim(factor.low, factor.high)
    axes.set_xlabel(_path(factor.path, 40))
    axes.set_ylabel("density")
    if legend:
        axes.legend(fontsize=7, loc="best")


def marginals_figure(
    points: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any],
    factors: Sequence[Factor],
    summaries: Sequence[dict[str, Any]],
    title: str,
) -> Figure:
    """One panel per parameter: the weighted posterior histogram over the prior's
    range, the uniform prior's density, the median and the credible interval."""
    count = len(factors)
    columns = min(count, 3)
    rows = math.ceil(count / columns)
    figure = figure_of(height=3.4 * rows + 0.6, width=4.2 * columns + 0.4)
    for index, factor in enumerate(factors):
        axes = figure.add_subplot(rows, columns, index + 1)
        _marginal(axes, points[:, index], weights, factor, summaries[index], True)
    figure.suptitle(_wrap(f"{title}: posterior of each fitted parameter", 90), fontsize=11)
    figure.tight_layout()
    return figure


def pairs_figure(
    points: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any],
    factors: Sequence[Factor],
    summaries: Sequence[dict[str, Any]],
    title: str,
) -> Figure:
    """The parameters two by two: marginals on the diagonal, below it each pair's
    particles, their area in proportion to their weight."""
    count = len(factors)
    size = 2.6 * count + 0.8
    figure = figure_of(height=size, width=size)
    scale = 60.0 / max(float(np.max(weights)), 1e-12)
    for row in range(count):
        for column in range(row + 1):
            axes = figure.add_subplot(count, count, row * count + column + 1)
            x, y = factors[column], factors[row]
            if row == column:
                _marginal(axes, points[:, row], weights, x, summaries[row], False)
                axes.set_ylabel("density" if column == 0 else "")
            else:
                axes.scatter(
                    points[:, column],
                    points[:, row],
                    s=weights * scale,
                    color=POSTERIOR,
                    alpha=0.45,
                    linewidths=0,
                )
                axes.set_xlim(x.low, x.high)
                axes.set_ylim(y.low, y.high)
                axes.set_ylabel(_path(y.path) if column == 0 else "", fontsize=8)
            axes.set_xlabel(_path(x.path) if row == count - 1 else "", fontsize=8)
            axes.tick_params(labelsize=7)
    figure.suptitle(
        _wrap(f"{title}: fitted parameters two by two (dot area: weight)", 90), fontsize=11
    )
    figure.tight_layout()
    return figure


def check_figure(
    simulated: np.ndarray[Any, Any], rows: Sequence[dict[str, Any]], title: str
) -> Figure:
    """One panel per target: the statistic simulated at posterior draws, against the
    observation and its 95% band."""
    count = len(rows)
    columns = min(count, 2)
    lines = math.ceil(count / columns)
    figure = figure_of(height=3.3 * lines + 0.7, width=5.2 * columns + 0.4)
    for index, row in enumerate(rows):
        axes = figure.add_subplot(lines, columns, index + 1)
        values = simulated[index][~np.isnan(simulated[index])]
        if values.size:
            axes.hist(
                values,
                bins=_bins(values),
                color=POSTERIOR,
                alpha=0.75,
                label=f"simulated at {values.size} posterior draws",
            )
        observed, sd = row["observed"], row["sd"]
        axes.axvspan(
            observed - 1.96 * sd,
            observed + 1.96 * sd,
            color=OBSERVED,
            alpha=0.15,
            label=f"observed {observed:g} +- {sd:.3g} (95% band)",
        )
        axes.axvline(observed, color=OBSERVED, linewidth=1.5)
        verdict = (
            f"predictive p = {row['p_value']:.2f}" if "p_value" in row else "no draw defines it"
        )
        axes.set_title(_wrap(f"{row['label']}: {verdict}", 50), fontsize=9)
        axes.set_xlabel("the statistic, over each draw's replications", fontsize=8)
        axes.set_ylabel("posterior draws")
        axes.legend(fontsize=7, loc="best")
    figure.suptitle(_wrap(f"{title}: posterior predictive check of each target", 90), fontsize=11)
    figure.tight_layout()
    return figure
