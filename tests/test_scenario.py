"""Loading, validation and overrides: every bad input names its origin, its key path
and what was expected."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.errors import InputError
from sim.scenario import load_scenario, parse_override
from sim.scenario.spec import Role
from tests.conftest import IDLIB, ROOT, TWO_ACTOR, invoke, make, scripted


def error_of(raw: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        make(raw)
    return str(caught.value)


def test_the_bundled_scenarios_load() -> None:
    idlib = load_scenario(IDLIB)
    assert {a.id: a.role for a in idlib.actors} == {
        "russia": Role.GUARANTOR,
        "government": Role.CLIENT,
        "turkey": Role.GUARANTOR,
        "nfl": Role.CLIENT,
        "un": Role.MEDIATOR,
        "sohr": Role.OBSERVER,
    }
    opening = idlib.openings[0]
    assert (opening.day, opening.attacker, opening.target, opening.deaths) == (
        0.0,
        "russia",
        "nfl",
        51,
    )
    two = load_scenario(TWO_ACTOR)
    assert [a.id for a in two.actors] == ["a", "b"]
    assert two.truce is None and two.mediator is None and two.observer is None


REAL_CASES = sorted(
    p for p in (ROOT / "scenarios").glob("*.toml") if p.name not in {"two-actor-cycle.toml"}
)


@pytest.mark.parametrize("path", REAL_CASES, ids=[p.name for p in REAL_CASES])
def test_every_parameter_line_of_a_bundled_case_says_where_it_comes_from(path: Path) -> None:
    """FACT or ASSUMPTION in a real case; STYLISED in the stylised one."""
    marks = (
        ("STYLISED",) if "stylised" in path.read_text().lower()[:400] else ("FACT", "ASSUMPTION")
    )
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#")[0].strip()
        if "=" in code and not code.startswith("["):
            key = code.split("=")[0].strip()
            if key in {"name", "description", "role", "capability"}:
                continue
            assert any(m in line for m in marks) or "the scale's unit" in line, (
                f"{path.name} line {number} has no source note: {line}"
            )


def test_every_bundled_scenario_loads_and_runs() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        result = invoke("run", path, "--runs", 20, "--jobs", 1, "--quiet")
        assert result.exit_code == 0, f"{path.name}: {result.output}"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda r: r["actors"]["east"]["retaliation"].update(probabilty=0.4),
            "test.toml: actors.east.retaliation.probabilty: unknown key for retaliation; "
            "did you mean probability?",
        ),
        (
            lambda r: r["actors"]["east"]["retaliation"].update(probability=1.3),
            "test.toml: actors.east.retaliation.probability: expected a probability between 0 and 1, got 1.3",
        ),
        (
            lambda r: r["scenario"].update(horizon=-5),
            "test.toml: scenario.horizon: expected a positive number of days up to 36500, got -5",
        ),
        (
            lambda r: r["scenario"].update(horizon="sixty"),
            'test.toml: scenario.horizon: expected a positive number of days up to 36500, got "sixty"',
        ),
        (
            lambda r: r["actors"]["west"].update(patron="gx"),
            'test.toml: actors.west.patron: expected the id of a guarantor (gw, ge), got "gx"',
        ),
        (
            lambda r: r["openings"][0].update(attacker="north"),
            "test.toml: openings.0.attacker: expected the id of a client or guarantor "
            '(west, east, gw, ge), got "north"',
        ),
        (
            lambda r: r["truce"].update(collapse_at=0.5),
            "test.toml: truce.collapse_at: expected a number above truce.strained_at (1), got 0.5",
        ),
        (
            lambda r: r["actors"]["west"].update(role="rebel"),
            'test.toml: actors.west.role: expected one of client, guarantor, mediator, observer, got "rebel"',
        ),
        (
            lambda r: r["actors"]["west"]["retaliation"].update(
                lag={"distribution": "gama", "mean": 1}
            ),
            "test.toml: actors.west.retaliation.lag.distribution: expected one of fixed, exponential, "
            'gamma, lognormal, uniform, got "gama"; did you mean gamma?',
        ),
        (
            lambda r: r["actors"]["west"].update(
                embedded={"host": "east", "probability": 0.1, "killed": 1}
            ),
            "test.toml: actors.west.embedded: unknown key for a client; valid keys: role, name, patron, "
            "targets, enemy, assets, capabilities, routine, retaliation, commitment, claims, memory",
        ),
        (
            lambda r: r["truce"].pop("personnel_limit"),
            "test.toml: truce.personnel_limit: missing; expected a whole number from 1 to 1000000000",
        ),
        (
            lambda r: r["truce"].update(guarantors=["gw", "west"]),
            "test.toml: truce.guarantors: expected two different guarantor ids (gw, ge), "
            'got ["gw", "west"]: west is a client',
        ),
        (
            lambda r: r["openings"][0].update(day=10),
            "test.toml: openings.0.day: expected a day before the horizon (10), got 10",
        ),
    ],
)
def test_bad_input_gets_one_line_naming_file_key_and_expectation(edit: Any, expected: str) -> None:
    raw = scripted()
    edit(raw)
    message = error_of(raw)
    assert message == expected
    assert "\n" not in message


def test_file_problems_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.toml: no such file"):
        load_scenario(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\nname = 1\n")
    with pytest.raises(InputError, match=r"broken.toml: not valid TOML \(.*line 1"):
        load_scenario(broken)


def test_overrides_replace_values_by_dotted_path() -> None:
    scenario = load_scenario(IDLIB, [parse_override("actors.nfl.retaliation.probability=0.4")])
    retaliation = scenario.actor("nfl").retaliation
    assert retaliation is not None and retaliation.probability == 0.4
    renamed = load_scenario(IDLIB, [parse_override("actors.nfl.name=NFL")])
    assert renamed.actor("nfl").name == "NFL"
    shifted = load_scenario(IDLIB, [parse_override("openings.0.deaths=70")])
    assert shifted.openings[0].deaths == 70


def test_overrides_are_validated_and_blamed_on_the_option() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(IDLIB, [parse_override("actors.nfl.retaliation.probability=1.3")])
    assert str(caught.value) == (
        "--set actors.nfl.retaliation.probability=1.3: actors.nfl.retaliation.probability: "
        "expected a probability between 0 and 1, got 1.3"
    )
    with pytest.raises(
        InputError,
        match=r"^--set actors.nfl.retaliaton.probability=0.4: "
        r"actors.nfl.retaliaton: unknown key for a client; did you mean retaliation\?$",
    ):
        load_scenario(IDLIB, [parse_override("actors.nfl.retaliaton.probability=0.4")])
    with pytest.raises(InputError, match="expected PATH=VALUE"):
        parse_override("actors.nfl.retaliation.probability")
    with pytest.raises(InputError, match=r"openings\.3: expected an index from 0 to 0"):
        load_scenario(IDLIB, [parse_override("openings.3.deaths=1")])


def test_overrides_never_mutate_the_parsed_file() -> None:
    raw = scripted()
    before = copy.deepcopy(raw)
    from sim.scenario import build_scenario

    build_scenario(raw, "x.toml", [parse_override("truce.drift=0.5")])
    assert raw == before


def test_the_resolved_scenario_reloads_to_the_same_scenario() -> None:
    import json

    from sim.scenario import build_scenario
    from sim.scenario.dump import scenario_to_data

    for path in (IDLIB, TWO_ACTOR):
        scenario = load_scenario(
            path, [parse_override("truce.drift=0.05")] if path == IDLIB else []
        )
        data = json.loads(json.dumps(scenario_to_data(scenario)))  # through JSON, as in a manifest
        assert build_scenario(data, "manifest.json") == scenario


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "actors.hts.retaliation.probability=0.3",
            "--set actors.hts.retaliation.probability=0.3: actors.hts: no actor is named hts; "
            "the actors are russia, government, turkey, nfl, un, sohr",
        ),
        (
            'truce.guarantors=["russia", "government"]',
            "truce.guarantors: expected two different guarantor ids (russia, turkey), got "
            '["russia", "government"]: government is a client',
        ),
    ],
)
def test_overrides_naming_what_is_not_there_say_what_is(override: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(IDLIB, [parse_override(override)])
    assert str(caught.value).endswith(expected), str(caught.value)


def test_a_misspelt_required_key_is_named_with_the_right_spelling() -> None:
    raw = scripted()
    raw["truce"]["halflife"] = raw["truce"].pop("half_life")
    assert error_of(raw) == "test.toml: truce.halflife: unknown key; did you mean half_life?"


def _flat(
    table: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in table.items():
        if isinstance(value, dict) and "distribution" not in value:
            yield from _flat(value, (*prefix, key))
        else:
            yield (*prefix, key), value


# whom "as Idlib's ..." names in the Idlib file
IDLIB_ACTORS = {
    "rebels": {"nfl"},
    "government": {"government"},
    "powers": {"russia", "turkey"},
    "air raids": {"russia"},
}


def _any_actor(path: tuple[str, ...], actor: str = "*") -> tuple[str, ...]:
    """A key with its actor (and asset or capability) left open: `actors.*.routine.rate`."""
    if path[0] != "actors":
        return path
    general = ("actors", actor, *path[2:])
    if len(path) > 3 and path[2] in {"assets", "capabilities"}:
        general = (*general[:3], "*", *general[4:])
    return general


@pytest.mark.parametrize("path", REAL_CASES, ids=[p.name for p in REAL_CASES])
def test_a_value_carried_over_from_idlib_is_one_the_idlib_file_holds(path: Path) -> None:
    """A line marked "as Idlib" holds a value the Idlib file gives the same key (for
    some actor), so an analyst can trust which values were carried over."""
    idlib: dict[tuple[str, ...], list[Any]] = {}
    for found, given in _flat(tomllib.loads(IDLIB.read_text())):
        idlib.setdefault(_any_actor(found), []).append(given)
        if found[0] == "actors":
            idlib.setdefault(_any_actor(found, found[1]), []).append(given)
    text = path.read_text()
    data = tomllib.loads(text)
    table: tuple[str, ...] | None = ()
    carried = 0
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#")[0].strip()
        if code.startswith("["):  # an array of tables ([[openings]]) is the case's own
            table = None if code.startswith("[[") else tuple(code.strip("[]").split("."))
            continue
        if table is None or "=" not in code or "as Idlib" not in line:
            continue
        key = (*table, code.split("=")[0].strip())
        value: Any = data
        for part in key:
            value = value[part]
        named = next((ids for who, ids in IDLIB_ACTORS.items() if f"Idlib's {who}" in line), {"*"})
        held = [v for actor in named for v in idlib.get(_any_actor(key, actor), [])]
        assert value in held, (
            f"{path.name} line {number}: {'.'.join(key)} = {value!r} is not Idlib's ({held})"
        )
        carried += 1
    assert carried > 0 or path.name in {"idlib-2020-10.toml", "protracted-two-party.toml"}
