"""Episodes of retaliation: exact plumbing on scripted strikes, the command, and the
stylised protracted conflict against the regularities of the literature."""

from __future__ import annotations

import json

import pytest

from sim import api
from sim.model.episodes import Strikes, episodes_of
from sim.model.records import StateChange, Strike, StrikeKind, TruceState
from sim.statistics.episodes import REFERENCES
from tests.conftest import ROOT, TWO_ACTOR, invoke

STYLISED = ROOT / "scenarios" / "protracted-two-party.toml"


def strike(id: int, day: float, cause: int | None, deaths: int = 1) -> Strike:
    kind = StrikeKind.ROUTINE if cause is None else StrikeKind.RETALIATION
    return Strike(
        id, day, "a", "b", kind, "fire", "post", 1.0, deaths, 0, None, cause, False, deaths, 0
    )


def test_episodes_are_the_trees_of_answers_of_each_unprovoked_strike() -> None:
    """#1 is answered by #2 and #3 (two answerers), #3 by #4: one episode of four strikes
    whose longest run is two answers. #5 falls after a collapse and nobody answers it."""
    records = [
        strike(1, 0.0, None),
        strike(2, 1.0, 1),
        strike(3, 1.0, 1),
        strike(4, 2.0, 3, deaths=5),
        StateChange(3.0, TruceState.COLLAPSED, "strain past the collapse threshold"),
        strike(5, 4.0, None, deaths=0),
    ]
    found, counts = episodes_of(7, records)  # type: ignore[arg-type]
    assert [
        (e.replication, e.day, e.standing, e.strikes, e.answers, e.exchange, e.deaths)
        for e in found
    ] == [(7, 0.0, True, 4, 3, 2, 8), (7, 4.0, False, 1, 0, 0, 0)]
    assert counts == Strikes(standing=4, standing_answers=3, all=5, all_answers=3)


def test_the_two_actor_cycle_is_one_chain_per_replication() -> None:
    """One opening, every strike answered by the struck side: one episode whose strikes
    are the replication's, and whose run of answers is all of them."""
    summary = api.episodes(TWO_ACTOR, runs=200, seed=3, jobs=1)
    assert len(summary.episodes) == 200
    assert all(e.exchange == e.answers == e.strikes - 1 for e in summary.episodes)
    frame = summary.frame()
    assert list(frame.columns)[:3] == ["replication", "day", "attacker"]
    assert frame["replication"].tolist() == list(range(200))


def test_the_numbers_do_not_depend_on_the_workers() -> None:
    one = api.episodes(TWO_ACTOR, runs=120, seed=4, jobs=1).to_json()
    two = api.episodes(TWO_ACTOR, runs=120, seed=4, jobs=2).to_json()
    assert one == two


def test_the_stylised_protracted_conflict_shows_the_regularities_of_the_literature() -> None:
    """400 replications (about 14,500 episodes): the 99% cluster-bootstrap interval of
    the branching ratio and of the one-sided share lies inside the literature's range,
    and the median run of answers in two-sided episodes is 3 across the interval. The
    intervals come from the sampling error, so the test fails if the model's figure is
    outside the range, or too close to its edge to tell."""
    summary = api.episodes(STYLISED, runs=400, seed=2024, confidence=0.99)
    for name in ("branching_ratio", "one_sided", "median_run"):
        m = summary.measure(name)
        reference = REFERENCES[name]
        assert reference.holds(m.low) and reference.holds(m.high), (name, m)
    assert summary.measure("three_or_more").low > 0.5


def test_the_command_prints_the_regularities_beside_the_literature() -> None:
    result = invoke("episodes", TWO_ACTOR, "--runs", 50, "--jobs", 1, "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Two-actor retaliation cycle: 50 replications, seed 1, all episodes "
        "(95% intervals, a bootstrap over replications)"
    )
    assert "retaliations per strike (branching ratio)" in result.output
    assert "0.37 to 0.5" in result.output
    data = json.loads(
        invoke("episodes", TWO_ACTOR, "--runs", 50, "--jobs", 1, "--format", "json").output
    )
    assert data["episodes"] == 50 and data["runs"] == 50
    assert [m["name"] for m in data["measures"]] == [
        "branching_ratio",
        "one_sided",
        "median_run",
        "three_or_more",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--runs", "0"), "Invalid value for '--runs'"),
        (
            ("--set", "actors.a.memory.half_life=0"),
            "actors.a.memory.half_life: expected a positive",
        ),
    ],
)
def test_bad_input_is_refused_in_one_line(args: tuple[str, ...], message: str) -> None:
    result = invoke("episodes", TWO_ACTOR, *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
