"""Estimates with intervals, over replications: proportions (Wilson), means (Student t),
quantiles (order statistics), the truce's survival (Kaplan-Meier), histograms."""

from __future__ import annotations

import math
import os
import sys
import threading
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.errors import InputError


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value with a confidence interval, from ``n`` replications."""

    value: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def as_dict(self) -> dict[str, float | int | None]:
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else float(x)

        return {
            "value": clean(self.value),
            "low": clean(self.low),
            "high": clean(self.high),
            "n": self.n,
        }


_importing: threading.Thread | None = None


def import_meanwhile() -> None:
    """Start importing scipy's statistics on a thread of its own, for a run whose
    workers are other processes: the half second it takes passes while they work,
    rather than after. Call it once the workers are started. A process forked later
    (the next run's pool) waits for the import to end first, so that it inherits no
    import half done and no lock held."""
    global _importing
    if "scipy.stats" in sys.modules or _importing is not None:
        return
    _importing = threading.Thread(target=_import_stats, name="import-scipy-stats", daemon=True)
    os.register_at_fork(before=_importing.join)
    _importing.start()


def _import_stats() -> None:
    import scipy.stats  # noqa: F401


NAN = float("nan")
LEVELS = (0.5, 0.9999)  # the confidence levels an interval may be asked at


def check_confidence(confidence: float, option: str = "--confidence") -> None:
    """A one-line error for a confidence level outside ``LEVELS`` (NaN included)."""
    low, high = LEVELS
    if isinstance(confidence, bool) or not (
        isinstance(confidence, int | float) and low <= confidence <= high
    ):
        raise InputError(option, str(confidence), f"expected a number from {low:g} to {high:g}")


def proportion(successes: int, trials: int, confidence: float = 0.95) -> Estimate:
    """A probability with its Wilson score interval."""
    from scipy import stats

    if trials == 0:
        return Estimate(NAN, NAN, NAN, 0)
    interval = stats.binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    return Estimate(successes / trials, float(interval.low), float(interval.high), trials)


def mean(
    values: Sequence[float],
    confidence: float = 0.95,
    within: tuple[float, float] = (-math.inf, math.inf),
) -> Estimate:
    """A mean with its Student t interval, cut to ``within``: the values the quantity
    can take (a count is never negative). The true mean lies there, so the cut interval
    covers it whenever the whole one does."""
    from scipy import stats

    n = len(values)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0)
    data = np.asarray(values, dtype=float)
    centre = float(data.mean())
    if n == 1:
        return Estimate(centre, NAN, NAN, 1)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1) * data.std(ddof=1) / math.sqrt(n))
    low, high = within
    return Estimate(centre, max(centre - half, low), min(centre + half, high), n)


def quantile_value(values: Sequence[float], p: float) -> float:
    """The ``p`` quantile (the smallest value with at least ``p`` of them at or below
    it), without an interval; NaN for no values."""
    if len(values) == 0:
        return NAN
    return float(np.quantile(np.asarray(values, dtype=float), p, method="inverted_cdf"))


def quantile(values: Sequence[float], p: float, confidence: float = 0.95) -> Estimate:
    """The ``p`` quantile with a distribution-free interval from order statistics."""
    from scipy import stats

    n = len(values)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0)
    data = np.asarray(values, dtype=float)
    value = float(np.quantile(data, p, method="inverted_cdf"))
    low = high = NAN
    if n > 1 and np.ptp(data) > 0:
        result = stats.quantile_test(data, q=value, p=p)
        interval = result.confidence_interval(confidence)
        low, high = float(interval.low), float(interval.high)
    elif n > 1:
        low = high = value
    return Estimate(value, low, high, n)


def kaplan_meier(
    times: Sequence[float],
    observed: Sequence[bool],
    days: Sequence[float],
    confidence: float = 0.95,
) -> list[tuple[float, Estimate]]:
    """Kaplan-Meier survival S(t) = P(no event by day t) at each of ``days``, with
    log-log (Greenwood) intervals. ``times`` are the days of the events, or of the
    censoring where ``observed`` is false.

    Where S is 1 (no event yet) or 0 (no one left), the log-log interval degenerates;
    there the interval is the exact binomial (Clopper-Pearson) bound for the number at
    risk, so it still says how many replications stand behind the figure."""
    from scipy import stats

    n = len(times)
    if n == 0:
        return [(d, Estimate(NAN, NAN, NAN, 0)) for d in days]
    events = [t for t, o in zip(times, observed, strict=True) if o]
    censored = [t for t, o in zip(times, observed, strict=True) if not o]
    curve = stats.ecdf(stats.CensoredData(uncensored=events, right=censored)).sf
    values = curve.evaluate(days)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        interval = curve.confidence_interval(confidence, method="log-log")
        lows, highs = interval.low.evaluate(days), interval.high.evaluate(days)
    tail = (1.0 - confidence) / 2.0
    ordered = np.sort(np.asarray(times, dtype=float))
    censored_times = np.sort(np.asarray(censored, dtype=float))
    last_event = max(events) if events else math.inf
    result = []
    for day, value, low, high in zip(days, values, lows, highs, strict=True):
        # censored before this day: whether Kaplan-Meier is still a plain binomial share
        censored_before = int(np.searchsorted(censored_times, day, side="left"))
        if value >= 1.0:  # no event by this day: the n still at risk all held
            at_risk = n - int(np.searchsorted(ordered, day, side="left"))
            low, high = (tail ** (1.0 / at_risk) if at_risk else 0.0), 1.0
        elif value <= 0.0:  # the last at risk all had the event
            if censored_before == 0:  # none censored: 0 of n held, exactly
                low, high = 0.0, 1.0 - tail ** (1.0 / n)
            else:  # the band just before the last event, times the last step's bound
                at_risk = n - int(np.searchsorted(ordered, last_event, side="left"))
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    just_before = [np.nextafter(last_event, -np.inf)]
                    previous = float(interval.high.evaluate(just_before)[0])
                low, high = (
                    0.0,
                    (previous if math.isfinite(previous) else 1.0)
                    * (1.0 - tail ** (1.0 / at_risk)),
                )
        result.append((day, Estimate(float(value), float(low), float(high), n)))
    return result


def survival(
    event_days: Iterable[float | None],
    horizon: float,
    days: Sequence[float],
    confidence: float = 0.95,
) -> list[tuple[float, Estimate]]:
    """Kaplan-Meier survival at each of ``days``, where ``None`` is an event that did
    not happen by the horizon (censored there)."""
    everything = list(event_days)
    times = [horizon if d is None else d for d in everything]
    return kaplan_meier(times, [d is not None for d in everything], days, confidence)


def median_survival(
    times: Sequence[float], observed: Sequence[bool], confidence: float = 0.95
) -> Estimate:
    """The median time to the event: the first day S(t) falls to one half or below,
    NaN (not reached) if it never does. Its interval inverts the survival curve's band
    (Brookmeyer and Crowley's construction, as in R's survfit): from the first day the
    band's lower edge falls to one half to the first day its upper edge does, either
    NaN if it never does."""
    steps = sorted({t for t, o in zip(times, observed, strict=True) if o})
    curve = kaplan_meier(times, observed, steps, confidence)

    def first(part: str) -> float:
        return next((day for day, e in curve if getattr(e, part) <= 0.5), NAN)

    return Estimate(first("value"), first("low"), first("high"), len(times))


def _order(value: Hashable) -> tuple[int, float, str]:
    """Numbers by value, before anything else by its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def histogram(
    values: Iterable[Hashable], order: Sequence[Hashable] = ()
) -> list[tuple[Hashable, int]]:
    """Counts of each value: those in ``order`` first (zeros included), then the rest sorted."""
    counts = Counter(values)
    rows = [(key, counts.pop(key, 0)) for key in order]
    rows.extend(sorted(counts.items(), key=lambda item: _order(item[0])))
    return rows


def estimate(
    values: Sequence[object],
    kind: type,
    confidence: float = 0.95,
    within: tuple[float, float] = (-math.inf, math.inf),
) -> Estimate:
    """A probability (Wilson) for a true/false outcome, else a mean (Student t, cut to
    ``within``); missing values (None) are left out."""
    present = [v for v in values if v is not None]
    if kind is bool:
        return proportion(sum(1 for v in present if v), len(present), confidence)
    return mean([float(v) for v in present], confidence, within)  # type: ignore[arg-type]
