"""The command line through click's CliRunner: exit codes, output and files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sim.model.replication import run_replication
from sim.scenario import load_scenario
from tests.conftest import IDLIB, TWO_ACTOR, fail_at, invoke


def test_run_prints_the_distributions() -> None:
    result = invoke("run", IDLIB, "--runs", "40", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Idlib, October 2020: 40 replications, seed 3, horizon 60 days" in result.output
    for heading in (
        "P(truce collapsed by day 60)",
        "survival (Kaplan-Meier)",
        "Escalation ladder",
        "Longest retaliation chain",
    ):
        assert heading in result.output
    assert "deaths of nfl " in result.output


def test_run_json_matches_the_per_replication_rows(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    result = invoke(
        "run", IDLIB, "--runs", "30", "--seed", "4", "--format", "json", "--output", out
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    with out.open() as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["replication"]))  # finish order
    assert len(rows) == 30 == summary["replications"]
    collapsed = sum(r["collapsed"] == "true" for r in rows)
    assert summary["truce"]["collapsed"]["value"] == pytest.approx(collapsed / 30)
    assert [int(r["replication"]) for r in rows] == list(range(30))
    scenario = load_scenario(IDLIB)
    direct = run_replication(scenario, 4, 7)
    assert int(rows[7]["strikes"]) == direct["strikes"]
    assert rows[7]["collapse_day"] == (
        "" if direct["collapse_day"] is None else repr(direct["collapse_day"])
    )


def test_json_rows_are_a_valid_array(tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    assert invoke("run", TWO_ACTOR, "--runs", "12", "--output", out).exit_code == 0
    rows = json.loads(out.read_text())
    assert sorted(r["replication"] for r in rows) == list(range(12))
    assert all(r["collapse_day"] is None for r in rows)


def test_set_and_horizon_change_the_run() -> None:
    result = invoke(
        "run",
        TWO_ACTOR,
        "--runs",
        "200",
        "--horizon",
        "30",
        "--format",
        "json",
        "--set",
        "actors.a.retaliation.probability=0",
        "--set",
        "actors.b.retaliation.probability=0",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["horizon"] == 30
    assert summary["quantities"]["strikes"]["mean"]["value"] == 1.0


def test_validate_says_valid() -> None:
    result = invoke("validate", IDLIB)
    assert result.exit_code == 0
    assert result.output.strip().endswith(
        "valid: Idlib, October 2020, 6 actors, 1 opening strike(s), horizon 60 days"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "nowhere.toml"], "error: nowhere.toml: no such file"),
        (
            ["run", IDLIB, "--set", "actors.nfl.retaliation.probability=1.3"],
            "error: --set actors.nfl.retaliation.probability=1.3: actors.nfl.retaliation.probability: "
            "expected a probability between 0 and 1, got 1.3",
        ),
        (
            ["run", IDLIB, "--horizon", "-5"],
            "error: --horizon -5: scenario.horizon: expected a positive number of days up to 36500, got -5.0",
        ),
        (["trace", IDLIB, "--set", "nonsense"], "error: --set: nonsense: expected PATH=VALUE"),
        (
            ["run", TWO_ACTOR, "--runs", "2", "--output", "rows.txt"],
            "error: --output: rows.txt: expected a file name",
        ),
        (["run", TWO_ACTOR, "--runs", "0"], "error: truce run: Invalid value for '--runs'"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(message)
    assert "Traceback" not in result.output


def test_bad_scenario_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        IDLIB.read_text().replace("probability = 0.8          # FACT", "probability = 1.8  # FACT")
    )
    result = invoke("validate", bad)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {bad}: actors.nfl.commitment.probability: expected a probability between 0 and 1, got 1.8"
    )


def test_trace_shows_the_timeline() -> None:
    result = invoke("trace", IDLIB, "--seed", "1")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["day", "date", "actor", "target"]
    assert "2020-10-26 russia" in lines[2] and "#1 opening airstrike on camps" in lines[2]
    rows = json.loads(invoke("trace", IDLIB, "--seed", "1", "--format", "json").output)
    assert rows[1]["actor"] == "russia" and rows[1]["deaths"] == 51


def test_an_interrupted_run_keeps_every_finished_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_at(monkeypatch, {7: KeyboardInterrupt()})
    for name in ("rows.csv", "rows.json"):
        out = tmp_path / name
        result = invoke(
            "run", TWO_ACTOR, "--runs", "50", "--jobs", "1", "--chunk", "5", "--output", out
        )
        assert result.exit_code == 130
        # the chunk in flight (5..9) is lost; the finished one (0..4) is kept
        assert f"interrupted after 5 of 50 replications; kept in {out}" in result.output
        if name.endswith(".csv"):
            assert [int(r["replication"]) for r in csv.DictReader(out.open())] == list(range(5))
        else:
            assert [r["replication"] for r in json.loads(out.read_text())] == list(range(5))
