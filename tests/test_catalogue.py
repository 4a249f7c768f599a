"""The outcome catalogue: every field's value has its declared type, and is empty only
where the catalogue says it may be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.errors import InputError
from sim.model import replicate
from sim.model.catalogue import fields, metric, outcome_fields
from sim.scenario import load_scenario
from tests.conftest import IDLIB, TWO_ACTOR

SCENARIOS: dict[str, tuple[Path, dict[str, Any]]] = {
    "idlib": (IDLIB, {}),
    "two-actor": (TWO_ACTOR, {}),
    "two-actor, no opening": (TWO_ACTOR, {"openings": []}),
}


def test_values_have_the_declared_kind_and_only_conditional_ones_are_ever_empty() -> None:
    """Across the scenarios, every conditional field is empty somewhere (so the
    catalogue's 'when' is true), and no other field ever is."""
    empty: dict[str, int] = {}
    for path, overrides in SCENARIOS.values():
        for name, count in empty_counts(path, overrides).items():
            empty[name] = empty.get(name, 0) + count
    scenario = load_scenario(IDLIB)
    for field in fields(scenario):
        if field.conditional:
            assert empty[field.name] > 0, f"{field.name} is conditional but never empty"


def empty_counts(path: Path, overrides: dict[str, Any]) -> dict[str, int]:
    scenario = load_scenario(path, overrides)
    declared = fields(scenario)
    empty = dict.fromkeys((f.name for f in declared), 0)
    for outcome in replicate(scenario, 3, 200):
        assert list(outcome) == [f.name for f in declared]
        for field in declared:
            value = outcome[field.name]
            if value is None:
                applies = field.applies(scenario)
                assert field.conditional or not applies, f"{field.name} is empty but always defined"
                empty[field.name] += 1
            else:
                assert type(value) is field.kind, f"{field.name}: {value!r} is not {field.kind}"
                if field.categories:
                    assert value in field.categories
    return empty


def test_templates_expand_per_actor_in_file_order() -> None:
    names = outcome_fields(load_scenario(IDLIB))
    assert names[names.index("deaths") :][:13] == [
        "deaths",
        "reported_deaths",
        "deaths_russia",
        "deaths_government",
        "deaths_turkey",
        "deaths_nfl",
        "reported_russia",
        "reported_government",
        "reported_turkey",
        "reported_nfl",
        "personnel_killed",
        "personnel_killed_russia",
        "personnel_killed_turkey",
    ]
    deaths_nfl = next(f for f in fields(load_scenario(IDLIB)) if f.name == "deaths_nfl")
    assert (deaths_nfl.label, deaths_nfl.unit, deaths_nfl.actor) == (
        "deaths of nfl",
        "people",
        "nfl",
    )


def test_a_metric_is_a_number_or_true_false_with_a_suggestion_otherwise() -> None:
    scenario = load_scenario(IDLIB)
    assert metric(scenario, "collapsed", "--metric").kind is bool
    with pytest.raises(InputError) as unknown:
        metric(scenario, "colapsed", "--metric")
    assert (
        str(unknown.value)
        == "--metric: colapsed: no outcome is named colapsed; did you mean collapsed?"
    )
    with pytest.raises(InputError) as category:
        metric(scenario, "highest_rung", "--metric")
    assert "expected a numeric or true/false outcome, got highest_rung (a category)" in str(
        category.value
    )
    with pytest.raises(InputError):
        metric(scenario, "replication", "--metric")
