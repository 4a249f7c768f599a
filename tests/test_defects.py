"""Defects of the model and its validation, each pinned by a test that failed before
its fix."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from sim.errors import InputError
from sim.model import simulate
from sim.model.records import MediatorCall, StateChange, Strain, TruceState
from tests.conftest import TWO_ACTOR, invoke, make

COLLAPSED = TruceState.COLLAPSED


def test_a_mediators_call_does_not_relieve_a_collapsed_truce(scripted_raw: dict[str, Any]) -> None:
    raw = scripted_raw
    # a guarantor's direct action collapses the truce at day 0.25; the report of the
    # opening's 30 dead at day 0.5 then reaches the mediator's threshold
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 1}
    raw["actors"]["ge"]["retaliation"] = {"probability": 1.0, "lag": 0.25}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["un"] = {
        "role": "mediator",
        "window": 7,
        "threshold": 10,
        "cooldown": 5,
        "effect": 0.5,
        "effect_days": 3,
        "strain_relief": 0.4,
    }
    raw["openings"] = [{"day": 0, "attacker": "west", "target": "east", "deaths": 30}]
    run = simulate(make(raw), seed=1, replication=0)
    calls = [r for r in run.records if isinstance(r, MediatorCall)]
    assert [c.day for c in calls] == [0.5]
    collapse = next(r.day for r in run.records if isinstance(r, StateChange))
    assert collapse == 0.25
    assert not [r for r in run.records if isinstance(r, Strain) and r.day > collapse]


def test_a_restored_truce_forgets_the_deadliest_strike_of_the_old_one(
    scripted_raw: dict[str, Any],
) -> None:
    raw = scripted_raw
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 1}
    raw["actors"]["ge"]["retaliation"] = {"probability": 1.0, "lag": 0.75}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["truce"]["restoration"] = {"interval": 1.0, "probability": 1.0, "strain": 0.2}
    raw["scenario"]["horizon"] = 20
    # 30 dead at day 0, reported at 0.5 (the deadliest under the first truce); the truce
    # collapses at 0.75 and is restored at 1.75; 20 dead at day 5 are then the deadliest
    # of the new one
    raw["openings"] = [
        {"day": 0, "attacker": "west", "target": "east", "deaths": 30},
        {"day": 5, "attacker": "east", "target": "west", "deaths": 20},
    ]
    raw["actors"]["gw"]["retaliation"] = {"probability": 0.0, "lag": 1.0}
    run = simulate(make(raw), seed=1, replication=0)
    changes = [(r.day, r.reason) for r in run.records if isinstance(r, StateChange)]
    assert (0.75, "guarantor direct action") in changes
    assert (1.75, "restored by talks") in changes
    first = [r.reason for r in run.records if isinstance(r, Strain) and r.day == 0.5]
    assert first == ["deadliest since the truce"]
    reasons = [r.reason for r in run.records if isinstance(r, Strain) and r.day == 5.5]
    assert reasons == ["deadliest since the truce"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda r: r["actors"]["east"]["retaliation"].update(
                probability=0.5, max_probability=0.2
            ),
            "actors.east.retaliation.max_probability: expected a probability from "
            "retaliation.probability (0.5) to 1, got 0.2",
        ),
        (
            lambda r: r["truce"].update(
                restoration={"interval": 5, "probability": 0.5, "max_probability": 0.1, "strain": 0}
            ),
            "truce.restoration.max_probability: expected a probability from "
            "restoration.probability (0.5) to 1, got 0.1",
        ),
        (
            lambda r: r["truce"].update(
                restoration={"interval": 5, "probability": 0.5, "strain": 3.0}
            ),
            "truce.restoration.strain: expected a number below truce.collapse_at (3), got 3.0 "
            "(a restored truce would collapse at once)",
        ),
        (
            lambda r: r["scenario"].update(horizon=float("inf")),
            "scenario.horizon: expected a positive number of days up to 36500, got inf",
        ),
    ],
)
def test_validation_refuses_what_cannot_be_meant(
    scripted_raw: dict[str, Any], edit: Any, expected: str
) -> None:
    edit(scripted_raw)
    with pytest.raises(InputError) as caught:
        make(scripted_raw)
    assert str(caught.value) == "test.toml: " + expected


def test_days_are_floats_from_day_0(tmp_path: Any) -> None:
    out = tmp_path / "rows.csv"
    result = invoke("run", TWO_ACTOR, "--runs", 40, "--seed", 1, "--jobs", 1, "--output", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    alone = [r for r in rows if r["strikes"] == "1"]  # the opening alone, at day 0
    assert alone and all(r["last_strike_day"] == "0.0" for r in alone)
