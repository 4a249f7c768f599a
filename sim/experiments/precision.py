"""Adaptive runs: keep adding replications until a metric's interval is narrow enough.

For a true/false outcome the interval is the Wilson interval of its probability; for a
number it is the interval of its mean, as printed (cut at the values it can take).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from sim.errors import InputError
from sim.model.catalogue import metric
from sim.scenario.spec import Scenario
from sim.statistics.estimators import estimate

OPTION = "--until-ci"


class Columns(Protocol):
    """What holds the run's outcome columns (a sink)."""

    def columns(self, fields: list[str]) -> dict[str, list[Any]]: ...


@dataclass(frozen=True, slots=True)
class Precision:
    """Run until ``metric``'s interval has a half-width of at most ``width``, or until
    ``max_runs`` replications."""

    metric: str
    kind: type
    width: float
    max_runs: int
    given: str | None = None  # a true/false metric's condition (restored: collapsed)
    within: tuple[float, float] = (-math.inf, math.inf)  # the values a number can take

    @classmethod
    def parse(cls, given: str | tuple[str, float], scenario: Scenario, max_runs: int) -> Precision:
        """``METRIC=WIDTH`` (or the pair), checked against the scenario's outcomes."""
        if isinstance(given, str):
            name, sep, text = given.partition("=")
            if not sep:
                raise InputError(OPTION, given, "expected METRIC=WIDTH, e.g. collapsed=0.01")
            shown = given
        else:
            name, text = given[0], str(given[1])
            shown = f"{name}={text}"
        field = metric(scenario, name, OPTION, shown=shown)
        try:
            width = float(text)
        except ValueError:
            width = math.nan
        if not width > 0 or math.isinf(width):
            raise InputError(OPTION, shown, f"expected a positive half-width, got {text!r}")
        return cls(name, field.kind, width, max_runs, field.given, field.bounds(scenario))

    def half_width(self, sink: Columns, confidence: float) -> float:
        """The metric's current half-width (infinite while it has no values), over the
        replications where it is defined."""
        wanted = [self.metric, *([self.given] if self.given else [])]
        columns = sink.columns(wanted)
        values = columns[self.metric]
        if self.given is not None:
            values = [v for v, c in zip(values, columns[self.given], strict=True) if c]
        half = estimate(values, self.kind, confidence, self.within).half_width
        return math.inf if math.isnan(half) else half
