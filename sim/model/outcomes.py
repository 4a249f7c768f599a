"""One replication's outcome: a flat record computed from its event records.

The fields come from the outcome catalogue and depend only on the scenario (its armed
actors and guarantors), so every replication of a scenario has the same fields in the
same order. ``None`` marks a value that does not exist in that replication (a collapse
day when the truce held).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.model.catalogue import fields
from sim.model.memo import by_identity
from sim.model.records import Run
from sim.model.tally import Tally
from sim.scenario.spec import Scenario

Outcome = dict[str, Any]
Columns = dict[str, list[Any]]


@by_identity
def _plan(scenario: Scenario) -> tuple[tuple[str, Callable[..., Any], str | None], ...]:
    """Each field's name, how it is computed, and its actor (templates)."""
    return tuple((f.name, f.value, f.actor) for f in fields(scenario))


def summarize(scenario: Scenario, run: Run) -> Outcome:
    """The outcome record of one replication."""
    tally = Tally(scenario, run)
    record = tally.record
    for name, value, actor in _plan(scenario):
        record[name] = value(tally) if actor is None else value(tally, actor)
    return record


def to_columns(outcomes: list[Outcome], names: list[str]) -> Columns:
    """Rows to columns, for compact transfer and storage."""
    return {name: [o[name] for o in outcomes] for name in names}
