"""Calibration: target files are checked line by line, statistics are computed as
stated, a fit depends on its seed alone, and its credible intervals cover the truth at
their nominal rate (a simulation-based calibration check)."""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim import api
from sim.calibration import abc as abc_module
from sim.calibration.calibrate import weighted_quantile
from sim.calibration.check import Check
from sim.calibration.targets import RANGE_SDS, Target, read_targets, simulated
from sim.errors import CalibrationInterrupted, InputError
from sim.scenario import load_scenario
from tests.conftest import IDLIB, TWO_ACTOR, invoke

B = "actors.b.retaliation.probability"


def targets(**entry: Any) -> dict[str, Any]:
    return {"target": [entry]}


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        read_targets(data, load_scenario(IDLIB))
    return str(caught.value)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {"outcome": "strikes", "statistic": "medain", "observed": 1, "sd": 1},
            "targets: target.0.statistic: expected one of mean, median, quantile Q, "
            "probability, value at day D, sum to day D; got 'medain'",
        ),
        (
            {"outcome": "strikes", "statistic": "probability", "observed": 1, "sd": 1},
            "targets: target.0.statistic: probability is for a true/false outcome; "
            "strikes is a number",
        ),
        (
            {"outcome": "collapsed", "statistic": "mean", "observed": 1, "sd": 1},
            "targets: target.0.statistic: collapsed is true/false; expected probability",
        ),
        (
            {"outcome": "collapse_day", "statistic": "sum to day 2", "observed": 1, "sd": 1},
            "targets: target.0.statistic: 'sum to day 2' is for a daily series; "
            "collapse_day is an outcome",
        ),
        (
            {"outcome": "deaths", "statistic": "value at day 60", "observed": 1, "sd": 1},
            "targets: target.0.statistic: expected a day from 0 to 59 (the horizon), got 60",
        ),
        (
            {"outcome": "strikes", "statistic": "mean", "observed": 1, "sd": 0},
            "targets: target.0.sd: expected a positive number up to 1e+06, got 0",
        ),
        (
            {"outcome": "strikes", "statistic": "mean", "observed": 1, "low": 0, "high": 2},
            "targets: target.0.low: expected either observed and sd, or low and high, not both",
        ),
        (
            {"outcome": "strikes", "statistic": "mean", "low": 2, "high": 1},
            "targets: target.0.high: expected a number > low (2), got 1",
        ),
        (
            {"outcome": "strikez", "statistic": "mean", "observed": 1, "sd": 1},
            "targets: target.0.outcome: no outcome is named strikez; did you mean strikes?",
        ),
        (
            {"outcome": "strikes", "statistic": "mean", "observed": 1, "sd": 1, "sdd": 2},
            "targets: target.0.sdd: unknown key for a target; did you mean sd?",
        ),
    ],
)
def test_a_bad_target_gets_one_line_naming_the_key(entry: dict[str, Any], expected: str) -> None:
    assert refused(targets(**entry)) == expected


def test_a_target_file_needs_targets_and_no_two_alike() -> None:
    assert (
        refused({})
        == "targets: target: missing; expected at least one [[target]] table or [events]"
    )
    twice = {"outcome": "strikes", "statistic": "mean", "observed": 1, "sd": 1}
    assert refused({"target": [twice, twice]}) == (
        "targets: target.1: a second target for the mean of strikes"
    )


def test_a_range_is_a_normal_observation_with_95_percent_inside() -> None:
    found = read_targets(
        targets(outcome="reported_deaths", statistic="quantile 0.9", low=12, high=15),
        load_scenario(IDLIB),
    )
    assert found == [Target("reported_deaths", "quantile", 13.5, 3 / RANGE_SDS, 0.9, -1, 12, 15)]
    assert stats.norm.cdf(15, 13.5, 3 / RANGE_SDS) - stats.norm.cdf(12, 13.5, 3 / RANGE_SDS) == (
        pytest.approx(0.95)
    )


def test_statistics_are_computed_over_the_replications_as_stated() -> None:
    scenario = load_scenario(IDLIB)
    columns: dict[str, list[Any]] = {
        "strikes": [1, 2, 3, 10],
        "opening_answered": [True, False, True, True],
        "opening_answer_day": [0.5, None, 1.5, 2.5],
        "collapsed": [False, True, False, False],
        "restored": [False, True, False, False],
    }
    n = 60  # days on the Idlib grid
    deaths = np.zeros((2, n))
    deaths[0, :3] = [1, 2, 3]
    deaths[1, :3] = [4, 5, 6]
    daily = {"deaths": deaths.ravel()}

    def value(outcome: str, statistic: str, **more: Any) -> float:
        t = Target(outcome, statistic, 0.0, 1.0, **more)
        return simulated(t, scenario, columns, daily)

    assert value("strikes", "mean") == 4.0
    assert value("strikes", "median") == 2.0  # the inverted CDF, as the summaries print
    assert value("strikes", "quantile", q=0.75) == 3.0
    assert value("opening_answer_day", "median") == 1.5  # where the answer came
    assert value("opening_answered", "probability") == 0.75
    assert value("restored", "probability") == 1.0  # among the replications that collapsed
    assert value("deaths", "value", day=1) == 3.5
    assert value("deaths", "sum", day=2) == 10.5


def test_weighted_quantiles_invert_the_weighted_cdf() -> None:
    values = np.array([3.0, 1.0, 2.0])
    weights = np.array([0.2, 0.5, 0.3])
    assert [weighted_quantile(values, weights, q) for q in (0.1, 0.5, 0.6, 0.9)] == [
        1.0,
        1.0,
        2.0,
        3.0,
    ]


STRIKES = targets(outcome="strikes", statistic="mean", observed=2.5, sd=0.2)


def test_a_fit_depends_on_its_seed_alone(tmp_path: Path) -> None:
    """The same seed gives the same posterior, to the byte, on one worker or two."""
    common: dict[str, Any] = dict(
        targets=STRIKES, vary=[f"{B}=0.2:0.9"], particles=40, replications=20, seed=3
    )
    one = api.calibrate(TWO_ACTOR, output=tmp_path / "one", jobs=1, **common)
    two = api.calibrate(TWO_ACTOR, output=tmp_path / "two", jobs=2, **common)
    for name in ("posterior.parquet", "calibration.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    other = api.calibrate(TWO_ACTOR, output=tmp_path / "other", jobs=1, **{**common, "seed": 4})
    assert not np.array_equal(one.result.points, other.result.points)
    assert one.converged and math.isclose(float(one.result.weights.sum()), 1.0)
    assert np.array_equal(one.result.points, two.result.points)


def fit_once(truth: float, index: int, folder: Path) -> tuple[float, float]:
    """Data the simulator made at ``truth`` (the statistic of 30 replications plus the
    target's normal error), fitted; the posterior's 90% interval."""
    scenario = load_scenario(TWO_ACTOR, [f"{B}={truth}"])
    observed = float(
        np.mean(api.run(scenario, runs=30, seed=10_000 + index, jobs=1).values("strikes"))
    )
    observed += float(np.random.default_rng(index).normal(0.0, 0.3))
    found = api.calibrate(
        TWO_ACTOR,
        targets=targets(outcome="strikes", statistic="mean", observed=observed, sd=0.3),
        vary=[f"{B}=0.1:0.8"],
        output=folder / f"fit{index}",
        particles=60,
        replications=30,
        seed=index,
        jobs=2,
    )
    row = found.parameters()[0]
    return row["low"], row["high"]


def test_credible_intervals_cover_the_truth_at_their_nominal_rate(tmp_path: Path) -> None:
    """Simulation-based calibration: 30 truths drawn from the prior, each fitted to data
    the simulator made there. The number of 90% intervals that hold the truth is
    binomial (30, 0.9) if the posterior is right; a two-sided binomial test at 0.001
    fails a posterior that is too narrow or too wide (about 26% or 99% coverage)."""
    truths = np.random.default_rng(2026).uniform(0.1, 0.8, 30)
    covered = 0
    for index, truth in enumerate(truths):
        low, high = fit_once(float(truth), index, tmp_path)
        covered += low <= truth <= high
    assert stats.binomtest(covered, 30, 0.9).pvalue > 0.001, covered


def test_a_parameter_the_targets_cannot_see_keeps_its_prior(tmp_path: Path) -> None:
    """The lag of the answers does not change how many strikes there are: its posterior
    is the uniform prior (a Kolmogorov-Smirnov distance within the 1% critical value for
    the sample's effective size)."""
    found = api.calibrate(
        TWO_ACTOR,
        targets=STRIKES,
        vary=["actors.b.retaliation.lag.mean=0.5:5"],
        output=tmp_path / "lag",
        particles=200,
        replications=20,
        seed=5,
        jobs=2,
    )
    values = found.result.points[:, 0]
    order = np.argsort(values)
    cdf = np.cumsum(found.result.weights[order])
    uniform = (values[order] - 0.5) / 4.5
    distance = float(np.max(np.abs(cdf - uniform)))
    assert distance < 1.63 / math.sqrt(found.effective_size)


def test_calibrate_from_the_command_line(tmp_path: Path) -> None:
    file = tmp_path / "targets.toml"
    file.write_text(
        '[[target]]\noutcome = "strikes"\nstatistic = "mean"\nobserved = 2.5\nsd = 0.2\n'
    )
    args = ["calibrate", TWO_ACTOR, "--targets", file, "--vary", f"{B}=0.2:0.9"]
    args += ["--particles", 40, "--replications", 20, "--jobs", 1]
    result = invoke(*args, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "actors.b.retaliation.probability             0.2 to 0.9" in result.output
    again = invoke(*args, "--output", tmp_path / "out")
    assert again.exit_code == 2
    assert again.output.strip() == (
        f"error: --output: {tmp_path / 'out'}: holds a calibration already; name a new folder"
    )
    listed = invoke(*args[:4], "--vary", f"{B}=0.2,0.5", "--output", tmp_path / "x")
    assert listed.exit_code == 2 and "expected a range LOW:HIGH" in listed.output


def test_a_serial_fit_leaves_the_callers_random_state_alone(tmp_path: Path) -> None:
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    api.calibrate(
        TWO_ACTOR,
        targets=STRIKES,
        vary=[f"{B}=0.2:0.9"],
        output=tmp_path / "fit",
        particles=20,
        replications=10,
        generations=1,
        jobs=1,
    )
    assert np.random.random() == expected


def test_a_particle_whose_replications_outrun_the_budget_is_rejected_and_counted(
    tmp_path: Path,
) -> None:
    """With every strike by `a` answered, an answer probability of `b` near 1 makes a
    cycle that outruns 300 events; such particles are rejected, counted in the summary,
    and the fit goes on (the target, 3 strikes on average, sits at 0.5)."""
    found = api.calibrate(
        TWO_ACTOR,
        targets=targets(outcome="strikes", statistic="mean", observed=3.0, sd=0.3),
        vary=[f"{B}=0.3:1.0"],
        overrides=["actors.a.retaliation.probability=1.0"],
        output=tmp_path / "fit",
        particles=40,
        replications=10,
        generations=3,
        seed=2,
        jobs=1,
        max_events=300,
    )
    data = json.loads((tmp_path / "fit" / "calibration.json").read_text())
    assert data["rejected_for_failures"] == found.result.failed > 0
    assert float(np.max(found.result.points[:, 0])) < 0.95


def test_a_calibration_no_particle_can_reach_is_refused(tmp_path: Path) -> None:
    """Two-actor cycles cannot average 500 strikes with the answer probability below
    0.5: every proposal is rejected, and the run stops with a message, not a hang."""
    with pytest.raises(InputError) as caught:
        api.calibrate(
            TWO_ACTOR,
            targets=targets(outcome="strikes", statistic="mean", observed=500.0, sd=0.1),
            vary=[f"{B}=0.1:0.5"],
            output=tmp_path / "fit",
            particles=10,
            replications=5,
            jobs=1,
        )
    assert "accepted no particle in 1000 proposals" in str(caught.value)


COMMON: dict[str, Any] = dict(
    targets=STRIKES, vary=[f"{B}=0.2:0.9"], particles=30, replications=10, seed=7, jobs=1
)


def test_an_interrupted_calibration_resumes_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after 45 tasks keeps them; the same call again finishes the fit without
    running them again, and writes what an uninterrupted fit writes."""
    whole = api.calibrate(TWO_ACTOR, output=tmp_path / "whole", **COMMON)
    real = abc_module._until_accepted
    calls = []

    def interrupted(*args: Any) -> Any:
        calls.append(1)
        if len(calls) > 45:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(abc_module, "_until_accepted", interrupted)
    with pytest.raises(CalibrationInterrupted) as caught:
        api.calibrate(TWO_ACTOR, output=tmp_path / "cut", **COMMON)
    assert caught.value.kept == 45
    assert not (tmp_path / "cut" / "calibration.json").exists()
    calls.clear()

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(abc_module, "_until_accepted", counted)
    again = api.calibrate(TWO_ACTOR, output=tmp_path / "cut", **COMMON)
    assert len(calls) == whole.result.tasks - 45
    for name in ("posterior.parquet", "calibration.json"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "cut" / name).read_bytes()
    assert again.result.evaluations == whole.result.evaluations


def test_an_interrupted_calibration_says_what_it_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any) -> Any:
        raise KeyboardInterrupt

    file = tmp_path / "targets.toml"
    file.write_text(
        '[[target]]\noutcome = "strikes"\nstatistic = "mean"\nobserved = 2.5\nsd = 0.2\n'
    )
    args = ["calibrate", TWO_ACTOR, "--targets", file, "--vary", f"{B}=0.2:0.9"]
    args += ["--particles", 30, "--replications", 10, "--jobs", 1, "--output", tmp_path / "o"]
    monkeypatch.setattr(abc_module, "_until_accepted", interrupted)
    result = invoke(*args)
    assert result.exit_code == 130
    assert result.output.strip() == (
        f"interrupted; 0 particles' simulations kept in {tmp_path / 'o'} "
        "(run the same command again to resume)"
    )
    monkeypatch.undo()
    moved = invoke(
        *args[:-6], "--particles", 40, "--replications", 10, "--jobs", 1, "--output", tmp_path / "o"
    )
    assert moved.exit_code == 2
    assert moved.output.strip() == (
        f"error: --output: {tmp_path / 'o'}: holds an unfinished calibration with other "
        "settings; run its own command again to resume it, or name a new folder"
    )


def test_the_check_summarises_the_statistics_simulated_at_posterior_draws() -> None:
    """Plumbing, exact: medians, 90% intervals, the share of predicted observations at
    or below the observed one, and its two-sided p-value."""
    model = abc_module.Model(
        {}, "", (), (), tuple(read_targets(STRIKES, load_scenario(TWO_ACTOR))), 10
    )
    simulated = np.array([[1.0, 2.0, 3.0, 4.0, math.nan]])
    predicted = np.array([[1.5, 2.5, 2.0, 9.0, math.nan]])
    (row,) = Check(simulated, predicted, 1).rows(model)
    assert row == {
        "label": "mean of strikes",
        "observed": 2.5,
        "sd": 0.2,
        "draws": 4,
        "median": 2.5,
        "low": 1.15,
        "high": pytest.approx(3.85, abs=1e-12),
        "share_below": 0.75,
        "p_value": 0.5,
        "reproduced": True,
    }
    (never,) = Check(np.full((1, 3), math.nan), np.full((1, 3), math.nan), 3).rows(model)
    assert never["draws"] == 0 and never["reproduced"] is False


def test_a_calibration_writes_its_check_pictures_and_calibrated_file(tmp_path: Path) -> None:
    """The folder holds the predictive check (both targets reproduced: the data are
    the model's own), the three pictures, and the scenario file with each fitted value
    at its posterior median, commented, the --set value too, and every other line as
    the file had it."""
    lag = "actors.b.retaliation.lag.mean"
    found = api.calibrate(
        TWO_ACTOR,
        targets={
            "target": [
                {"outcome": "strikes", "statistic": "mean", "observed": 2.5, "sd": 0.2},
                {"outcome": "strikes", "statistic": "quantile 0.9", "low": 3, "high": 7},
            ]
        },
        vary=[f"{B}=0.2:0.9", f"{lag}=0.5:3"],
        overrides=["actors.a.retaliation.probability=0.6", "scenario.horizon=200"],
        output=tmp_path / "fit",
        particles=40,
        replications=20,
        seed=3,
        jobs=2,
    )
    folder = tmp_path / "fit"
    data = json.loads((folder / "calibration.json").read_text())
    assert [row["reproduced"] for row in data["check"]["targets"]] == [True, True]
    assert all(row["draws"] == 100 for row in data["check"]["targets"])
    for name in ("marginals.png", "pairs.png", "check.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (folder / "calibrated.toml").read_text()
    scenario = load_scenario(folder / "calibrated.toml")
    medians = {p["path"]: p["median"] for p in found.parameters()}
    b = scenario.actor("b").retaliation
    assert b is not None
    assert b.probability == float(f"{medians[B]:.4g}")
    assert b.lag.describe()["mean"] == float(f"{medians[lag]:.4g}")
    assert scenario.horizon == 200
    lines = text.splitlines()
    fitted = [line for line in lines if "# FITTED" in line or "# mean: FITTED" in line]
    assert len(fitted) == 2 and all("posterior median, 90% interval [" in f for f in fitted)
    assert "the file had 0.6" in fitted[0] and "the file had 1.0" in fitted[1]
    assert any(line.startswith("horizon = 200 # set by --set") for line in lines)
    original = Path(TWO_ACTOR).read_text().splitlines()
    kept = [line[2:] for line in difflib.ndiff(original, lines) if line.startswith("- ")]
    changed = ["horizon", "probability", "probability", "lag"]  # a set, b fitted
    assert [k.split("=")[0].strip() for k in kept] == changed


LAG = "actors.nfl.retaliation.lag.mean"
SHARE = "actors.nfl.retaliation.proportionality"
SHORT = ["scenario.horizon=3"]  # the targets end on day 1: three days suffice


def idlib_fit(index: int, folder: Path) -> list[tuple[float, float, float]]:
    """Idlib's answer to the opening strike: its lag and its proportionality drawn from
    the prior, data made at them (statistics of 30 replications plus the targets'
    normal errors), then fitted; each parameter's truth and 90% interval."""
    rng = np.random.default_rng(500 + index)
    truth = {LAG: float(rng.uniform(0.5, 2.0)), SHARE: float(rng.uniform(0.1, 0.6))}
    made = api.run(
        IDLIB,
        runs=30,
        seed=20_000 + index,
        jobs=1,
        daily=True,
        overrides=SHORT + [f"{path}={value}" for path, value in truth.items()],
    )
    answer = float(np.nanmedian(np.asarray(made.values("opening_answer_day"), dtype=float)))
    daily = made.daily(["reported_government"])
    toll = float(
        daily[daily["day"] <= 1].groupby("replication")["reported_government"].sum().mean()
    )
    found = api.calibrate(
        IDLIB,
        targets={
            "target": [
                {
                    "outcome": "opening_answer_day",
                    "statistic": "median",
                    "observed": answer + rng.normal(0, 0.2),
                    "sd": 0.2,
                },
                {
                    "outcome": "reported_government",
                    "statistic": "sum to day 1",
                    "observed": toll + rng.normal(0, 2.0),
                    "sd": 2.0,
                },
            ]
        },
        vary=[f"{LAG}=0.5:2", f"{SHARE}=0.1:0.6"],
        overrides=SHORT,
        output=folder / f"idlib{index}",
        particles=30,
        replications=20,
        seed=index,
        jobs=2,
    )
    return [(truth[p["path"]], p["low"], p["high"]) for p in found.parameters()]


def test_idlib_credible_intervals_cover_two_parameters_at_their_nominal_rate(
    tmp_path: Path,
) -> None:
    """Simulation-based calibration on the Idlib scenario, two parameters at once:
    over 10 fits, the 20 intervals that hold the truth are binomial (20, 0.9) if the
    posterior is right; a two-sided binomial test at 0.001 fails coverage below about
    60% (sized for CI: it catches a posterior that is wrong, not one slightly off). The
    fitted lag must also be informative: its interval narrower than the prior's own
    90% interval (1.35 days) in at least 8 fits."""
    covered = narrow = 0
    for index in range(10):
        rows = idlib_fit(index, tmp_path)
        covered += sum(low <= truth <= high for truth, low, high in rows)
        narrow += (rows[0][2] - rows[0][1]) < 1.35
    assert stats.binomtest(covered, 20, 0.9).pvalue > 0.001, covered
    assert narrow >= 8, narrow
