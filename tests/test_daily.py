"""Daily series: checked against the scalar outcomes of the same replications, their
aggregates against a direct computation, and their storage like the rows'."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

import sim
from sim import api
from sim.model.catalogue import STATES
from sim.model.records import Strike
from sim.outputs.results import Results
from tests.conftest import IDLIB, ROOT, TWO_ACTOR, invoke, make, scripted

RUNS, SEED = 300, 5
DAYS = 60


@pytest.fixture(scope="module")
def idlib(tmp_path_factory: pytest.TempPathFactory) -> Results:
    out = tmp_path_factory.mktemp("daily") / "idlib"
    return sim.run(IDLIB, runs=RUNS, seed=SEED, jobs=1, chunk=100, output=out)


@pytest.fixture(scope="module")
def frames(idlib: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    return idlib.daily(), idlib.to_pandas()


def by_replication(daily: pd.DataFrame, name: str) -> np.ndarray[Any, Any]:
    values: np.ndarray[Any, Any] = daily[name].to_numpy().reshape(-1, DAYS)
    return values


def test_daily_counts_sum_to_the_scalar_outcomes(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    daily, rows = frames
    assert len(daily) == RUNS * DAYS
    assert daily.groupby("replication")["day"].apply(list).tolist() == [list(range(DAYS))] * RUNS
    pairs = {
        "deaths": "deaths",
        "reported_deaths": "reported_deaths",
        "strikes": "strikes",
        "retaliations": "retaliations",
        "consultations": "consultations",
        "mediator_calls": "mediator_calls",
        "talks": "talks",
        **{f"deaths_{a}": f"deaths_{a}" for a in ("russia", "government", "turkey", "nfl")},
        **{f"reported_{a}": f"reported_{a}" for a in ("russia", "government", "turkey", "nfl")},
    }
    for series, outcome in pairs.items():
        totals = by_replication(daily, series).sum(axis=1)
        assert (totals == rows[outcome].to_numpy()).all(), series
    actors = ("russia", "government", "turkey", "nfl")
    strikes_by = np.sum([by_replication(daily, f"strikes_{a}") for a in actors], axis=0)
    assert (strikes_by == by_replication(daily, "strikes")).all()
    cumulative = by_replication(daily, "cumulative_deaths")
    assert (cumulative == np.cumsum(by_replication(daily, "deaths"), axis=1)).all()
    assert (cumulative[:, -1] == rows["deaths"].to_numpy()).all()
    assert (by_replication(daily, "cumulative_reported")[:, -1] == rows["reported_deaths"]).all()


def test_the_state_on_the_collapse_day_is_collapsed_and_the_strain_ends_as_the_outcome(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    daily, rows = frames
    states = by_replication(daily, "state")
    strain = by_replication(daily, "strain")
    checked = 0
    for index, row in rows.iterrows():
        if pd.isna(row["collapse_day"]):
            assert (states[index] != "collapsed").all()
            continue
        day = int(row["collapse_day"])
        restored = row["restored_day"]
        if pd.isna(restored) or restored >= day + 1:  # not restored within the same day
            assert states[index][day] == "collapsed"
            checked += 1
        assert (states[index][:day] != "collapsed").all()  # nothing collapsed before it
    assert checked > 30  # enough collapses for the check to mean something
    # no strain once collapsed, and the strain at the horizon is the outcome's
    assert (np.isnan(strain) == (states == "collapsed")).all()
    final = rows["final_strain"].to_numpy(dtype=float, na_value=np.nan)
    assert np.allclose(strain[:, -1], final, equal_nan=True)
    peak = rows["peak_strain"].to_numpy(dtype=float)
    assert (np.nan_to_num(strain, nan=0.0).max(axis=1) <= peak + 1e-9).all()


def test_the_aggregates_match_a_direct_computation(
    idlib: Results, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    daily, rows = frames
    summary = idlib.daily_summary(0.9)
    assert summary.replications == RUNS
    table = summary.series_frame()
    deaths = table[table["series"] == "cumulative_deaths"].set_index("day")
    matrix = by_replication(daily, "cumulative_deaths").astype(float)
    assert np.allclose(deaths["mean"], matrix.mean(axis=0))
    assert (deaths["n"] == RUNS).all()
    for p, column in ((0.05, "q05"), (0.5, "q50"), (0.95, "q95")):
        expected = np.quantile(matrix, p, axis=0, method="inverted_cdf")
        assert np.allclose(deaths[column], expected)
    # the Student t interval of day 30, at 90%
    from scipy import stats

    day30 = matrix[:, 30]
    half = stats.t.ppf(0.95, RUNS - 1) * day30.std(ddof=1) / math.sqrt(RUNS)
    assert math.isclose(deaths.loc[30, "high"] - deaths.loc[30, "mean"], half, rel_tol=1e-9)
    # the strain's mean is over the replications whose truce stands that day
    strain = table[table["series"] == "strain"].set_index("day")
    values = by_replication(daily, "strain")
    assert np.allclose(strain["n"], (~np.isnan(values)).sum(axis=0))
    assert np.allclose(strain["mean"], np.nanmean(values, axis=0))
    # the state probabilities are shares of replications and sum to one each day
    states = summary.states_frame()
    totals = states.groupby("day")["probability"].sum()
    assert np.allclose(totals, 1.0)
    shares = by_replication(daily, "state")
    collapsed = states[states["state"] == "collapsed"].set_index("day")["probability"]
    assert np.allclose(collapsed, (shares == "collapsed").mean(axis=0))
    # every truce runs to the horizon (censoring only there), so 1 - Kaplan-Meier on
    # a day is the plain share of collapses before the day's end
    incidence = summary.incidence_frame().set_index("day")
    first = rows["collapse_day"].to_numpy(dtype=float, na_value=np.inf)
    direct = [(first < d + 1).mean() for d in range(DAYS)]
    assert np.allclose(incidence["incidence"], direct)
    assert (incidence["low"] <= incidence["incidence"]).all()
    assert (incidence["incidence"] <= incidence["high"]).all()
    # a collapse that talks undid still counts: incidence is never below P(collapsed)
    assert (incidence["incidence"].to_numpy() >= collapsed.to_numpy() - 1e-12).all()
    assert str(incidence.loc[0, "date"]) == "2020-10-26"


def test_the_daily_files_open_by_path_in_pandas_polars_and_duckdb(idlib: Results) -> None:
    import duckdb
    import polars as pl

    assert idlib.directory is not None
    folder = idlib.directory / "_daily"
    # the directory itself still opens as the replications' rows alone
    assert pd.read_parquet(idlib.directory).shape[0] == RUNS
    frame = pd.read_parquet(folder)
    assert frame.shape[0] == RUNS * DAYS
    assert list(frame.columns[:4]) == ["replication", "day", "strikes", "strikes_russia"]
    assert set(frame["state"].astype(str)) <= set(STATES)
    assert pl.read_parquet(folder / "*.parquet").height == RUNS * DAYS
    counted = duckdb.sql(f"select count(*) from read_parquet('{folder}/*.parquet')")
    assert counted is not None and counted.fetchall() == [(RUNS * DAYS,)]


def test_a_run_in_memory_holds_the_same_series_as_a_directory(
    idlib: Results, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    memory = sim.run(IDLIB, runs=RUNS, seed=SEED, jobs=2, chunk=37)
    pd.testing.assert_frame_equal(memory.daily(), frames[0])


def test_daily_files_do_not_depend_on_workers_and_resume_where_they_stopped(
    tmp_path: Path,
) -> None:
    one, two, resumed = tmp_path / "one", tmp_path / "two", tmp_path / "resumed"
    sim.run(TWO_ACTOR, runs=200, seed=3, jobs=1, chunk=50, output=one)
    sim.run(TWO_ACTOR, runs=200, seed=3, jobs=2, chunk=50, output=two)
    names = sorted(p.name for p in (one / "_daily").iterdir())
    assert names == sorted(p.name for p in (two / "_daily").iterdir())
    for name in names:  # the same bytes, whatever the workers
        assert (one / "_daily" / name).read_bytes() == (two / "_daily" / name).read_bytes()
    sim.run(TWO_ACTOR, runs=120, seed=3, jobs=2, chunk=50, output=resumed)  # stopped early
    sim.run(TWO_ACTOR, runs=200, seed=3, jobs=2, chunk=50, output=resumed)  # and resumed
    whole = Results.open(one).daily()
    pd.testing.assert_frame_equal(Results.open(resumed).daily(), whole)


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_chunk_whose_daily_file_is_damaged_is_recomputed(tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out"
    sim.run(TWO_ACTOR, runs=100, seed=3, jobs=1, chunk=50, output=out)
    target = out / "_daily" / "000000050-000000099.parquet"
    before = target.read_bytes()
    if damage == "missing":
        target.unlink()
    else:
        target.write_bytes(before[: len(before) // 2])
    summary = invoke("summary", out, "--format", "json")
    assert summary.exit_code == 0
    assert "left out until the run is resumed" in summary.output
    assert '"replications": 50' in summary.output
    resumed = invoke(
        "run", TWO_ACTOR, "--runs", 100, "--seed", 3, "--jobs", 1, "--chunk", 50, "--output", out
    )
    assert resumed.exit_code == 0, resumed.output
    assert "recomputing replications 50..99" in resumed.output
    assert target.read_bytes() == before


def test_daily_off_keeps_none_and_says_so_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    made = invoke("run", TWO_ACTOR, "--runs", 50, "--jobs", 1, "--output", out, "--daily", "off")
    assert made.exit_code == 0, made.output
    assert not (out / "_daily").exists()
    asked = invoke("summary", out, "--daily")
    assert asked.exit_code == 2
    assert asked.output.strip().splitlines() == [
        f"error: DIR: {out}: holds no daily series (it was run with --daily off, or before "
        "they were kept); run it again into a new directory to have them"
    ]
    resumed = invoke("run", TWO_ACTOR, "--runs", 80, "--jobs", 1, "--output", out, "--daily", "on")
    assert resumed.exit_code == 2
    assert "was run with --daily off" in resumed.output
    # without --daily, a resumed directory goes on as it was made
    assert invoke("run", TWO_ACTOR, "--runs", 80, "--jobs", 1, "--output", out).exit_code == 0
    assert not (out / "_daily").exists()


def test_summary_daily_prints_states_and_bands_on_chosen_days(idlib: Results) -> None:
    shown = invoke(
        "summary", idlib.directory, "--daily", "--days", "0,30", "--series", "cumulative_deaths"
    )
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"Idlib, October 2020: daily series of {RUNS} replications (95% intervals)"
    day30 = [line for line in lines if line.strip().startswith("30  2020-11-25")]
    assert len(day30) == 2  # the truce's states, then cumulative deaths
    summary = idlib.daily_summary()
    mean = summary.bands["cumulative_deaths"].mean[30]
    assert f"{mean:.2f} [" in day30[1]
    as_json = json.loads(invoke("summary", idlib.directory, "--daily", "--format", "json").output)
    assert as_json["dates"][0] == "2020-10-26" and len(as_json["days"]) == DAYS
    assert as_json["series"]["cumulative_deaths"]["mean"][30] == pytest.approx(mean, abs=1e-6)
    assert set(as_json["states"]) == set(STATES)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--daily", "--days", "60"],
            "--days: 60: expected days from 0 to 59, separated by commas",
        ),
        (
            ["--daily", "--series", "deaths_nobody"],
            "no daily series is named deaths_nobody; did you mean deaths_nfl?",
        ),
        (["--days", "3"], "--series/--days: 3: they go with --daily"),
    ],
)
def test_bad_daily_options_get_one_line(idlib: Results, arguments: list[str], message: str) -> None:
    result = invoke("summary", idlib.directory, *arguments)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert message in result.output


def test_a_sweeps_tidy_table_carries_series_on_days(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = invoke(
        "sweep",
        IDLIB,
        "--vary",
        "actors.nfl.retaliation.probability=0.2,0.8",
        "--runs",
        60,
        "--jobs",
        1,
        "--output",
        out,
        "--metric",
        "cumulative_deaths@30",
        "--metric",
        "collapsed",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    on_day = [r for r in rows if r["metric"] == "cumulative_deaths@30"]
    assert len(on_day) == 2
    for row in on_day:
        point = Results.open(out / "points" / f"{row['point']:04d}")
        values = point.daily(["cumulative_deaths"]).query("day == 30")["cumulative_deaths"]
        assert row["estimate"] == pytest.approx(values.mean())
        assert row["replications"] == 60
    assert on_day[0]["estimate"] < on_day[1]["estimate"]  # the rebels answer more at 0.8
    # the sweep's rows still open as one table, the daily files left out
    assert pd.read_parquet(out / "points").shape[0] == 120
    days = invoke("summary", out, "--daily", "--days", "7,30", "--format", "json")
    assert days.exit_code == 0, days.output
    metrics = {(r["point"], r["metric"]) for r in json.loads(days.output)}
    assert metrics == {(p, f"cumulative_deaths@{d}") for p in (0, 1) for d in (7, 30)}
    assert len(api.sweep_days(out, series=["strikes"], days=[0]).copy()) == 2


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("state@3", "expected a numeric daily series, got state"),
        ("deaths@60", "expected SERIES@DAY with a day from 0 to 59"),
        ("deaths@x", "expected SERIES@DAY with a day from 0 to 59"),
        ("deaths@03", "expected SERIES@DAY with a day from 0 to 59"),  # one name for one metric
        ("deaths_nobody@3", "no daily series is named deaths_nobody"),
    ],
)
def test_a_bad_series_metric_is_refused_before_any_work(
    tmp_path: Path, metric: str, message: str
) -> None:
    out = tmp_path / "sweep"
    result = invoke(
        "sweep",
        IDLIB,
        "--vary",
        "actors.nfl.retaliation.probability=0.2,0.8",
        "--runs",
        10,
        "--jobs",
        1,
        "--output",
        out,
        "--metric",
        metric,
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_a_series_metric_with_daily_off_is_refused(tmp_path: Path) -> None:
    result = invoke(
        "sweep",
        IDLIB,
        "--vary",
        "actors.nfl.retaliation.probability=0.2,0.8",
        "--runs",
        10,
        "--jobs",
        1,
        "--output",
        tmp_path / "s",
        "--metric",
        "deaths@3",
        "--daily",
        "off",
    )
    assert result.exit_code == 2
    assert "--metric: deaths@3: a daily series needs --daily on" in result.output


def test_a_scenario_without_a_truce_has_no_state_or_strain(tmp_path: Path) -> None:
    results = sim.run(TWO_ACTOR, runs=20, seed=1, jobs=1)
    frame = results.daily()
    assert "state" not in frame.columns and "strain" not in frame.columns
    summary = results.daily_summary()
    assert summary.states == {} and summary.incidence is None
    with pytest.raises(sim.InputError, match="the scenario has no truce, so state has no values"):
        results.daily(["state"])


def test_orphan_daily_files_are_removed_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sim.run(TWO_ACTOR, runs=100, seed=3, jobs=1, chunk=50, output=out)
    # a run killed between writing a chunk's daily file and the chunk itself
    (out / "chunks" / "000000050-000000099.parquet").unlink()
    shutil.copy(
        out / "_daily" / "000000050-000000099.parquet",
        out / "_daily" / "000000100-000000149.parquet",
    )
    sim.run(TWO_ACTOR, runs=100, seed=3, jobs=1, chunk=50, output=out)
    assert sorted(p.name for p in (out / "_daily").iterdir()) == [
        "000000000-000000049.parquet",
        "000000050-000000099.parquet",
    ]
    assert pd.read_parquet(out / "_daily").shape[0] == 100 * 365  # the cycle's horizon


def test_a_fan_chart_draws_the_median_and_bands_of_the_summary(idlib: Results) -> None:
    (axes,) = sim.plot(idlib, series="cumulative_deaths").axes
    assert axes.get_ylabel() == "deaths so far (people)"
    assert "median, 50% and 90% of replications" in axes.get_title()
    assert axes.get_xlabel() == "day (day 0 is 26 October 2020)"
    (median,) = axes.get_lines()
    band = idlib.daily_summary(names=["cumulative_deaths"]).bands["cumulative_deaths"]
    x, y = np.asarray(median.get_xdata()), np.asarray(median.get_ydata())
    assert x.tolist() == [d + 1.0 for d in range(DAYS)]  # levels at day ends
    assert y.tolist() == band.quantiles[0.5].tolist()
    assert len(axes.collections) == 2  # the 50% and 90% bands


def test_the_states_stack_to_one_and_the_incidence_is_drawn_over_them(idlib: Results) -> None:
    (axes,) = sim.plot(idlib, series="state").axes
    stacks = axes.collections[:3]
    tops = [np.asarray(path.vertices)[:, 1].max() for c in stacks for path in c.get_paths()]
    assert max(tops) == pytest.approx(1.0)
    legend = axes.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [
        "in force",
        "strained",
        "collapsed",
        "collapsed at least once (1 - Kaplan-Meier)",
    ]


def test_cumulative_incidence_of_two_runs_names_them_by_what_differs(tmp_path: Path) -> None:
    other = sim.run(
        IDLIB, runs=100, seed=SEED, jobs=1, overrides={"actors.nfl.retaliation.probability": 0.8}
    )
    first = sim.run(IDLIB, runs=100, seed=SEED, jobs=1)
    (axes,) = sim.plot(first, other, metric="incidence").axes
    assert axes.get_ylabel() == "P(collapsed by then)"
    legend = axes.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [
        "actors.nfl.retaliation.probability = 0.1",
        "actors.nfl.retaliation.probability = 0.8",
    ]


def test_plot_options_that_cannot_be_drawn_get_one_line(idlib: Results, tmp_path: Path) -> None:
    both = invoke(
        "plot",
        idlib.directory,
        "--metric",
        "deaths",
        "--series",
        "deaths",
        "-o",
        tmp_path / "a.png",
    )
    assert both.exit_code == 2 and "--metric/--series: expected one of them" in both.output
    two = invoke(
        "plot", idlib.directory, idlib.directory, "--series", "state", "-o", tmp_path / "a.png"
    )
    assert two.exit_code == 2 and "the truce's state is drawn for one run" in two.output
    drawn = invoke("plot", idlib.directory, "--series", "strain", "-o", tmp_path / "strain.png")
    assert drawn.exit_code == 0 and (tmp_path / "strain.png").stat().st_size > 10_000


def test_a_trace_picture_shows_why_the_run_ended_as_it_did(tmp_path: Path) -> None:
    found = sim.trace(IDLIB, seed=2020, replication=0)
    top, bottom = found.figure().axes
    assert top.get_title().splitlines() == [
        "Idlib, October 2020: replication 0 of seed 2020",
        "the truce collapsed on day 19.9 (guarantor direct action), restored on day 32.7; "
        "strained at the horizon",
    ]
    lanes = [t.get_text() for t in top.get_yticklabels()]
    assert lanes[:2] == ["Russia", "Syrian government forces"]
    assert lanes[-3:] == ["guarantor calls", "mediator", "talks"]
    legend = top.get_legend()
    assert legend is not None
    shown = [t.get_text() for t in legend.get_texts()]
    assert {"retaliation strike", "direct action", "talks, restored the truce"} <= set(shown)
    # every strike is a mark: the scatter offsets hold as many as the trace has strikes
    marks = sum(np.asarray(c.get_offsets()).shape[0] for c in top.collections[:3])
    assert marks == sum(1 for r in found.run.records if type(r).__name__ == "Strike")
    levels = sorted(float(np.asarray(line.get_ydata())[0]) for line in bottom.get_lines()[1:])
    assert levels == [0.8, 1.0, 2.5]  # relaxed, strained and collapse thresholds of the scenario
    assert bottom.get_xlabel() == "day (day 0 is 26 October 2020)"
    result = invoke(
        "trace", IDLIB, "--seed", 2020, "--plot", tmp_path / "trace.png", "--format", "json"
    )
    assert result.exit_code == 0 and (tmp_path / "trace.png").stat().st_size > 20_000
    assert json.loads(result.stdout) == json.loads(json.dumps(sim.trace(IDLIB, seed=2020).rows))


def test_a_trace_picture_of_a_bilateral_truce_has_only_the_lanes_it_uses() -> None:
    """No guarantors and no negotiation: no lane of guarantor calls. Long names wrap
    rather than being cut, and a strike's mark grows with its deaths up to a cap the
    legend states, so a run of very deadly strikes cannot cover the panel."""
    found = sim.trace(
        ROOT / "scenarios" / "nagorno-karabakh-2020-10.toml", seed=2020, replication=7
    )
    top, _ = found.figure().axes
    lanes = [t.get_text() for t in top.get_yticklabels()]
    assert lanes == [
        "Azerbaijan",
        "Armenia and the Nagorno-\nKarabakh Defence Army",
        "mediator",
        "talks",
    ]
    legend = top.get_legend()
    assert legend is not None and legend.get_title().get_text() == "mark area: deaths (to 100)"
    key = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    sizes_shown = {t: list(m.get_sizes()) for t, m in key.items() if isinstance(m, PathCollection)}
    assert sizes_shown["0 dead"] == [12] and sizes_shown["100 dead"] == [412]
    assert sizes_shown["retaliation strike"] == sizes_shown["opening strike"] == [30]
    marks = [c for c in top.collections[:3] if isinstance(c, PathCollection)]
    sizes = np.concatenate([np.asarray(c.get_sizes()) for c in marks])
    deadliest = max(r.deaths for r in found.run.records if isinstance(r, Strike))
    assert deadliest > 100 and sizes.max() == 12 + 4 * 100


def test_an_actor_named_like_a_lane_keeps_its_own_lane() -> None:
    raw = json.loads(json.dumps(scripted()).replace('"east"', '"talks"'))
    raw["talks"] = {"probability": 0.5, "strain": 0.3}  # convened talks: a lane of them too
    found = api.trace(make(raw), seed=1)
    top, _ = found.figure().axes
    rows = [float(y) for y in top.get_yticks()]
    labels = [t.get_text() for t in top.get_yticklabels()]
    assert len(set(rows)) == len(rows) == 6
    assert labels == ["west", "talks", "gw", "ge", "guarantor calls", "talks"]


def test_compare_says_from_which_day_cumulative_deaths_differ(
    idlib: Results, tmp_path: Path
) -> None:
    from scipy import stats

    other = sim.run(
        IDLIB,
        runs=RUNS,
        seed=SEED,
        jobs=1,
        chunk=100,
        output=tmp_path / "b",
        overrides={"actors.nfl.retaliation.probability": 0.8},
    )
    found = sim.compare(idlib, other)
    divergence = found.divergence
    assert divergence is not None and divergence.paired
    a = by_replication(idlib.daily(["cumulative_deaths"]), "cumulative_deaths").astype(float)
    b = by_replication(other.daily(["cumulative_deaths"]), "cumulative_deaths").astype(float)
    p_values = [
        1.0 if not np.any(b[:, d] - a[:, d]) else stats.ttest_rel(b[:, d], a[:, d]).pvalue
        for d in range(DAYS)
    ]
    adjusted = stats.false_discovery_control(p_values, method="bh")
    differs = adjusted < 0.05
    first = int(np.argmax(differs))  # the first day that differs
    assert differs.any() and divergence.first_day == first
    assert divergence.differing == differs.sum()
    assert divergence.to_the_end == differs[first:].all()
    last = divergence.days[-1]
    assert last["difference"] == pytest.approx((b[:, -1] - a[:, -1]).mean())
    assert last["p_adjusted"] == pytest.approx(adjusted[-1])
    shown = invoke("compare", idlib.directory, tmp_path / "b")
    assert shown.exit_code == 0, shown.output
    said = (
        f"B and A differ from day {first} on, every day to the last"
        if divergence.to_the_end
        else f"B and A first differ on day {first}; {differs.sum()} of the {DAYS} days differ"
    )
    assert said in shown.output
    data = json.loads(invoke("compare", idlib.directory, tmp_path / "b", "--format", "json").output)
    assert data["divergence"]["first_day"] == first and len(data["divergence"]["days"]) == DAYS


def test_the_first_day_that_differs_is_the_first_not_the_start_of_the_last_run() -> None:
    from sim.statistics.comparisons import diverge

    rng = np.random.default_rng(4)
    a = rng.normal(0.0, 1.0, size=(400, 6))
    shift = np.array([0.0, 2.0, 2.0, 0.0, 2.0, 2.0])  # days 1, 2, 4 and 5 differ
    b = a + shift + np.where(shift > 0, rng.normal(0.0, 0.5, size=a.shape), 0.0)
    found = diverge("x", "x", a, b, paired=True)
    assert found.first_day == 1 and found.differing == 4 and not found.to_the_end
    assert [row["differs"] for row in found.days] == [False, True, True, False, True, True]
    strain = a.copy()
    strain[:10, 3] = np.nan  # a day where some truces have collapsed
    assert diverge("x", "x", strain, strain + b - a, paired=True).conditional


def test_compare_of_the_same_run_finds_no_day_that_differs(idlib: Results) -> None:
    # every paired difference is zero: no day can differ, whatever the seed
    divergence = sim.compare(idlib, idlib).divergence
    assert divergence is not None
    assert divergence.first_day is None and divergence.differing == 0
    assert all(row["difference"] == 0 for row in divergence.days)


def test_a_sweep_keeps_its_daily_setting_for_every_point(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = [
        "sweep",
        IDLIB,
        "--vary",
        "actors.nfl.retaliation.probability=0.2,0.5,0.8",
        "--runs",
        10,
        "--jobs",
        1,
        "--output",
        out,
        "--metric",
        "collapsed",
    ]
    assert invoke(*args, "--daily", "off").exit_code == 0
    shutil.rmtree(out / "points" / "0002")  # as if stopped before the last point
    assert invoke(*args).exit_code == 0  # resumed without --daily: as it was made
    kept = [
        json.loads((p / "_manifest.json").read_text())["daily"]
        for p in sorted((out / "points").iterdir())
    ]
    assert kept == [False, False, False]
    refused = invoke(*args, "--daily", "on")
    assert refused.exit_code == 2 and "was run with --daily off" in refused.output
    series = invoke(*args[:-1], "deaths@3")
    assert (
        series.exit_code == 2
        and "--metric: deaths@3: a daily series needs --daily on" in series.output
    )
    assert json.loads((out / "_sweep.json").read_text())["metrics"] == ["collapsed"]


def test_a_sweeps_summary_file_is_strict_json(tmp_path: Path) -> None:
    from sim.outputs.sweep_dir import SweepDir

    sweep = SweepDir(tmp_path, {})
    sweep.write_summary([{"point": 0, "metric": "strain@59", "estimate": float("nan")}])

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    rows = json.loads((tmp_path / "summary.json").read_text(), parse_constant=refuse)
    assert rows == [{"point": 0, "metric": "strain@59", "estimate": None}]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["run", IDLIB, "--runs", 5, "--daily", "on"],
            "--daily: on: daily series are kept in a results directory",
        ),
        (
            ["trace", IDLIB, "--plot", "trace.txt"],
            "--plot: trace.txt: expected a file name ending in .png",
        ),
    ],
)
def test_daily_options_that_cannot_be_honoured_get_one_line(
    arguments: list[Any], message: str
) -> None:
    result = invoke(*arguments)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {message}")


def test_a_sweep_of_many_points_over_two_parameters_draws_a_day_not_fans(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    sim.sweep(
        IDLIB,
        vary=["actors.nfl.retaliation.probability=0.1,0.5", "negotiation.delay.mean=0.5,1,2"],
        runs=20,
        jobs=1,
        output=out,
        metrics=["collapsed"],
    )
    refused = invoke("plot", out, "--series", "cumulative_deaths", "-o", tmp_path / "f.png")
    assert refused.exit_code == 2 and "plot --metric cumulative_deaths@DAY" in refused.output
    _, bar = sim.plot(out, metric="cumulative_deaths@30").axes
    assert bar.get_ylabel() == "deaths so far, mean on day 30 (25 Nov 2020) (people)"
    logged = invoke("plot", out, "--series", "deaths", "--log", "-o", tmp_path / "g.png")
    assert logged.exit_code == 2 and "a log axis is for an outcome's histogram" in logged.output


def test_a_chunks_states_and_strains_are_each_replications_own_at_each_days_end() -> None:
    """The chunk's states and strains, found in one sort over all its replications,
    against each replication alone (numpy's ``searchsorted`` over its own changes):
    changes at the very end of a day belong to the next day, several changes in one
    instant leave the last, and a replication without changes borrows none from the
    one before it. Exact: the same arithmetic on the same numbers."""
    from sim.model.daily import DailyTally
    from sim.model.records import Run, StateChange, TruceState
    from sim.model.truce import strain_at
    from sim.scenario import load_scenario

    scenario = load_scenario(IDLIB)
    assert scenario.truce is not None
    walk = np.random.default_rng(11)
    tally, expected = DailyTally(scenario), []
    for replication in range(40):
        count = int(walk.integers(0, 6)) if replication % 5 else 0
        days = np.sort(np.concatenate([
            walk.uniform(0, DAYS, count), walk.integers(0, DAYS + 1, count).astype(float),
        ]))  # fmt: skip
        days = np.repeat(days, walk.integers(1, 3, len(days)))  # ties within an instant
        options = (TruceState.STRAINED, TruceState.COLLAPSED, TruceState.IN_FORCE)
        states = [options[i] for i in walk.integers(0, 3, len(days))]
        levels = walk.uniform(0, 100, len(days)).tolist()
        records = [StateChange(float(d), s, "test") for d, s in zip(days, states, strict=True)]
        changes = (days.tolist(), levels)
        tally.add(Run(replication, records, 0, None, None, changes))  # type: ignore[arg-type]
        ends = np.minimum(np.arange(1, DAYS + 1, dtype=np.float64), scenario.horizon)
        codes = np.array([0, *(STATES.index(s.value) for s in states)], np.int8)
        state = codes[np.searchsorted(days, ends, side="left")]
        strain = strain_at(scenario.truce, list(zip(*changes, strict=True)), ends)
        expected.append((state, np.where(state == STATES.index("collapsed"), np.nan, strain)))
    tally.close()
    for row, (state, strain) in enumerate(expected):
        assert tally.state[row].tolist() == state.tolist()
        assert np.array_equal(tally.strain[row], strain, equal_nan=True)


def test_a_chunk_whose_replications_all_failed_has_empty_series() -> None:
    """Every replication of a chunk failed (its budget, say): the chunk's series are
    empty, and a replication whose records cannot be read leaves nothing behind."""
    from sim.model.daily import DailyColumns
    from sim.model.records import Run, StrikeKind
    from sim.scenario import load_scenario

    daily = DailyColumns(load_scenario(IDLIB))
    fine = Strike(1, 0.5, "government", "nfl", StrikeKind.ROUTINE, "artillery", "posts", 1.0, 2, 0,
                  None, None, False, 2, 0)  # fmt: skip
    broken = Run(0, [fine, fine._replace(id=2, attacker="nobody")], 0, None)
    with pytest.raises(KeyError):
        daily.add(broken)
    columns = daily.columns()
    assert {len(values) for values in columns.values()} == {0}
    assert "strain" in columns and "state" in columns
