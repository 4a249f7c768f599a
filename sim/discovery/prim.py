"""PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999), as scenario
discovery uses it (Bryant and Lempert 2010): a box of parameter limits where the cases
of interest are dense.

Peeling starts from the box holding every row and, step after step, cuts off the
``peel_alpha`` share of the box's rows at the low or high end of one parameter (ties
cut together), choosing the cut that raises the share of cases of interest the most
per row removed (the "lenient" criterion of Friedman and Fisher's equation 14.5, the
default of EMA Workbench), and preferring a cut on an already restricted parameter on
a tie. It stops when no cut raises that share, or the next box would hold less than
``mass_min`` of the rows. Each step of this peeling trajectory is a candidate box with
its coverage (the share of all cases of interest inside), density (the share of the
box's rows that are cases) and mass (the share of rows inside).

The chosen box (``CHOICE``), in two moves:

1. Among the boxes whose coverage is at least ``min_coverage``, the densest has
   density d* over n* rows; the step chosen is the first of the trajectory (the
   largest box, with the fewest restrictions) whose density is within one binomial
   standard error of it, ``d* - sqrt(d* (1 - d*) / n*)``: later boxes are denser by
   little more than noise, and the restrictions peeling adds there mostly follow
   noise (the one-standard-error rule of CART, applied to the trajectory).
2. Each limit of that box has its quasi-p-value (Bryant and Lempert 2010; EMA
   Workbench gives one per side): the chance, under a binomial, that the box would
   hold as many cases of interest as it does if each of its rows were a case with
   the density of the box with that limit lifted. The limit with the largest is
   lifted while it is above ``max_qp`` (0.05), and the rest tested again: what is
   left are the limits the data support.

``Prim.at(step)`` gives any box of the trajectory as it is. Friedman and Fisher's
pasting, which regrows the last box of the trajectory, is left out: the chosen box
comes from within it, and lifting its weak limits is what regrows it here.

A box keeps the rows from its lowest to its highest kept value along each parameter;
its rules state it as ``lower < value <= upper`` in the roundest numbers that split
the rows the same way (see ``Frame.rule``): on a grid design, grid values.

Written here rather than taken from a package. The ``prim`` package (Project
Platypus, 1.0.0) is GPL-3.0-or-later, whose terms would reach this MIT-licensed
project through the import; its code has not changed since 2024; and it imports
pyplot and mplcursors to compute a box. ``ema_workbench``'s ``analysis.prim`` (BSD)
needs Python 3.12 from its 3.0 release on (2.5.3 is the last for 3.11); it brings
statsmodels, seaborn, SALib, platypus-opt and scikit-learn with it, imports pyplot
and seaborn and warns on import, and warns under pandas 3 while peeling. Both peel by
the same criterion, and give the trajectory computed here, step for step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.discovery.frames import Frame, Rule
from sim.errors import InputError

CHOICE = (
    "the first box whose density is within one standard error of the densest box "
    "with coverage at least {min_coverage:g}, its limits with a quasi-p-value above "
    "{max_qp:g} lifted"
)


@dataclass(frozen=True, slots=True)
class Step:
    """One box of the peeling trajectory."""

    coverage: float  # share of all cases of interest inside the box
    density: float  # share of the box's rows that are cases of interest
    mass: float  # share of all rows inside the box
    restricted: int  # parameters the box restricts
    rows: int
    cases: int


@dataclass(frozen=True, slots=True)
class Box:
    """A box: its statistics, every parameter's limits (the range of all rows along
    the parameters it leaves free), and its restrictions alone as rules, with each
    limit's quasi-p-value (lower, upper; None for a side left open)."""

    step: int  # the step of the trajectory it comes from
    coverage: float
    density: float
    mass: float
    rows: int
    cases: int
    limits: dict[str, tuple[float, float]]
    rules: tuple[Rule, ...]
    qp: dict[str, tuple[float | None, float | None]]
    lifted: tuple[str, ...] = ()  # the limits lifted from the step's box, as rules

    @property
    def restricted(self) -> tuple[str, ...]:
        return tuple(r.parameter for r in self.rules)


@dataclass(frozen=True, eq=False)
class Prim:
    """A peeling trajectory over a frame, and the box chosen from it."""

    frame: Frame
    trajectory: tuple[Step, ...]
    lowers: tuple[tuple[float, ...], ...]  # each step's lower limits, a value per parameter
    uppers: tuple[tuple[float, ...], ...]
    chosen: int  # the step the chosen box comes from
    box: Box  # the chosen box
    min_coverage: float
    max_qp: float | None

    @property
    def choice(self) -> str:
        """How the box was chosen, in words."""
        if self.max_qp is None:
            return CHOICE.split(", its limits")[0].format(min_coverage=self.min_coverage)
        return CHOICE.format(min_coverage=self.min_coverage, max_qp=self.max_qp)

    def at(self, step: int) -> Box:
        """The box of ``step`` on the trajectory (0: every row), nothing lifted."""
        if not 0 <= step < len(self.trajectory):
            raise InputError("--step", str(step), f"expected 0 to {len(self.trajectory) - 1}")
        return _box(self.frame, step, self.lowers[step], self.uppers[step])

    def inside(self, box: Box) -> np.ndarray:
        """Which rows lie in ``box``."""
        return _inside(self.frame.x, *_arrays(self.frame, box))


def find_box(
    frame: Frame,
    *,
    min_coverage: float = 0.5,
    max_qp: float | None = 0.05,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Prim:
    """Peel ``frame`` into a trajectory of boxes, and choose one (``CHOICE``; with
    ``max_qp`` None, no limit is lifted)."""
    for value, option, low, high in (
        (min_coverage, "--min-coverage", 0.0, 1.0),
        (1.0 if max_qp is None else max_qp, "--max-qp", 0.0, 1.0),
        (peel_alpha, "--peel-alpha", 0.01, 0.5),
        (mass_min, "--mass-min", 0.0, 1.0),
    ):
        if isinstance(value, bool) or not (isinstance(value, int | float) and low <= value <= high):
            raise InputError(option, str(value), f"expected a number from {low:g} to {high:g}")
    x = np.asarray(frame.x, dtype=float)
    cases = np.asarray(frame.cases, dtype=bool)
    lowers, uppers = peel(x, cases, peel_alpha, mass_min)
    trajectory = [
        _step(x, cases, low, high, lowers[0], uppers[0])
        for low, high in zip(lowers, uppers, strict=True)
    ]
    chosen = choose(trajectory, min_coverage)
    box = _box(frame, chosen, lowers[chosen], uppers[chosen])
    if max_qp is not None:
        box = lift(frame, box, max_qp)
    return Prim(
        frame,
        tuple(trajectory),
        tuple(tuple(float(v) for v in low) for low in lowers),
        tuple(tuple(float(v) for v in high) for high in uppers),
        chosen,
        box,
        min_coverage,
        max_qp,
    )


def choose(trajectory: Sequence[Step], min_coverage: float) -> int:
    """The step whose box is chosen: the first within one binomial standard error of
    the densest box with coverage at least ``min_coverage``."""
    covering = [i for i, s in enumerate(trajectory) if s.coverage >= min_coverage]
    best = max(covering, key=lambda i: (trajectory[i].density, -i))
    top = trajectory[best]
    margin = math.sqrt(top.density * (1 - top.density) / top.rows)
    return next(i for i in covering if trajectory[i].density >= top.density - margin)


def lift(frame: Frame, box: Box, max_qp: float) -> Box:
    """``box`` with its limits whose quasi-p-value is above ``max_qp`` lifted, the
    least supported first, the others' tested again after each."""
    lifted = list(box.lifted)
    while True:
        weakest = max(
            (
                (qp, name, side)
                for name, pair in box.qp.items()
                for side, qp in enumerate(pair)
                if qp is not None
            ),
            default=None,
        )
        if weakest is None or weakest[0] <= max_qp:
            return box
        qp, name, side = weakest
        note = f" (quasi-p {qp:.2g})"
        low, high = _arrays(frame, box)
        column = frame.parameters.index(name)
        kept = box.limits[name]
        if side == 0:
            low[column] = frame.ranges()[name][0]
            lifted.append(frame.rule(name, kept[0], None).text + note)
        else:
            high[column] = frame.ranges()[name][1]
            lifted.append(frame.rule(name, None, kept[1]).text + note)
        box = _box(frame, box.step, low, high, tuple(lifted))


def peel(
    x: np.ndarray, cases: np.ndarray, peel_alpha: float, mass_min: float
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The peeling trajectory: each step's lower and upper limits, a value per column
    of ``x`` (the first step holds every row)."""
    total, columns = x.shape
    lowers, uppers = [x.min(axis=0)], [x.max(axis=0)]
    inside = np.ones(total, dtype=bool)
    while True:
        rows, mean = int(inside.sum()), float(cases[inside].mean())
        # (gain, parameters left free, rows kept, lower limits, upper limits)
        best: tuple[float, int, np.ndarray, np.ndarray, np.ndarray] | None = None
        for column in range(columns):
            for upper in (True, False):
                cut = _cut(x[inside, column], peel_alpha, upper)
                if cut is None:
                    continue
                kept = inside & ((x[:, column] < cut) if upper else (x[:, column] > cut))
                gain = (float(cases[kept].mean()) - mean) / (rows - int(kept.sum()))
                low, high = lowers[-1].copy(), uppers[-1].copy()
                if upper:
                    high[column] = x[kept, column].max()
                else:
                    low[column] = x[kept, column].min()
                free = columns - int(np.count_nonzero((low > lowers[0]) | (high < uppers[0])))
                if best is None or (gain, free) > best[:2]:
                    best = (gain, free, kept, low, high)
        if best is None or best[0] <= 0 or best[2].sum() / total < mass_min:
            return lowers, uppers
        inside = best[2]
        lowers.append(best[3])
        uppers.append(best[4])


def _cut(values: np.ndarray, peel_alpha: float, upper: bool) -> float | None:
    """The value from which a peel removes rows: the ``peel_alpha`` share of them at
    one end (at least one row, ties removed together); None if it would remove all."""
    ordered = np.sort(values)
    count = math.floor((ordered.size - 1) * peel_alpha) + 1
    cut = float(ordered[-count] if upper else ordered[count - 1])
    remaining = ordered < cut if upper else ordered > cut
    return cut if remaining.any() else None


def _inside(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.all((x >= low) & (x <= high), axis=1)  # type: ignore[no-any-return]


def _arrays(frame: Frame, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """A box's lower and upper limits as arrays, a value per parameter."""
    low = np.array([box.limits[p][0] for p in frame.parameters], dtype=float)
    high = np.array([box.limits[p][1] for p in frame.parameters], dtype=float)
    return low, high


def _step(
    x: np.ndarray,
    cases: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    first_low: np.ndarray,
    first_high: np.ndarray,
) -> Step:
    inside = _inside(x, low, high)
    rows, found, total = int(inside.sum()), int(cases[inside].sum()), int(cases.sum())
    restricted = int(np.count_nonzero((low > first_low) | (high < first_high)))
    return Step(found / total, found / rows, rows / len(cases), restricted, rows, found)


def _box(
    frame: Frame,
    step: int,
    low: Sequence[float] | np.ndarray,
    high: Sequence[float] | np.ndarray,
    lifted: tuple[str, ...] = (),
) -> Box:
    """The box with these limits, its rules and its limits' quasi-p-values."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    ranges = frame.ranges()
    first_low = np.array([ranges[p][0] for p in frame.parameters])
    first_high = np.array([ranges[p][1] for p in frame.parameters])
    found = _step(frame.x, frame.cases, low, high, first_low, first_high)
    rules, qp = [], {}
    for i, name in enumerate(frame.parameters):
        below, above = low[i] > first_low[i], high[i] < first_high[i]
        if not (below or above):
            continue
        rules.append(
            frame.rule(name, float(low[i]) if below else None, float(high[i]) if above else None)
        )
        qp[name] = (
            _quasi_p(frame, found, low, high, i, first_low[i], high[i]) if below else None,
            _quasi_p(frame, found, low, high, i, low[i], first_high[i]) if above else None,
        )
    limits = {name: (float(low[i]), float(high[i])) for i, name in enumerate(frame.parameters)}
    return Box(
        step,
        found.coverage,
        found.density,
        found.mass,
        found.rows,
        found.cases,
        limits,
        tuple(rules),
        qp,
        lifted,
    )


def _quasi_p(
    frame: Frame,
    box: Step,
    low: np.ndarray,
    high: np.ndarray,
    column: int,
    lower: float,
    upper: float,
) -> float:
    """The quasi-p-value of a limit (Bryant and Lempert 2010): the chance that the
    box's rows would hold at least its cases of interest if each were a case with the
    density of the box with that limit lifted (its column's limits set to ``lower``
    and ``upper``): a one-sided binomial test."""
    from scipy import stats

    low, high = low.copy(), high.copy()
    low[column], high[column] = lower, upper
    density = float(frame.cases[_inside(frame.x, low, high)].mean())
    return float(stats.binom.sf(box.cases - 1, box.rows, density))


def describe(prim: Prim, box: Box | None = None) -> str:
    """The box (the chosen one by default) as a sentence: ``P(collapsed) above 0.3
    when a > 0.32 and b <= 3.1: coverage 0.81, density 0.74``."""
    box = prim.box if box is None else box
    found = f"coverage {box.coverage:.2f}, density {box.density:.2f}"
    if box.rules:
        return f"{prim.frame.case} when {' and '.join(r.text for r in box.rules)}: {found}"
    rows = prim.frame.rows
    if box.lifted:
        return (
            f"{prim.frame.case}: no limit holds up (each has a quasi-p-value above "
            f"{prim.max_qp:g}); over all the {rows}: {found}"
        )
    return (
        f"{prim.frame.case}: no box with coverage at least {prim.min_coverage:g} is denser "
        f"than all the {rows} ({found})"
    )
