"""What scenario discovery reads from a sweep: the swept parameters as a matrix X (a
column per parameter that varies, as floats), the metric's value y for each row, and
which rows are cases of interest.

Two kinds of row:

- ``point``: a row per sweep point; y is the point's estimate from the sweep's tidy
  summary (the share of replications where a true/false outcome holds, or a mean),
  and a case of interest is a point whose estimate is above ``threshold``;
- ``replication``: a row per replication; y is its value, and a case of interest is a
  true/false outcome that holds, or a number above ``threshold``.

Rules found on a frame are stated here too (``Rule``): ``lower < value <= upper``
(the convention of scikit-learn's trees, so that the two sides of a split read
``x <= c`` and ``x > c``), where a limit is the shortest decimal number at or above the
last row value on its low side and below the first on its high side, the one nearest
the low side: it splits the rows exactly as the limit found does, and on a grid design
it is a grid value (the last level left out below a box, the last level kept at its
top).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.errors import InputError
from sim.model.catalogue import Field, SeriesAt, check_metric, days
from sim.optional import require
from sim.outputs.results import Results, SweepResults
from sim.statistics.summaries import given_values

if TYPE_CHECKING:
    import pandas as pd

Per = Literal["point", "replication"]
PER: tuple[Per, ...] = ("point", "replication")


@dataclass(frozen=True, eq=False)
class Frame:
    """The rows discovery works on. ``x`` holds a column per entry of ``parameters``
    (the swept parameters that vary); ``y`` the metric's value in each row (1.0 or 0.0
    for a true/false outcome per replication); ``cases`` whether each row is a case of
    interest; ``point`` the sweep point each row comes from."""

    parameters: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    cases: np.ndarray
    point: np.ndarray
    metric: str
    outcome: str  # what y is: "P(collapsed)", "mean deaths", "collapsed", "deaths"
    threshold: float | None  # None: a true/false outcome per replication
    per: Per
    constant: tuple[str, ...] = ()  # swept parameters left out: one value over the sweep
    left_out: int = 0  # rows without a value: no estimate, or the outcome undefined

    @property
    def case(self) -> str:
        """What a case of interest is, in words: ``P(collapsed) above 0.3``."""
        if self.threshold is None:
            return self.outcome
        return f"{self.outcome} above {self.threshold:g}"

    @property
    def rows(self) -> str:
        """What a row is, for labels: ``points`` or ``replications``."""
        return f"{self.per}s"

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Each parameter's range over the rows: the box every restriction cuts."""
        return {
            p: (float(self.x[:, i].min()), float(self.x[:, i].max()))
            for i, p in enumerate(self.parameters)
        }

    def column(self, parameter: str) -> np.ndarray:
        return self.x[:, self.parameters.index(parameter)]

    def rule(self, parameter: str, lowest: float | None, highest: float | None) -> Rule:
        """The restriction keeping the rows whose ``parameter`` lies from ``lowest``
        to ``highest``, both kept (None: that side open), stated in round numbers."""
        values = np.unique(self.column(parameter))
        lower = upper = None
        if lowest is not None and (values < lowest).any():
            lower = _roundest(float(values[values < lowest][-1]), lowest)
        if highest is not None and (values > highest).any():
            upper = _roundest(highest, float(values[values > highest][0]))
        return Rule(parameter, lower, upper)

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a DataFrame: ``point``, a column per parameter, ``y`` and
        ``case`` (pandas, an optional extra)."""
        pandas = require("pandas", "discover", self.metric, "a DataFrame")
        columns: dict[str, Any] = {"point": self.point}
        columns.update({p: self.x[:, i] for i, p in enumerate(self.parameters)})
        columns.update(y=self.y, case=self.cases)
        return pandas.DataFrame(columns)


@dataclass(frozen=True, slots=True)
class Rule:
    """A restriction on one parameter: ``lower < value <= upper``, either side open
    (None) if not restricted. The limits are decimal texts, so that they print as
    found; ``low`` and ``high`` give them as numbers."""

    parameter: str
    lower: str | None
    upper: str | None

    @property
    def low(self) -> float | None:
        return None if self.lower is None else float(self.lower)

    @property
    def high(self) -> float | None:
        return None if self.upper is None else float(self.upper)

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Which of ``values`` satisfy the rule."""
        kept = np.ones(values.shape, dtype=bool)
        if self.low is not None:
            kept &= values > self.low
        if self.high is not None:
            kept &= values <= self.high
        return kept

    @property
    def text(self) -> str:
        """``0.2 < p <= 0.4``, ``p > 0.32`` or ``p <= 3.1``."""
        if self.lower is not None and self.upper is not None:
            return f"{self.lower} < {self.parameter} <= {self.upper}"
        if self.lower is not None:
            return f"{self.parameter} > {self.lower}"
        if self.upper is not None:
            return f"{self.parameter} <= {self.upper}"
        return f"any {self.parameter}"


def _roundest(low: float, high: float) -> str:
    """The shortest decimal in [low, high), the one nearest ``low``: a limit between
    the last row value on one side and the first on the other, which splits the rows
    as the rows themselves do."""
    start, end = Decimal(repr(low)), Decimal(repr(high))
    magnitude = max(abs(start), abs(end))
    coarsest = -magnitude.adjusted() - 1 if magnitude else 0
    for places in range(coarsest, coarsest + 30):
        step = Decimal(1).scaleb(-places)
        found = (start / step).to_integral_value(ROUND_CEILING) * step
        if start <= found < end:
            return _plain(found)
    return _plain(start)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``1500``, ``0.3``, ``-2``."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def frame(
    sweep: SweepResults,
    metric: str,
    *,
    per: str = "point",
    threshold: float | None = None,
) -> Frame:
    """The frame of ``metric`` over ``sweep``, a row per point or per replication."""
    if per not in PER:
        raise InputError("--per", str(per), f"expected one of {', '.join(PER)}")
    if per == "point":
        return point_frame(sweep, metric, threshold)
    return replication_frame(sweep, metric, threshold)


def point_frame(sweep: SweepResults, metric: str, threshold: float | None) -> Frame:
    """A row per point: y is the point's estimate of ``metric`` (a probability or a
    mean, as the sweep's summary gives it); a case of interest is above
    ``threshold``."""
    found = _metric(sweep, metric)
    if threshold is None:
        raise InputError(
            "--threshold",
            "",
            f"a point is a case of interest when its {_outcome(found, 'point')} is above "
            "a threshold; give one",
        )
    _number(threshold)
    rows = [r for r in sweep.summary([metric]) if _finite(r["estimate"])]
    y = np.asarray([r["estimate"] for r in rows], dtype=float)
    point = np.asarray([r["point"] for r in rows], dtype=int)
    values = {p: [r[p] for r in rows] for p in sweep.paths}
    started = sum(sweep.point(i) is not None for i in range(len(sweep.points)))
    return _built(sweep, found, "point", values, y, y > threshold, point, threshold, started)


def replication_frame(sweep: SweepResults, metric: str, threshold: float | None) -> Frame:
    """A row per replication where ``metric`` has a value: a true/false outcome is a
    case of interest where it holds; a number, where it is above ``threshold``."""
    found = _metric(sweep, metric)
    boolean = isinstance(found, Field) and found.kind is bool
    if boolean and threshold is not None:
        raise InputError(
            "--threshold",
            f"{threshold:g}",
            f"{metric} is true or false in each replication, and a case of interest where "
            "it is true; leave out the threshold",
        )
    if not boolean and threshold is None:
        raise InputError(
            "--threshold",
            "",
            f"a replication is a case of interest when {metric} is above a threshold; give one",
        )
    if threshold is not None:
        _number(threshold)
    y, point, values, total = _replications(sweep, found)
    cases = y > 0.5 if boolean else y > (threshold or 0.0)
    return _built(sweep, found, "replication", values, y, cases, point, threshold, total)


def _metric(sweep: SweepResults, metric: str) -> Field | SeriesAt:
    first = next((sweep.point(i) for i in range(len(sweep.points)) if sweep.point(i)), None)
    if first is None:
        raise InputError("DIR", str(sweep.directory), "the sweep has no finished points")
    return check_metric(first.scenario, metric, "--metric")


def _number(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InputError("--threshold", str(threshold), "expected a number")
    if not math.isfinite(threshold):
        raise InputError("--threshold", str(threshold), "expected a finite number")


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(value)


def _outcome(found: Field | SeriesAt, per: Per) -> str:
    """What y is: ``P(collapsed)`` or ``mean deaths`` per point, the outcome per
    replication; a conditional outcome names its condition."""
    if isinstance(found, SeriesAt):
        return f"mean {found.name}" if per == "point" else found.name
    if found.kind is bool:
        given = f" | {found.given}" if found.given else ""
        return f"P({found.name}{given})" if per == "point" else f"{found.name}{given}"
    return f"mean {found.name}" if per == "point" else found.name


def _replications(
    sweep: SweepResults, found: Field | SeriesAt
) -> tuple[np.ndarray, np.ndarray, dict[str, list[Any]], int]:
    """Each replication's value where it has one, its point and parameter values, and
    how many replications there were."""
    values: dict[str, list[Any]] = {p: [] for p in sweep.paths}
    ys: list[float] = []
    points: list[int] = []
    total = 0
    for index in range(len(sweep.points)):
        results = sweep.point(index)
        if results is None:
            continue
        y, count = _point_values(results, found)
        total += count
        ys += y.tolist()
        points += [index] * y.size
        for p in sweep.paths:
            values[p] += [sweep.points[index][p]] * y.size
    return np.asarray(ys, dtype=float), np.asarray(points, dtype=int), values, total


def _point_values(results: Results, found: Field | SeriesAt) -> tuple[np.ndarray, int]:
    """One point's values where defined (``given_values``), and its replications."""
    if isinstance(found, SeriesAt):
        data = results.daily_arrays([found.series.name])[found.series.name]
        on_day = data.reshape(-1, days(results.scenario))[:, found.day].astype(float)
        return on_day[~np.isnan(on_day)], on_day.size
    columns = results.columns([found.name, *([found.given] if found.given else [])])
    present = given_values(found, columns, results.scenario)
    return np.asarray(present, dtype=float), len(columns[found.name])


def _built(
    sweep: SweepResults,
    found: Field | SeriesAt,
    per: Per,
    values: dict[str, list[Any]],
    y: np.ndarray,
    cases: np.ndarray,
    point: np.ndarray,
    threshold: float | None,
    total: int,
) -> Frame:
    """The frame, once it is known to have something to tell apart: parameters that
    vary, and cases of interest that are neither none nor all of the rows."""
    varying = [p for p in sweep.paths if len(set(values[p])) > 1]
    constant = tuple(p for p in sweep.paths if p not in varying)
    where = str(sweep.directory)
    if not varying:
        raise InputError(
            "DIR", where, "no swept parameter takes more than one value, so no rule can separate"
        )
    outcome = _outcome(found, per)
    case = outcome if threshold is None else f"{outcome} above {threshold:g}"
    if not y.size:
        raise InputError("--metric", found.name, f"has no value in any {per} of the sweep")
    hits = int(np.count_nonzero(cases))
    if hits in (0, y.size):
        some = "every" if hits else "no"
        option, value = (
            ("--threshold", f"{threshold:g}")
            if threshold is not None
            else (
                "--metric",
                found.name,
            )
        )
        raise InputError(
            option,
            value,
            f"{some} {per} of the sweep has {case}, so there is nothing to tell apart"
            + ("; choose another threshold" if threshold is not None else ""),
        )
    # a grid's values carry float noise (0.30000000000000004 from linspace): the
    # design meant 0.3, and rules should say so
    x = np.column_stack([[float(f"{v:.12g}") for v in values[p]] for p in varying])
    return Frame(
        tuple(varying),
        x,
        y,
        np.asarray(cases, dtype=bool),
        point,
        found.name,
        outcome,
        threshold,
        per,
        constant,
        total - int(y.size),
    )
