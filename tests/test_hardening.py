"""Hostile and broken input: every case gets one line on standard error and exit status
2 (or a clean stop), never a traceback or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import IDLIB, TWO_ACTOR, invoke


def one_line(result: object, message: str, code: int = 2) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == code, output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert message in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "validate",
                IDLIB,
                "--set",
                'actors.nfl.retaliation.lag={distribution="gamma",mean=1,cv=1e-200}',
            ],
            "actors.nfl.retaliation.lag.cv: expected a coefficient of variation from 0.001 to 100",
        ),
        (
            [
                "validate",
                IDLIB,
                "--set",
                'actors.nfl.routine.intensity={distribution="lognormal",mean=1,cv=1e300}',
            ],
            "actors.nfl.routine.intensity.cv: expected a coefficient of variation from 0.001 to 100",
        ),
        (
            ["sweep", IDLIB, "--vary", "actors.nfl.retaliation.probability=0:1:²", "--output", "x"],
            "expected a COUNT of at least 2",
        ),
        (["run", IDLIB, "--cluster", "local:²", "--runs", 5], "expected local:N with N workers"),
        (
            ["validate", IDLIB, "--set", "actors.nfl.claims.inflation=1e308"],
            "expected a positive number up to 1e+06",
        ),
        (
            ["validate", IDLIB, "--set", "openings.0.deaths=1000000000000000000000000000000"],
            "expected a whole number from 0 to 1000000000",
        ),
        (
            ["validate", IDLIB, "--set", "actors.nfl.retaliation.lag.mean=1e308"],
            "expected a positive number of days up to 1e+06",
        ),
        (
            [
                "validate",
                IDLIB,
                "--set",
                "actors.nfl.capabilities.artillery_and_missiles.lethality=1e308",
            ],
            "up to 1e+06",
        ),
        (
            [
                "validate",
                IDLIB,
                "--set",
                "actors.nfl.assets.camps.personnel=1000000000000000000000",
            ],
            "from 0 to 1000000000",
        ),
        (
            ["validate", IDLIB, "--horizon", 1e9],
            "scenario.horizon: expected a positive number of days up to 36500",
        ),
        (
            ["run", TWO_ACTOR, "--until-ci", "peak_strain=0.1", "--runs", 5],
            "peak_strain: the scenario has no truce, so it has no values",
        ),
    ],
)
def test_inputs_that_crashed_get_one_line(args: list[object], message: str) -> None:
    one_line(invoke(*args), message)


def test_deeply_nested_toml_gets_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    one_line(invoke("validate", deep), f"{deep}: not valid TOML (nested too deeply)")
    override = invoke("validate", IDLIB, "--set", "truce.drift=" + "[" * 3000 + "]" * 3000)
    one_line(override, "nested too deeply")


def test_an_actor_id_that_would_collide_with_an_outcome_column_is_refused(
    tmp_path: Path,
) -> None:
    text = (
        IDLIB.read_text()
        .replace("actors.government", "actors.deaths")
        .replace('"government"', '"deaths"')
    )
    colliding = tmp_path / "colliding.toml"
    colliding.write_text(text)
    one_line(
        invoke("validate", colliding),
        "actors.deaths: the id deaths would make outcome column reported_deaths name two things",
    )
