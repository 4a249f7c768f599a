"""A seeded mutation loop over the bundled scenarios: every mutant either validates and
runs a few replications, or is refused in one line naming its file, with exit status 2.
Never a traceback, never a hang.

Mutants change the parsed scenario (hostile values in place of any entry, entries
removed or added, actor ids renamed, numbers scaled to extremes) or its text (cut
short, a character inserted, a line replaced), one to three changes each. A replication
may meet its budget of events (a mutant whose cycle never dies out): that run stops in
one line with exit status 1, and only for that reason.
"""

from __future__ import annotations

import copy
import math
import random
import signal
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.conftest import IDLIB, TWO_ACTOR, invoke

MUTANTS = 400
SEED = 9  # the same mutants in every run of the suite
SECONDS_PER_MUTANT = 20  # a mutant slower than this is a hang
EVENTS = 200_000  # each replication's budget: a few replications stay quick

HOSTILE: list[Any] = [
    0, -1, 1, 2, 10**30, -(10**30), 0.5, -0.5, 1e-300, 1e300, -1e300, math.inf, -math.inf,
    math.nan, True, False, "", "x", "²", "a" * 500, "exponential", "2020-13-45", [], [0],
    [[[[[[]]]]]], {}, {"distribution": "gamma", "mean": 1, "cv": 1e-200},
    {"distribution": "lognormal", "mean": -1}, {"unknown": 1},
]  # fmt: skip
SCALES = [0.0, -1.0, 1e-9, 1e9, 1e300]
GARBAGE_LINES = ["[[[", "= 1", "a = ", 'x = "unterminated', "[actors.a]", "\x00", "key = 1 2"]


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every entry's path (keys and list indices), tables and lists included."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


def rename_actor(data: dict[str, Any], rng: random.Random) -> None:
    actors = data.get("actors")
    if isinstance(actors, dict) and actors:
        old = rng.choice(sorted(actors))
        new = rng.choice(["x", "deaths", "a b", "", "turkey", "1", "ü"])
        actors[new] = actors.pop(old)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def nudge(value: float, rng: random.Random) -> float:
    """A number the model may well accept, at or near the edges of its range."""
    return rng.choice([0, 1, value / 10, value / 2, value * 2, value * 10, value + 1])


def mutate_data(data: dict[str, Any], rng: random.Random) -> None:
    """One change to the parsed scenario: in half of them a number nudged (mutants
    that still run, at the edges of the model), else anything."""
    found = list(paths(data))
    numbers = [p for p in found if is_number(parent_of(data, p)[p[-1]])]
    if numbers and rng.random() < 0.5:
        path = rng.choice(numbers)
        parent_of(data, path)[path[-1]] = nudge(parent_of(data, path)[path[-1]], rng)
        return
    path = rng.choice(found)
    parent, key = parent_of(data, path), path[-1]
    operator = rng.randrange(6)
    if operator == 0:
        parent[key] = copy.deepcopy(rng.choice(HOSTILE))
    elif operator == 1:
        del parent[key]
    elif operator == 2 and isinstance(parent[key], dict):
        parent[key][rng.choice(["unknown", "probabilty", "mean", "role"])] = rng.choice(
            HOSTILE[:14]
        )
    elif operator == 3:
        rename_actor(data, rng)
    elif operator == 4 and is_number(parent[key]):
        parent[key] = parent[key] * rng.choice(SCALES)
    else:  # another entry's value, of whatever type
        other = rng.choice(found)
        parent[key] = copy.deepcopy(parent_of(data, other)[other[-1]])


def mutate_text(text: str, rng: random.Random) -> str:
    """One change to the scenario's text."""
    operator = rng.randrange(3)
    if operator == 0:
        return text[: rng.randrange(len(text))]
    if operator == 1:
        at = rng.randrange(len(text))
        return text[:at] + rng.choice("[]{}=\"'#\n.,0\\é") + text[at:]
    lines = text.splitlines()
    lines[rng.randrange(len(lines))] = rng.choice(GARBAGE_LINES)
    return "\n".join(lines)


def mutant(source: Path, rng: random.Random) -> str:
    """A scenario's text with one to three changes."""
    if rng.random() < 0.2:
        return mutate_text(source.read_text(), rng)
    data = tomllib.loads(source.read_text())
    for _ in range(rng.randint(1, 3)):
        if not list(paths(data)):
            break
        mutate_data(data, rng)
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # what TOML cannot hold (an empty key path, ...)
        return tomli_w.dumps({"scenario": data.get("scenario", {})})


class Hang(Exception):
    pass


def on_alarm(signum: int, frame: object) -> None:
    raise Hang


@pytest.fixture
def alarm() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_every_mutant_runs_or_is_refused_in_one_line(tmp_path: Path, alarm: None) -> None:
    rng = random.Random(SEED)
    seen = {"ran": 0, "refused": 0, "budget": 0}
    for number in range(MUTANTS):
        source = rng.choice([IDLIB, TWO_ACTOR])
        path = tmp_path / f"mutant-{number}.toml"
        path.write_text(mutant(source, rng), encoding="utf-8")
        signal.alarm(SECONDS_PER_MUTANT)
        try:
            result = invoke(
                "run", path, "--runs", 3, "--jobs", 1, "--max-events", EVENTS, "--format", "json"
            )
        except Hang:
            pytest.fail(f"mutant {number} ran past {SECONDS_PER_MUTANT} s:\n{path.read_text()}")
        finally:
            signal.alarm(0)
        output = result.output
        where = f"mutant {number} ({path}):\n{output}"
        assert ("Traceback" not in output and result.exception is None) or isinstance(
            result.exception, SystemExit
        ), where
        if result.exit_code == 0:
            seen["ran"] += 1
            continue
        errors = [line for line in output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, where
        if result.exit_code == 2:
            seen["refused"] += 1
            assert errors[0].startswith(f"error: {path}"), where  # it names the file
        else:
            assert result.exit_code == 1, where
            assert "stopped at the budget of" in errors[0], where
            seen["budget"] += 1
    # the loop explores: some mutants run, and most damage is caught
    assert seen["ran"] >= MUTANTS // 10, seen
    assert seen["refused"] >= MUTANTS // 3, seen
