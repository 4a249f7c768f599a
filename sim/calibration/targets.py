"""Calibration targets: what was observed, with its uncertainty, as a statistic of the
model's outcomes over a particle's replications.

A target file holds ``[[target]]`` tables::

    [[target]]
    outcome = "opening_answer_day"   # an outcome, or a daily series
    statistic = "median"             # see STATISTICS
    observed = 1.0
    sd = 0.3                         # or low = ... and high = ... for a range

A statistic of an outcome is its ``mean``, ``median``, ``quantile Q`` (0 < Q < 1) or,
for a true/false outcome, its ``probability``, over the replications where the outcome
is defined. A statistic of a daily series is the mean over replications of its ``value
at day D`` or of its ``sum to day D`` (days 0 to D). A range ``low``..``high`` is read as
a normal observation centred in it with 95% of its mass inside: sd = (high - low) / 3.92.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.model.catalogue import days, find, find_series, metric, series
from sim.scenario.load import read_toml
from sim.scenario.reader import Source, Table
from sim.scenario.spec import Scenario
from sim.statistics.summaries import given_values

STATISTICS = "mean, median, quantile Q, probability, value at day D, sum to day D"
RANGE_SDS = 2 * 1.959963984540054  # a range holds 95% of a normal observation
DAY_STATISTIC = re.compile(r"(value at|sum to) day ([0-9]+)")
QUANTILE = re.compile(r"quantile (0?\.[0-9]+)")


@dataclass(frozen=True, slots=True)
class Target:
    """One observation: ``statistic`` of ``outcome`` was ``observed``, give or take
    ``sd`` (a normal error). ``day`` and ``q`` qualify the statistic."""

    outcome: str
    statistic: str  # mean, median, quantile, probability, value, sum
    observed: float
    sd: float
    q: float = math.nan
    day: int = -1
    low: float = math.nan  # the range given, if one was
    high: float = math.nan
    first: int = 0  # a sum runs from this day (an event table's interval) to ``day``

    @property
    def is_series(self) -> bool:
        return self.statistic in ("value", "sum")

    @property
    def label(self) -> str:
        """How the statistic reads: ``median of opening_answer_day``."""
        if self.statistic == "quantile":
            return f"quantile {self.q:g} of {self.outcome}"
        if self.statistic == "value":
            return f"{self.outcome} at day {self.day}"
        if self.statistic == "sum" and self.first:
            return f"{self.outcome} summed over days {self.first} to {self.day}"
        if self.statistic == "sum":
            return f"{self.outcome} summed to day {self.day}"
        if self.statistic == "probability":
            return f"P({self.outcome})"
        return f"{self.statistic} of {self.outcome}"

    def uncertainty(self) -> str:
        """The observation as the file gave it."""
        if not math.isnan(self.low):
            return f"{self.low:g} to {self.high:g}"
        return f"{self.observed:g} +- {self.sd:.3g}"

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "outcome": self.outcome,
            "statistic": self.statistic,
            "label": self.label,
            "observed": self.observed,
            "sd": self.sd,
        }
        if self.statistic == "quantile":
            found["q"] = self.q
        if self.is_series:
            found["day"] = self.day
        if self.first:
            found["first"] = self.first
        if not math.isnan(self.low):
            found.update(low=self.low, high=self.high)
        return found


def _statistic(table: Table, scenario: Scenario, outcome: str) -> tuple[str, float, int]:
    text = " ".join(table.string("statistic").split())
    day_match = DAY_STATISTIC.fullmatch(text)
    if day_match:
        if outcome not in {s.name for s in series(scenario)} and find(scenario, outcome):
            table.fail("statistic", f"{text!r} is for a daily series; {outcome} is an outcome")
        day = int(day_match.group(2))
        last = days(scenario) - 1
        if day > last:
            table.fail("statistic", f"expected a day from 0 to {last} (the horizon), got {day}")
        return ("value" if day_match.group(1) == "value at" else "sum"), math.nan, day
    quantile = QUANTILE.fullmatch(text)
    if quantile:
        q = float(quantile.group(1))
        if not 0 < q < 1:
            table.fail("statistic", f"expected a quantile between 0 and 1, got {text!r}")
        return "quantile", q, -1
    if text not in ("mean", "median", "probability"):
        table.fail("statistic", f"expected one of {STATISTICS}; got {text!r}")
    return text, math.nan, -1


def _check_outcome(table: Table, scenario: Scenario, outcome: str, statistic: str) -> None:
    """The outcome (or series) exists in the scenario and the statistic fits its kind."""
    option = table.source.origin(table.path_of("outcome"))
    if statistic in ("value", "sum"):
        try:
            entry = find_series(scenario, outcome, option)
        except InputError as error:
            raise InputError(option, table.path_of("outcome"), error.expected) from None
        if entry.kind is str:
            table.fail("outcome", f"{outcome} is a state; expected a numeric daily series")
        return
    try:
        field = metric(scenario, outcome, option, shown=table.path_of("outcome"))
    except InputError as error:
        raise InputError(option, table.path_of("outcome"), error.expected) from None
    if statistic == "probability" and field.kind is not bool:
        table.fail("statistic", f"probability is for a true/false outcome; {outcome} is a number")
    if statistic != "probability" and field.kind is bool:
        table.fail("statistic", f"{outcome} is true/false; expected probability")


def _target(table: Table, scenario: Scenario) -> Target:
    outcome = table.string("outcome")
    statistic, q, day = _statistic(table, scenario, outcome)
    _check_outcome(table, scenario, outcome, statistic)
    if table.has("low") or table.has("high"):
        if table.has("sd") or table.has("observed"):
            table.fail("low", "expected either observed and sd, or low and high, not both")
        low = table.number("low")
        high = table.number("high", low=low, low_open=True, what=f"a number > low ({low:g})")
        target = Target(
            outcome, statistic, (low + high) / 2, (high - low) / RANGE_SDS, q, day, low, high
        )
    else:
        observed = table.number("observed")
        sd = table.positive("sd")
        target = Target(outcome, statistic, observed, sd, q, day)
    table.close("a target")
    return target


def read_targets(
    source: str | Path | Mapping[str, Any],
    scenario: Scenario,
    events: str | Path | None = None,
) -> list[Target]:
    """The targets of a file (or of its parsed data), checked against the scenario;
    its ``[events]`` table adds the targets of an event file (``events`` names one; see
    ``sim.calibration.events``)."""
    from sim.calibration.events import event_targets

    name = str(source) if not isinstance(source, Mapping) else "targets"
    data = read_toml(source) if not isinstance(source, Mapping) else source
    top = Table(data, "", Source(name))
    tables = top.array_of_tables("target")
    spec = top.table("events")
    top.close("a target file")
    if events is not None and spec is None:
        raise InputError(
            name, "events", "missing; --events needs an [events] table naming the actors"
        )
    targets = [_target(table, scenario) for table in tables]
    if spec is not None:
        folder = None if isinstance(source, Mapping) else Path(source).parent
        targets += event_targets(spec, scenario, events, folder)
    if not targets:
        raise InputError(
            name, "target", "missing; expected at least one [[target]] table or [events]"
        )
    labels = [t.label for t in targets]
    for index, label in enumerate(labels):
        if label in labels[:index]:
            raise InputError(name, f"target.{index}", f"a second target for the {label}")
    return targets


def simulated(
    target: Target,
    scenario: Scenario,
    columns: Mapping[str, Sequence[Any]],
    daily: Mapping[str, Any] | None,
) -> float:
    """The target's statistic over a set of replications (NaN where no replication
    defines the outcome)."""
    if target.is_series:
        assert daily is not None, "a series target needs the daily series"
        values = np.asarray(daily[target.outcome], dtype=float).reshape(-1, days(scenario))
        if target.statistic == "value":
            return float(values[:, target.day].mean())
        return float(values[:, target.first : target.day + 1].sum(axis=1).mean())
    field = find(scenario, target.outcome)
    assert field is not None
    present = np.asarray(given_values(field, columns, scenario), dtype=float)
    if present.size == 0:
        return math.nan
    if target.statistic in ("mean", "probability"):
        return float(present.mean())
    q = 0.5 if target.statistic == "median" else target.q
    return float(np.quantile(present, q, method="inverted_cdf"))


def needs_daily(targets: Sequence[Target]) -> bool:
    return any(t.is_series for t in targets)
