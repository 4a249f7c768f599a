"""The bundled scenarios still give exactly the numbers they gave: per-replication rows
and traces, byte for byte, against the files in ``tests/golden/``."""

from __future__ import annotations

import pytest

from tests.goldens import FOLDER, RUNS, TRACES, run_rows, trace_json


@pytest.mark.parametrize(("name", "scenario", "seed", "runs"), RUNS, ids=[r[0] for r in RUNS])
def test_run_rows_are_unchanged(name: str, scenario: object, seed: int, runs: int) -> None:
    expected = (FOLDER / name).read_bytes()
    made = run_rows(scenario, seed, runs)  # type: ignore[arg-type]
    assert made == expected, f"{name}: rows differ from the golden file"


@pytest.mark.parametrize(
    ("name", "scenario", "seed", "replication"), TRACES, ids=[t[0] for t in TRACES]
)
def test_traces_are_unchanged(name: str, scenario: object, seed: int, replication: int) -> None:
    expected = (FOLDER / name).read_bytes()
    assert trace_json(scenario, seed, replication) == expected, f"{name}: trace differs"  # type: ignore[arg-type]
