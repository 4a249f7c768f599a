"""A scenario as plain data in the scenario-file layout, every default filled in.

``build_scenario(scenario_to_data(s)) == s``: the dump is a complete, reloadable
record of what a run used, for manifests and comparisons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from enum import Enum
from typing import Any

from sim.scenario.spec import Actor, Level, Opening, Role, Scenario

_NAMED = {"assets", "capabilities"}  # tuples stored as tables keyed by name
_ACTOR_SKIP = {"id"}


def _value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        describe = getattr(value, "describe", None)
        return (
            dict(describe()) if callable(describe) else _table(value)
        )  # a distribution or a table
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    return value


def _table(item: Any, skip: set[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in dataclasses.fields(item):
        if field.name in (skip or set()) or not field.init:
            continue
        value = getattr(item, field.name)
        if value is None or (isinstance(value, float) and math.isinf(value)):
            continue  # absent, or unlimited: the loader's default
        if field.name in _NAMED:
            data[field.name] = {v.name: _table(v, {"name"}) for v in value}
        else:
            data[field.name] = _value(value)
    return data


def _actor(actor: Actor, scenario: Scenario) -> dict[str, Any]:
    data = _table(actor, _ACTOR_SKIP | {"targets"})
    if len(actor.targets) == 1:
        data["enemy"] = actor.targets[0].actor
    elif actor.targets:
        data["targets"] = {t.actor: t.weight for t in actor.targets}
    if actor.role is Role.MEDIATOR and scenario.mediator is not None:
        data.update(_table(scenario.mediator, {"actor"}))
    if actor.role is Role.OBSERVER and scenario.observer is not None:
        data.update(_table(scenario.observer, {"actor"}))
    if actor.role in (Role.MEDIATOR, Role.OBSERVER):
        for key in ("assets", "capabilities"):
            data.pop(key, None)
    return data


def _opening(opening: Opening) -> dict[str, Any]:
    data = _table(opening, {"suspects", "blamed"})
    suspects = opening.suspects
    if len(suspects) == 1:
        data["attacker"], data["capability"] = suspects[0].actor, suspects[0].capability
    else:
        data["attacker"] = [s.actor for s in suspects]
        data["weights"] = [s.weight for s in suspects]
        data["capability"] = [s.capability for s in suspects]
    if opening.blamed:
        data["blamed"] = dict(opening.blamed)
    return data


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "horizon": scenario.horizon,
        },
        "actors": {a.id: _actor(a, scenario) for a in scenario.actors},
        "openings": [_opening(o) for o in scenario.openings],
        "ladder": _table(scenario.ladder),
    }
    if scenario.start_date is not None:
        data["scenario"]["start_date"] = scenario.start_date.isoformat()
    if scenario.truce is not None:
        truce = _table(scenario.truce, {"guarantors", "parties"})
        if scenario.truce.guarantors:
            truce["guarantors"] = list(scenario.truce.guarantors)
        else:
            truce["parties"] = list(scenario.truce.parties)
        data["truce"] = truce
    if scenario.negotiation is not None:
        negotiation = _table(scenario.negotiation, {"levels"})
        if scenario.negotiation.levels != (Level("call", 1.0, 0.0),):
            negotiation["levels"] = [_table(level) for level in scenario.negotiation.levels]
        data["negotiation"] = negotiation
    if scenario.history:
        data["history"] = [_table(loss) for loss in scenario.history]
    if scenario.talks is not None:
        data["talks"] = _table(scenario.talks)
    if scenario.summits:
        data["summits"] = [_table(summit) for summit in scenario.summits]
    return data


def flat(scenario: Scenario) -> dict[str, Any]:
    """Every value of the resolved scenario by its dotted path (array items by index),
    as an override would name it."""
    found: dict[str, Any] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and any(isinstance(v, dict | list) for v in node):
            for index, value in enumerate(node):
                walk(value, f"{path}.{index}")
        else:
            found[path] = node

    walk(scenario_to_data(scenario), "")
    return found


def differences(a: Scenario, b: Scenario) -> list[tuple[str, Any, Any]]:
    """The paths whose values differ between two scenarios, with both values (None
    where one scenario has no such path)."""
    left, right = flat(a), flat(b)
    paths = list(dict.fromkeys([*left, *right]))
    return [(p, left.get(p), right.get(p)) for p in paths if left.get(p) != right.get(p)]
