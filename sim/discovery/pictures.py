"""Pictures of scenario discovery, with matplotlib (an optional extra), each returned
as a ``Figure`` (``sim.outputs.pictures.save`` writes it):

- the peeling trajectory: each box's coverage against its density, coloured by how
  many parameters it restricts, the chosen box marked and described;
- the chosen box: for two restricted parameters, the rows over them with the box
  drawn (cases of interest and the rest with their own markers; where replications
  share their sweep point's place, a marker per point coloured by its share of
  cases); otherwise a panel per restricted parameter (every parameter, if none is):
  the box's limits against the parameter's range over the sweep, with the rows
  within the box's other limits along it, so that the panel shows what the limit
  separates.

Axes are labelled with the parameter paths, titles with what a case of interest is.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.discovery.frames import Frame, Rule
from sim.discovery.prim import Box, Prim
from sim.optional import require
from sim.outputs.pictures import figure_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CASE, OTHER, BOX = "#d95f02", "#7f7f7f", "#1b9e77"  # cases of interest, the rest, the box


def trajectory_figure(prim: Prim) -> Figure:
    """Coverage against density for each box of the peeling trajectory, coloured by
    the number of parameters it restricts; the chosen box marked and described."""
    colors = _matplotlib("colors")
    figure = figure_of(5.0, 7.5)
    axes = figure.subplots()
    steps = prim.trajectory
    coverage = np.array([s.coverage for s in steps])
    density = np.array([s.density for s in steps])
    restricted = np.array([s.restricted for s in steps])
    most = max(1, int(restricted.max()))
    viridis = _matplotlib("cm").viridis  # its yellow end is too pale on white: stop short
    palette = colors.ListedColormap(viridis(np.linspace(0, 0.85, most + 1)))
    norm = colors.BoundaryNorm(np.arange(-0.5, most + 1.5), most + 1)
    axes.plot(coverage, density, color=OTHER, linewidth=0.8, alpha=0.6, zorder=1)
    points = axes.scatter(coverage, density, c=restricted, cmap=palette, norm=norm, s=28, zorder=2)
    bar = figure.colorbar(points, ax=axes, ticks=range(most + 1))
    bar.set_label("parameters restricted")
    axes.axvline(prim.min_coverage, color=OTHER, linestyle="--", linewidth=1)
    axes.annotate(
        f"least coverage {prim.min_coverage:g}",
        (prim.min_coverage, 0.02),
        xycoords=("data", "axes fraction"),
        xytext=(-4, 0),
        textcoords="offset points",
        rotation=90,
        ha="right",
        va="bottom",
        fontsize=8,
        color=OTHER,
    )
    step, box = steps[prim.chosen], prim.box
    axes.scatter(
        [step.coverage],
        [step.density],
        s=170,
        facecolors="none",
        edgecolors="black",
        linewidths=1.5,
        zorder=3,
        label=f"chosen step: {prim.chosen} of {len(steps) - 1}",
    )
    if box.lifted:
        lifted = len(box.lifted)
        axes.scatter(
            [box.coverage],
            [box.density],
            marker="*",
            s=230,
            color=CASE,
            edgecolors="black",
            zorder=4,
            label=f"its box with {lifted} weak limit{'s' if lifted > 1 else ''} lifted",
        )
    lines = [
        "chosen box:",
        *(rule.text for rule in box.rules),
        f"coverage {box.coverage:.2f}, density {box.density:.2f}",
    ]
    if not box.rules:
        lines[1:1] = ["no restriction"]
    # the trajectory bounds what can be had from above and the right, so below and to
    # the left of the chosen box there is room
    axes.annotate(
        "\n".join(textwrap.shorten(line, 55) for line in lines),
        (box.coverage, box.density),
        xytext=(-30, -40),
        textcoords="offset points",
        ha="right",
        va="top",
        multialignment="left",
        fontsize=8,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": OTHER},
        arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 0.8},
    )
    axes.set_xlim(0, 1.03)
    axes.set_ylim(0, 1.03)
    axes.set_xlabel("coverage: share of all the cases of interest inside the box")
    axes.set_ylabel(f"density: share of the box's {prim.frame.rows} that are cases")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    axes.set_title(_title(prim.frame, "PRIM peeling trajectory"), fontsize=10)
    figure.tight_layout()
    return figure


def box_figure(prim: Prim, box: Box | None = None) -> Figure:
    """The box (the chosen one by default): over its two restricted parameters, the
    rows and the box; otherwise a panel per restricted parameter."""
    box = prim.box if box is None else box
    if len(box.rules) == 2:
        return _scatter(prim, box)
    return _panels(prim, box)


def _matplotlib(module: str) -> Any:
    return require(f"matplotlib.{module}", "plot", "pictures", "drawing")


def _title(frame: Frame, what: str) -> str:
    """What is drawn, what a case of interest is, and how many there are."""
    hits, total = int(frame.cases.sum()), len(frame.cases)
    lines = [f"{what}: {frame.case}", f"{hits} of {total} {frame.rows} are cases of interest"]
    return "\n".join(textwrap.fill(line, 90) for line in lines)


def _about(prim: Prim, box: Box) -> str:
    """The box's statistics, and when it restricts nothing, why."""
    frame = prim.frame
    found = f"coverage {box.coverage:.2f}, density {box.density:.2f}"
    if box.rules:
        return f"{found} ({box.rows} of {len(frame.cases)} {frame.rows} in the box)"
    if box.lifted:
        why = f"no limit holds up (each has a quasi-p-value above {prim.max_qp:g})"
    else:
        why = f"no box with coverage at least {prim.min_coverage:g} is denser than all the rows"
    return f"{why}\nall the {frame.rows}: {found}"


def _edges(parameter: str, frame: Frame, box: Box) -> tuple[float, float]:
    """Where the box's sides along ``parameter`` are drawn: halfway between the last
    row value kept and the next one left out (on a grid, between two levels, so that
    no level sits on a side), or past the range where the side is open."""
    values = np.unique(frame.column(parameter))
    low, high = values[0], values[-1]
    margin = 0.02 * (high - low)
    kept_low, kept_high = box.limits[parameter]
    below, above = values[values < kept_low], values[values > kept_high]
    left = (below[-1] + kept_low) / 2 if below.size else low - margin
    right = (above[0] + kept_high) / 2 if above.size else high + margin
    return float(left), float(right)


def _marker_size(rows: int) -> float:
    return 30.0 if rows <= 200 else 14.0 if rows <= 2000 else 5.0


def _scatter(prim: Prim, box: Box) -> Figure:
    frame = prim.frame
    first, second = box.rules
    xs, ys = frame.column(first.parameter), frame.column(second.parameter)
    figure = figure_of(5.5, 7.5)
    axes = figure.subplots()
    places = np.unique(np.column_stack([xs, ys]), axis=0)
    if len(places) == len(xs):  # a row per place: cases and the rest
        size = _marker_size(len(xs))
        for chosen, color, marker, label in (
            (~frame.cases, OTHER, "x", f"other {frame.rows}"),
            (frame.cases, CASE, "o", "cases of interest"),
        ):
            axes.scatter(
                xs[chosen],
                ys[chosen],
                c=color,
                marker=marker,
                s=size,
                alpha=0.8,
                linewidths=1,
                label=f"{label} ({int(chosen.sum())})",
            )
    else:  # replications share their point's place: a marker per place, by its share
        shares = [frame.cases[(xs == px) & (ys == py)].mean() for px, py in places]
        image = axes.scatter(
            places[:, 0],
            places[:, 1],
            c=shares,
            cmap="viridis",
            vmin=0,
            vmax=1,
            s=_marker_size(len(places)) * 1.5,
            edgecolors="white",
            linewidths=0.5,
        )
        figure.colorbar(image, ax=axes, label=f"share of the {frame.rows} there that are cases")
    (left, right) = _edges(first.parameter, frame, box)
    (bottom, top) = _edges(second.parameter, frame, box)
    patches = _matplotlib("patches")
    axes.add_patch(
        patches.Rectangle(
            (left, bottom),
            right - left,
            top - bottom,
            fill=False,
            edgecolor=BOX,
            linewidth=2.5,
            label=f"the box: {first.text} and {second.text}",
        )
    )
    for axis, name in ((axes.set_xlim, first.parameter), (axes.set_ylim, second.parameter)):
        low, high = frame.ranges()[name]
        margin = 0.04 * (high - low)
        axis(low - margin, high + margin)
    axes.set_xlabel(first.parameter)
    axes.set_ylabel(second.parameter)
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    axes.set_title(f"{_title(frame, 'PRIM box')}\n{_about(prim, box)}", fontsize=9)
    figure.tight_layout()
    return figure


def _panels(prim: Prim, box: Box) -> Figure:
    frame = prim.frame
    rules = list(box.rules) or [Rule(p, None, None) for p in frame.parameters]
    figure = figure_of(1.9 + 1.0 * len(rules), 7.5)
    figure.set_layout_engine("constrained")
    panels = figure.subplots(len(rules), 1, squeeze=False)[:, 0]
    rng = np.random.default_rng(0)  # the rows' jitter, the same each time
    for axes, rule in zip(panels, rules, strict=True):
        others = [r for r in box.rules if r is not rule]
        within = np.ones(len(frame.cases), dtype=bool)
        for other in others:
            within &= other.holds(frame.column(other.parameter))
        _panel(axes, frame, rule, box, within, rng)
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    what = "PRIM box" if box.rules else "no PRIM box"
    figure.suptitle(f"{_title(frame, what)}\n{_about(prim, box)}", fontsize=9)
    return figure


def _panel(axes: Axes, frame: Frame, rule: Rule, box: Box, within: np.ndarray, rng: Any) -> None:
    """One parameter: its range over the sweep (grey), the box's limits along it
    (coloured), and the rows within the box's other limits along it, cases marked."""
    low, high = frame.ranges()[rule.parameter]
    axes.barh(0.5, high - low, left=low, height=1.0, color=OTHER, alpha=0.12, label="range")
    if box.rules:
        left, right = _edges(rule.parameter, frame, box)
        axes.barh(0.5, right - left, left=left, height=1.0, color=BOX, alpha=0.3, label="box")
    values = frame.column(rule.parameter)
    size = _marker_size(int(within.sum()))
    besides = " within the other limits" if len(box.rules) > 1 else ""
    for chosen, color, marker, label in (
        (within & ~frame.cases, OTHER, "x", f"other {frame.rows}{besides}"),
        (within & frame.cases, CASE, "o", f"cases of interest{besides}"),
    ):
        axes.scatter(
            values[chosen],
            rng.uniform(0.12, 0.88, int(chosen.sum())),
            s=size,
            color=color,
            marker=marker,
            alpha=0.6,
            linewidths=1,
            label=label,
        )
    qp = box.qp.get(rule.parameter, (None, None))
    notes = [rule.text if box.rules else rule.parameter]
    notes += [
        f"quasi-p of the {side} limit {value:.2g}"
        for side, value in zip(("lower", "upper"), qp, strict=True)
        if value is not None
    ]
    axes.set_title("; ".join(notes), fontsize=8, loc="left")
    margin = 0.02 * (high - low)
    axes.set_xlim(low - margin, high + margin)
    axes.set_ylim(0, 1)
    axes.set_yticks([])
    axes.tick_params(axis="x", labelsize=8)
