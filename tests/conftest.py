"""Shared helpers: the bundled scenarios, and small scenarios written as dicts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sim.scenario import Scenario, build_scenario

ROOT = Path(__file__).resolve().parent.parent
IDLIB = ROOT / "scenarios" / "idlib-2020-10.toml"
TWO_ACTOR = ROOT / "scenarios" / "two-actor-cycle.toml"


def armed(role: str, enemy: str, **extra: Any) -> dict[str, Any]:
    """An armed actor with one asset and one capability that kills nobody unless told."""
    actor: dict[str, Any] = {
        "role": role,
        "enemy": enemy,
        "assets": {"base": {"count": 1, "personnel": 1000}},
        "capabilities": {"fire": {"lethality": 0.0}},
    }
    actor.update(extra)
    return actor


def scripted() -> dict[str, Any]:
    """Two clients and their guarantors under a truce, with nothing left to chance:
    fixed delays, certain or impossible decisions, exact counts. ``west`` opens with a
    strike of 30 dead on ``east``; ``east`` always answers after one day (killing
    nobody); ``west`` never answers."""
    return {
        "scenario": {"name": "scripted", "horizon": 10},
        "actors": {
            "west": armed(
                "client", "east", patron="gw", retaliation={"probability": 0.0, "lag": 1.0}
            ),
            "east": armed(
                "client", "west", patron="ge", retaliation={"probability": 1.0, "lag": 1.0}
            ),
            "gw": armed("guarantor", "east"),
            "ge": armed("guarantor", "west"),
            "monitor": {"role": "observer", "delay": 0.5, "detection": 1.0},
        },
        "truce": {
            "guarantors": ["gw", "ge"],
            "initial_strain": 0.5,
            "half_life": 10,
            "strained_at": 1.0,
            "relaxed_at": 0.8,
            "collapse_at": 3.0,
            "deadliest_before": 10,
            "personnel_limit": 5,
            "weights": {"violation": 0.1, "death": 0.01, "deadliest": 0.2},
        },
        "negotiation": {
            "major_deaths": 20,
            "delay": 2.0,
            "strain_relief": 0.5,
        },
        "openings": [{"day": 0, "attacker": "west", "target": "east", "deaths": 30}],
    }


def invoke(*args: object) -> Result:
    """The ``truce`` command through click's CliRunner; arguments may be paths or numbers."""
    import cli

    return CliRunner().invoke(cli.truce, [str(a) for a in args])


def make(raw: dict[str, Any]) -> Scenario:
    return build_scenario(copy.deepcopy(raw), "test.toml")


@pytest.fixture
def scripted_raw() -> dict[str, Any]:
    return scripted()


def fail_at(monkeypatch: pytest.MonkeyPatch, errors: dict[int, BaseException]) -> None:
    """Make the given replications raise the given errors (in this process and in
    workers forked from it); the others run as usual."""
    from sim.experiments import chunks as runner
    from sim.experiments.chunks import DEFAULT_BUDGET
    from sim.model import Budget
    from sim.model.records import Keep, Run
    from sim.model.replication import simulate as real
    from sim.model.seeding import ChunkSeeds

    def patched(
        scenario: Scenario,
        seed: int,
        replication: int,
        budget: Budget = DEFAULT_BUDGET,
        seeds: ChunkSeeds | None = None,
        keep: Keep = Keep.ALL,
    ) -> Run:
        if replication in errors:
            raise errors[replication]
        return real(scenario, seed, replication, budget, seeds, keep)

    monkeypatch.setattr(runner, "simulate", patched)
