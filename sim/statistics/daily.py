"""Daily series over replications: for each day, a series' mean with its Student t
interval and its quantile bands, the probability of each state of the truce (Wilson
intervals), and the cumulative incidence of collapse (one minus Kaplan-Meier, so a
truce restored after a collapse still counts as having collapsed).

A series is read as a matrix of replications by days, one series at a time, so memory
holds one series however many series there are.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from sim.errors import InputError
from sim.model.catalogue import STATES, Series, days, find_series, series
from sim.model.daily import DailyData
from sim.scenario.spec import Scenario
from sim.statistics.estimators import survival

if TYPE_CHECKING:
    import pandas as pd

BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)  # the quantiles each day's band is drawn from
Floats = NDArray[np.float64]


class DailySource(Protocol):
    """Daily series sorted by replication and day: a results directory, or memory."""

    def daily_arrays(self, names: Sequence[str]) -> DailyData: ...


def matrix(data: DailyData, name: str, n_days: int) -> NDArray[Any]:
    """A series as replications by days."""
    return data[name].reshape(-1, n_days)


@dataclass(frozen=True)
class Band:
    """One series, day by day: how many replications have a value (the strain has none
    once the truce has collapsed), the mean with its interval, and the quantiles."""

    series: Series
    n: NDArray[np.int64]
    mean: Floats
    low: Floats
    high: Floats
    quantiles: dict[float, Floats]

    @classmethod
    def of(cls, entry: Series, values: NDArray[Any], confidence: float) -> Band:
        from scipy import stats

        data = values.astype(np.float64)
        present = ~np.isnan(data)
        n = present.sum(axis=0)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # a day where no replication has a value
            centre = np.nanmean(data, axis=0)
            spread = np.nanstd(data, axis=0, ddof=1)
            t = stats.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1, 1))
            half = np.where(n > 1, t * spread / np.sqrt(np.maximum(n, 1)), np.nan)
            found = np.nanquantile(data, BANDS, axis=0, method="inverted_cdf")
        # every series counts or measures something non-negative (see ``mean``)
        low = np.maximum(centre - half, 0.0)
        return cls(entry, n, centre, low, centre + half, dict(zip(BANDS, found, strict=True)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.series.label,
            "unit": self.series.unit,
            "n": self.n.tolist(),
            "mean": _clean(self.mean),
            "low": _clean(self.low),
            "high": _clean(self.high),
            **{_quantile_key(p): _clean(v) for p, v in self.quantiles.items()},
        }


@dataclass(frozen=True)
class Share:
    """A probability day by day, with its interval."""

    value: Floats
    low: Floats
    high: Floats

    def as_dict(self) -> dict[str, Any]:
        return {"value": _clean(self.value), "low": _clean(self.low), "high": _clean(self.high)}


def wilson(successes: NDArray[np.int64], trials: int, confidence: float) -> Share:
    """Wilson score intervals, day by day (the interval ``proportion`` gives, at once)."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return Share(p, np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0))


@dataclass
class DailySummary:
    """Each series' bands, the truce's states and the cumulative incidence of collapse,
    day by day over ``replications``; days are ``0 .. days - 1`` (day d runs from d to
    d + 1, dated ``start_date + d``)."""

    scenario: Scenario
    replications: int
    confidence: float
    bands: dict[str, Band] = field(default_factory=dict)
    states: dict[str, Share] = field(default_factory=dict)
    incidence: Share | None = None

    @property
    def days(self) -> int:
        return days(self.scenario)

    def dates(self) -> list[dt.date] | None:
        start = self.scenario.start_date
        if start is None:
            return None
        return [start + dt.timedelta(days=d) for d in range(self.days)]

    def as_dict(self) -> dict[str, Any]:
        dates = self.dates()
        return {
            "scenario": self.scenario.name,
            "replications": self.replications,
            "confidence": self.confidence,
            "days": list(range(self.days)),
            "dates": [d.isoformat() for d in dates] if dates else None,
            "day_ends": "values are counts over each day, and states and strain at its end",
            "series": {name: band.as_dict() for name, band in self.bands.items()},
            "states": {name: share.as_dict() for name, share in self.states.items()},
            "collapse_incidence": self.incidence.as_dict() if self.incidence else None,
        }

    # as DataFrames ----------------------------------------------------------------------

    def _base(self) -> dict[str, Any]:
        dates = self.dates()
        base: dict[str, Any] = {"day": list(range(self.days))}
        if dates is not None:
            base["date"] = dates
        return base

    def series_frame(self) -> pd.DataFrame:
        """A row per series and day: n, mean, low, high and the quantiles q05 .. q95."""
        pd = _pandas()
        frames = []
        for name, band in self.bands.items():
            frame = pd.DataFrame(self._base())
            frame.insert(0, "series", name)
            frame["n"], frame["mean"], frame["low"], frame["high"] = (
                band.n,
                band.mean,
                band.low,
                band.high,
            )
            for p, values in band.quantiles.items():
                frame[_quantile_key(p)] = values
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def states_frame(self) -> pd.DataFrame:
        """A row per day and state: its probability with the interval."""
        pd = _pandas()
        frames = []
        for state, share in self.states.items():
            frame = pd.DataFrame(self._base())
            frame["state"] = state
            frame["probability"], frame["low"], frame["high"] = share.value, share.low, share.high
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def incidence_frame(self) -> pd.DataFrame:
        """A row per day: P(the truce has collapsed by the day's end), with the interval."""
        pd = _pandas()
        frame = pd.DataFrame(self._base())
        if self.incidence is not None:
            frame["incidence"] = self.incidence.value
            frame["low"], frame["high"] = self.incidence.low, self.incidence.high
        return frame


def summarize_daily(
    scenario: Scenario,
    source: DailySource,
    collapse_days: Sequence[float | None] | None,
    confidence: float = 0.95,
    names: Sequence[str] | None = None,
    states: bool = True,
) -> DailySummary:
    """The daily summary of ``names`` (every series by default), and with ``states``
    the truce's states and, from ``collapse_days`` (the outcome column), the
    cumulative incidence of collapse, when there is a truce."""
    chosen = list(series(scenario))
    if names:
        wanted = [find_series(scenario, name, "--series") for name in names]
        chosen = [s for s in chosen if s in wanted or (states and s.kind is str)]
    elif not states:
        chosen = [s for s in chosen if s.kind is not str]
    n_days = days(scenario)
    summary = DailySummary(scenario, 0, confidence)
    for entry in chosen:
        data = source.daily_arrays([entry.name])
        values = matrix(data, entry.name, n_days)
        summary.replications = values.shape[0]
        if not values.shape[0]:
            raise InputError("summary", scenario.name, "no replication has daily series yet")
        if entry.kind is str:
            for code, state in enumerate(STATES):
                summary.states[state] = wilson(
                    (values == code).sum(axis=0), values.shape[0], confidence
                )
        else:
            summary.bands[entry.name] = Band.of(entry, values, confidence)
    if states and scenario.truce is not None and collapse_days is not None and len(collapse_days):
        # a collapse at the very end of a day (d + 1) falls on the next day, as the
        # states do: the curve is read just before each day's end
        ends = [float(np.nextafter(min(d + 1.0, scenario.horizon), -np.inf)) for d in range(n_days)]
        curve = survival(collapse_days, scenario.horizon, ends, confidence)
        summary.incidence = Share(
            np.array([1.0 - e.value for _, e in curve]),
            np.array([1.0 - e.high for _, e in curve]),
            np.array([1.0 - e.low for _, e in curve]),
        )
    return summary


def _quantile_key(p: float) -> str:
    return f"q{round(p * 100):02d}"


def _clean(values: NDArray[Any]) -> list[float | None]:
    return [None if math.isnan(v) else round(float(v), 6) for v in values]


def _pandas() -> Any:
    from sim.optional import require

    return require("pandas", "daily", "DataFrame", "daily series as DataFrames")
