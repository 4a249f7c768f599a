"""Comparisons, sensitivity and pictures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import IDLIB, TWO_ACTOR, invoke


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("runs")
    made = {}
    for name, extra in [
        ("a", ["--seed", 1]),
        ("a_again", ["--seed", 2]),
        ("b", ["--seed", 1, "--set", "actors.nfl.retaliation.probability=0.3"]),
    ]:
        made[name] = base / name
        result = invoke("run", IDLIB, "--runs", 1000, "--output", made[name], "--quiet", *extra)
        assert result.exit_code == 0, result.output
    return made


def test_the_same_scenario_under_other_seeds_differs_in_nothing(runs: dict[str, Path]) -> None:
    """When no outcome differs, Benjamini-Hochberg flags any with probability at most
    alpha (for independent or positively dependent tests); at alpha = 1e-4 a false
    alarm is that rare."""
    result = invoke("compare", runs["a"], runs["a_again"], "--format", "json", "--alpha", 0.0001)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert len(rows) > 30 and not any(r["differs"] for r in rows)
    assert not any(r["paired"] for r in rows)  # different seeds: independent samples
    for row in rows:
        assert {"metric", "difference", "low", "high", "p_value", "differs"} <= row.keys()
        assert row["low"] <= row["difference"] <= row["high"]


def test_a_real_change_is_flagged_and_paired_by_the_shared_seed(runs: dict[str, Path]) -> None:
    result = invoke("compare", runs["a"], runs["b"], "--format", "json")
    found = json.loads(result.output)
    rows = {r["metric"]: r for r in found["rows"]}
    assert "deaths of russia" in found["zero_in_both"]  # never hit in either run
    # paired where the outcome is defined in every replication, unpaired where not
    assert rows["retaliations"]["paired"] and rows["retaliations"]["pairs"] == 1000
    assert not rows["collapse_day"]["paired"] and rows["collapse_day"]["pairs"] is None
    assert rows["retaliations"]["differs"] and rows["retaliations"]["low"] > 0
    assert rows["collapsed"]["test"] == "McNemar exact"
    table = invoke("compare", runs["a"], runs["b"])
    assert "paired by replication (shared seed)" in table.output
    assert "~ day of the first collapse" in table.output  # conditional: unpaired
    assert any(
        line.strip().startswith("retaliations") and line.endswith("*")
        for line in table.output.splitlines()
    )


def test_a_scenario_is_run_on_the_spot_and_paired_with_a_directory(runs: dict[str, Path]) -> None:
    # the file side takes the directory's seed and replication count: identical rows
    result = invoke("compare", runs["a"], IDLIB, "--format", "json", "--jobs", 2)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert all(r["difference"] == 0 and not r["differs"] for r in rows)
    assert all(r["paired"] for r in rows)  # the same replications define every outcome


def test_two_scenarios_on_the_spot_with_overrides() -> None:
    result = invoke(
        "compare",
        TWO_ACTOR,
        TWO_ACTOR,
        "--runs",
        2000,
        "--set-b",
        "actors.b.retaliation.probability=0.3",
        "--format",
        "json",
        "--jobs",
        1,
    )
    rows = {r["metric"]: r for r in json.loads(result.output)["rows"]}
    # E[strikes] falls from 2.5 to (1 + 0.3) / (1 - 0.18) = 1.585
    row = rows["strikes"]
    assert row["differs"]
    standard_error = (row["high"] - row["low"]) / (2 * 1.96)
    assert abs(row["difference"] - (1.3 / 0.82 - 2.5)) < 4 * standard_error


@pytest.mark.parametrize(("method", "samples"), [("morris", 12), ("sobol", 64)])
def test_sensitivity_ranks_a_parameter_that_cannot_matter_last(method: str, samples: int) -> None:
    result = invoke(
        "sensitivity",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.1:0.8",
        "--vary",
        "actors.b.retaliation.probability=0.1:0.8",
        "--vary",
        "actors.a.retaliation.lag.mean=0.5:3",  # timing cannot change how many strikes
        "--metric",
        "strikes",
        "--method",
        method,
        "--samples",
        samples,
        "--runs",
        60,
        "--format",
        "json",
        "--jobs",
        2,
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    ranking = [row["parameter"] for row in found["ranking"]]
    assert ranking[-1] == "actors.a.retaliation.lag.mean"
    last = found["ranking"][-1]
    if method == "morris":
        assert last["mu_star"] == 0.0 and found["ranking"][0]["mu_star"] > 0.2
    else:
        assert abs(last["ST"]) < 0.05 and found["ranking"][0]["ST"] > 0.3


def test_bad_sensitivity_input_gets_one_line() -> None:
    result = invoke(
        "sensitivity",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.1:0.8",
        "--metric",
        "strikes",
    )
    assert result.exit_code == 2 and "at least two --vary ranges" in result.output
    result = invoke(
        "sensitivity",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.1:0.8",
        "--vary",
        "actors.b.retaliation.probability=0.2:0.4",
        "--metric",
        "strikes",
        "--method",
        "sobol",
        "--samples",
        10,
    )
    assert result.exit_code == 2 and "power of two" in result.output


def is_image(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    return b"<svg" in data[:2000] and len(data) > 5000


def test_every_kind_of_picture_renders(runs: dict[str, Path], tmp_path: Path) -> None:
    sweep_one, sweep_two = tmp_path / "s1", tmp_path / "s2"
    assert (
        invoke(
            "sweep",
            TWO_ACTOR,
            "--vary",
            "actors.b.retaliation.probability=0.2:0.8:4",
            "--runs",
            50,
            "--output",
            sweep_one,
            "--jobs",
            1,
        ).exit_code
        == 0
    )
    assert (
        invoke(
            "sweep",
            TWO_ACTOR,
            "--vary",
            "actors.a.retaliation.probability=0.2:0.8:3",
            "--vary",
            "actors.b.retaliation.probability=0.2,0.5",
            "--runs",
            30,
            "--output",
            sweep_two,
            "--jobs",
            1,
        ).exit_code
        == 0
    )
    cases = [
        ([runs["a"]], "deaths", "histogram.png"),
        ([runs["a"]], "survival", "survival.svg"),
        ([runs["a"], runs["b"]], "retaliations", "overlay.png"),
        ([runs["a"], runs["b"]], "survival", "overlay-survival.png"),
        ([sweep_one], "strikes", "sweep.png"),
        ([sweep_two], "strikes", "heatmap.svg"),
    ]
    for directories, metric, name in cases:
        out = tmp_path / name
        result = invoke("plot", *directories, "--metric", metric, "-o", out)
        assert result.exit_code == 0, result.output
        assert is_image(out), name
    bad = invoke("plot", runs["a"], "--metric", "deaths", "-o", tmp_path / "x.gif")
    assert bad.exit_code == 2 and "expected a file name ending in .png, .svg or .pdf" in bad.output
    assert (
        invoke("plot", runs["a"], "--metric", "highest_rung", "-o", tmp_path / "y.png").exit_code
        == 2
    )


def test_morris_says_what_unit_mu_star_is_in_and_sobol_warns_of_wide_intervals() -> None:
    common = [
        "sensitivity",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.1:0.8",
        "--vary",
        "actors.b.retaliation.probability=0.1:0.8",
        "--metric",
        "strikes",
        "--runs",
        20,
        "--jobs",
        1,
    ]
    morris = invoke(*common, "--samples", 4)
    assert morris.exit_code == 0, morris.output
    assert "mu* is the mean absolute change in strikes as a parameter moves" in morris.output
    found = json.loads(invoke(*common, "--samples", 4, "--format", "json").output)
    assert found["unit"] == "strikes per LOW-to-HIGH range"
    sobol = invoke(*common, "--method", "sobol", "--samples", 8)
    assert sobol.exit_code == 0, sobol.output
    assert "warning: the interval of" in sobol.output and "is wider than the index" in sobol.output


def test_sensitivity_progress_counts_points(capsys: pytest.CaptureFixture[str]) -> None:
    import cli

    progress = cli._Progress(enabled=True, label="points")
    progress.update(1, 12)
    progress.close()
    assert "points" in capsys.readouterr().err
