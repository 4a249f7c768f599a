"""Sweeps: designs, common random numbers, the tidy table, experiment files, resume,
and the analytic check in the two-actor scenario."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.experiments.designs import Factor, design_points, parse_factor
from sim.model.replication import run_replication
from sim.outputs.results_dir import ResultsDir
from sim.scenario import load_scenario, parse_override
from tests.conftest import IDLIB, TWO_ACTOR, fail_at, invoke


def test_sweeping_b_recovers_the_analytic_expected_strikes_at_every_point(tmp_path: Path) -> None:
    """A strike by `a` is answered by `b` with p_b, then by `a` with p_a = 0.6...:
    E[strikes] = (1 + p_b) / (1 - p_a p_b). Intervals at 99.99% (z = 3.9), so five
    points miss together with probability about 5e-4."""
    result = invoke(
        "sweep",
        TWO_ACTOR,
        "--vary",
        "actors.b.retaliation.probability=0.1:0.9:5",
        "--runs",
        3000,
        "--output",
        tmp_path / "sweep",
        "--metric",
        "strikes",
        "--confidence",
        0.9999,
        "--format",
        "json",
        "--jobs",
        2,
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 5
    for row in rows:
        p_b = row["actors.b.retaliation.probability"]
        analytic = (1 + p_b) / (1 - 0.6 * p_b)
        assert row["low"] <= analytic <= row["high"], row
        assert row["replications"] == 3000


def test_common_random_numbers_make_paired_differences_far_less_noisy() -> None:
    """Raising the rebels' answer probability from 0.10 to 0.12, the variance of the
    paired difference in deaths relative to independent draws, Var(A - B) / (Var A +
    Var B), is 1 with independent seeds and 1 - 2 Cov(A, B) / (Var A + Var B) with a
    shared one (1 - 2 corr(A, B) when the variances are equal).

    Two checks, both free of assumptions about the (heavy-tailed) deaths:
    - a permutation test: pairing each A with the B of its own replication gives a
      smaller variance of differences than all of 9,999 random pairings (p = 1e-4);
    - a bootstrap of the ratio over replications: its one-sided 99.9% upper bound is
      below a quarter, so the variance is far below that under independent seeds."""
    near = [
        load_scenario(IDLIB, [parse_override(f"actors.nfl.retaliation.probability={p}")])
        for p in (0.10, 0.12)
    ]
    runs = 400
    a = np.array([run_replication(near[0], 1, r)["deaths"] for r in range(runs)], dtype=float)
    b = np.array([run_replication(near[1], 1, r)["deaths"] for r in range(runs)], dtype=float)
    paired = np.var(a - b, ddof=1)
    rng = np.random.default_rng(7)
    shuffled = np.array([np.var(a - rng.permutation(b), ddof=1) for _ in range(9999)])
    assert (1 + np.sum(shuffled <= paired)) / (1 + 9999) <= 1e-4
    picks = rng.integers(0, runs, size=(10_000, runs))
    ratios = np.var(a[picks] - b[picks], axis=1, ddof=1) / (
        np.var(a[picks], axis=1, ddof=1) + np.var(b[picks], axis=1, ddof=1)
    )
    assert np.quantile(ratios, 0.999) < 0.25


def test_a_grid_crosses_every_factor() -> None:
    factors = [parse_factor("x=1,2,3"), parse_factor("y=0:1:2")]
    points = design_points(factors, "grid", None, seed=1)
    assert points == [{"x": a, "y": b} for a in (1.0, 2.0, 3.0) for b in (0.0, 1.0)]


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_sampled_designs_fill_the_ranges_reproducibly(design: str) -> None:
    factors = [Factor("x", (), 0.0, 1.0), Factor("n", (), 1.0, 20.0, whole=True)]
    points = design_points(factors, design, 16, seed=3)
    assert len(points) == 16 and points == design_points(factors, design, 16, seed=3)
    assert points != design_points(factors, design, 16, seed=4)
    xs = sorted(p["x"] for p in points)
    assert all(0 <= x <= 1 for x in xs) and all(isinstance(p["n"], int) for p in points)
    # stratified: each sixteenth of [0, 1] holds one point
    assert [int(x * 16) for x in xs] == list(range(16))


def test_bad_vary_specs_get_one_line() -> None:
    for text, message in [
        ("x", "expected PATH=SPEC"),
        ("x=0.9:0.1", "expected LOW < HIGH"),
        ("x=0:1:1", "expected a COUNT of at least 2"),
        ("x=a,b", "expected numbers"),
    ]:
        with pytest.raises(InputError, match=message):
            parse_factor(text)
    result = invoke(
        "sweep",
        TWO_ACTOR,
        "--vary",
        "actors.b.retaliation.probability=0:1.5:3",
        "--runs",
        5,
        "--output",
        "unused",
    )
    assert result.exit_code == 2
    assert "expected a probability between 0 and 1, got 1.5" in result.output
    assert not Path("unused").exists()


def test_rows_carry_the_point_and_its_parameters(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = invoke(
        "sweep",
        IDLIB,
        "--vary",
        "truce.personnel_limit=5:25:3",
        "--vary",
        "negotiation.delay.mean=1,3",
        "--runs",
        20,
        "--output",
        out,
        "--jobs",
        1,
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "_sweep.json").read_text())
    assert len(manifest["points"]) == 6
    assert manifest["points"][5] == {"truce.personnel_limit": 25, "negotiation.delay.mean": 3.0}
    stored = ResultsDir.open(out / "points" / "0005").columns(
        ["point", "truce.personnel_limit", "negotiation.delay.mean", "strikes"]
    )
    assert set(stored["point"]) == {5} and set(stored["truce.personnel_limit"]) == {25}
    assert set(stored["negotiation.delay.mean"]) == {3.0} and len(stored["strikes"]) == 20
    scenario = ResultsDir.open(out / "points" / "0005").scenario()
    assert scenario.truce is not None and scenario.truce.personnel_limit == 25
    summary = invoke("summary", out, "--format", "json")
    assert json.loads(summary.output) == json.loads((out / "summary.json").read_text())


def test_an_experiment_file_runs_the_same_sweep(tmp_path: Path) -> None:
    experiment = tmp_path / "exp.toml"
    experiment.write_text(
        f"""
[experiment]
scenario = "{IDLIB}"
runs = 30
seed = 4
design = "lhs"
points = 3
output = "{tmp_path / "from-file"}"
metrics = ["collapsed", "deaths"]

[vary]
"actors.nfl.retaliation.probability" = "0.05:0.5"

[set]
"truce.drift" = 0.03
"""
    )
    from_file = invoke("sweep", experiment, "--format", "json", "--jobs", 1)
    assert from_file.exit_code == 0, from_file.output
    by_hand = invoke(
        "sweep",
        IDLIB,
        "--vary",
        "actors.nfl.retaliation.probability=0.05:0.5",
        "--design",
        "lhs",
        "--points",
        3,
        "--runs",
        30,
        "--seed",
        4,
        "--set",
        "truce.drift=0.03",
        "--metric",
        "collapsed",
        "--metric",
        "deaths",
        "--output",
        tmp_path / "by-hand",
        "--format",
        "json",
        "--jobs",
        2,
    )
    assert json.loads(from_file.output) == json.loads(by_hand.output)
    experiment.write_text(experiment.read_text().replace("runs = 30", "runs = 30\nrepeats = 2"))
    bad = invoke("sweep", experiment)
    assert bad.exit_code == 2 and "experiment.repeats: unknown key for an experiment" in bad.output


def test_an_interrupted_sweep_resumes_point_by_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sweep"
    design = [
        "sweep",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.2,0.4,0.6",
        "--runs",
        40,
        "--format",
        "json",
    ]
    args = [*design, "--chunk", 10, "--output", out, "--jobs", 1]
    fail_at(monkeypatch, {25: KeyboardInterrupt()})  # fails in the first point, at replication 25
    first = invoke(*args)
    assert first.exit_code == 130 and "run the same command again to resume" in first.output
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "points" / "0000" / "chunks").iterdir()}
    assert sorted(kept) == ["000000000-000000009.parquet", "000000010-000000019.parquet"]
    monkeypatch.undo()
    second = invoke(*args)
    assert second.exit_code == 0, second.output
    after = {p.name: p.stat().st_mtime_ns for p in (out / "points" / "0000" / "chunks").iterdir()}
    assert all(after[name] == stamp for name, stamp in kept.items())
    fresh = invoke(*design, "--output", tmp_path / "fresh", "--jobs", 2)
    assert json.loads(second.output) == json.loads(fresh.output)
    refused = invoke(
        "sweep",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.3",
        "--runs",
        40,
        "--output",
        out,
    )
    assert refused.exit_code == 2 and "holds another sweep" in refused.output


def test_a_sampled_design_without_points_says_what_to_add() -> None:
    result = invoke(
        "sweep",
        TWO_ACTOR,
        "--vary",
        "actors.a.retaliation.probability=0.1:0.9",
        "--design",
        "lhs",
        "--output",
        "unused",
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --design lhs: needs --points K, how many points to sample (e.g. --points 32)"
    )
    assert not Path("unused").exists()


def test_an_experiment_files_output_is_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "experiments"
    folder.mkdir()
    (folder / "exp.toml").write_text(
        f"""
[experiment]
scenario = "{TWO_ACTOR}"
runs = 5
output = "levers"

[vary]
"actors.b.retaliation.probability" = [0.2, 0.4]
"""
    )
    monkeypatch.chdir(tmp_path)
    assert invoke("sweep", folder / "exp.toml", "--jobs", 1).exit_code == 0
    assert (folder / "levers" / "_sweep.json").exists() and not (tmp_path / "levers").exists()
