"""The library does everything the command line does, one call each, returning data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import sim
from sim.errors import InputError
from sim.model import replicate
from tests.conftest import IDLIB, TWO_ACTOR, fail_at, invoke


def test_overrides_are_strings_or_a_mapping() -> None:
    by_text = sim.load_scenario(IDLIB, ["actors.nfl.retaliation.probability=0.4"])
    by_mapping = sim.load_scenario(IDLIB, {"actors.nfl.retaliation.probability": 0.4})
    assert by_text == by_mapping
    assert by_text.actor("nfl").retaliation.probability == 0.4  # type: ignore[union-attr]
    with pytest.raises(InputError, match=r"expected a probability between 0 and 1, got 1\.4"):
        sim.load_scenario(IDLIB, {"actors.nfl.retaliation.probability": 1.4})


def test_a_parallel_run_is_one_call_to_a_dataframe_with_the_serial_numbers() -> None:
    parallel = sim.run(IDLIB, runs=40, seed=3, jobs=2, chunk=7)
    frame = parallel.to_pandas()
    assert frame.shape == (40, len(parallel.fields))
    assert list(frame.columns) == parallel.fields
    assert str(frame["collapsed"].dtype) == "boolean"
    assert str(frame["strikes"].dtype) == "Int64"
    assert str(frame["collapse_day"].dtype) == "float64"
    serial = list(replicate(sim.load_scenario(IDLIB), 3, 40))
    assert parallel.replications == serial
    assert frame["strikes"].tolist() == [o["strikes"] for o in serial]


def test_the_summary_is_the_commands_json(tmp_path: Path) -> None:
    results = sim.run(TWO_ACTOR, runs=30, seed=2, jobs=1, output=tmp_path / "out")
    printed = invoke("summary", tmp_path / "out", "--format", "json")
    assert json.loads(printed.output) == results.summary()
    reopened = sim.open_results(tmp_path / "out")
    assert isinstance(reopened, sim.Results)
    assert reopened.replications == results.replications and len(reopened) == 30


def test_a_scenario_object_takes_overrides_too() -> None:
    scenario = sim.load_scenario(TWO_ACTOR)
    never = sim.run(scenario, runs=20, jobs=1, overrides={"actors.b.retaliation.probability": 0})
    assert set(never.columns(["strikes"])["strikes"]) == {1}


def test_an_interrupted_run_raises_with_the_finished_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fail_at(monkeypatch, {7: KeyboardInterrupt()})
    with pytest.raises(sim.Interrupted) as stopped:
        sim.run(TWO_ACTOR, runs=50, jobs=1, chunk=5)
    assert (stopped.value.done, stopped.value.target) == (5, 50)
    assert isinstance(stopped.value.results, sim.Results)
    assert stopped.value.results.columns([])["replication"] == [0, 1, 2, 3, 4]


def test_a_sweep_returns_its_tidy_table_and_opens_again(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    swept = sim.sweep(
        TWO_ACTOR,
        vary={"actors.b.retaliation.probability": [0.2, 0.6]},
        runs=25,
        output=out,
        metrics=["strikes"],
        jobs=1,
    )
    rows = swept.summary()
    assert [r["actors.b.retaliation.probability"] for r in rows] == [0.2, 0.6]
    assert rows == json.loads((out / "summary.json").read_text())
    reopened = sim.open_results(out)
    assert isinstance(reopened, sim.SweepResults) and len(reopened) == 50
    frame = reopened.to_pandas()
    assert frame.shape[0] == 50
    assert frame.groupby("actors.b.retaliation.probability")["strikes"].size().tolist() == [25, 25]
    assert reopened.point(1) is not None and reopened.point(1).seed == 1  # type: ignore[union-attr]


def test_compare_trace_and_plot_return_data(tmp_path: Path) -> None:
    a = sim.run(TWO_ACTOR, runs=200, seed=4, jobs=1)
    b = sim.run(
        TWO_ACTOR, runs=200, seed=4, jobs=1, overrides=["actors.b.retaliation.probability=0.1"]
    )
    comparison = sim.compare(a, b)
    strikes = comparison.to_pandas().set_index("metric").loc["strikes"]
    assert comparison.paired and strikes["difference"] < 0 and strikes["differs"]
    one = sim.trace(TWO_ACTOR, seed=4, replication=3)
    printed = invoke("trace", TWO_ACTOR, "--seed", 4, "--replication", 3, "--format", "json")
    assert one.rows == json.loads(printed.output)
    assert one.to_pandas().shape == (len(one.rows), 10)
    figure = sim.plot(a, b, metric="strikes")
    (axes,) = figure.axes
    assert axes.get_xlabel() == "strikes"
    deaths = sim.plot(a, metric="first_retaliation_deaths").axes[0].get_xlabel()
    assert deaths == "deaths in the first retaliation (people)"
    legend = axes.get_legend()
    assert legend is not None and len(legend.get_texts()) == 2
    figure.savefig(tmp_path / "strikes.png")
    assert (tmp_path / "strikes.png").stat().st_size > 5000


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sim.run(TWO_ACTOR, runs=0), "--runs: 0: expected a whole number >= 1"),
        (lambda: sim.run(TWO_ACTOR, jobs=0), "--jobs: 0: expected a whole number >= 1"),
        (lambda: sim.run(TWO_ACTOR, confidence=1.5), "--confidence: 1.5: expected a number"),
        (
            lambda: sim.sweep(
                TWO_ACTOR, vary="actors.a.retaliation.probability=0.1:0.5", design="LHS", output="x"
            ),
            "--design: LHS: expected one of grid, lhs, sobol",
        ),
        (
            lambda: sim.sensitivity(TWO_ACTOR, vary=[], metric="strikes", method="fast"),
            "--method: fast: expected one of morris, sobol",
        ),
        (lambda: sim.run(TWO_ACTOR, until_ci="replication=1"), "it numbers the replications"),
    ],
)
def test_the_library_checks_what_click_checks_for_the_cli(call: object, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        call()  # type: ignore[operator]


def test_one_override_or_factor_may_be_a_plain_string() -> None:
    found = sim.run(TWO_ACTOR, runs=5, jobs=1, overrides="actors.b.retaliation.probability=0")
    assert set(found.columns(["strikes"])["strikes"]) == {1}


def test_a_sweep_refuses_survival_and_unknown_metrics_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "s"
    sim.sweep(
        TWO_ACTOR, vary="actors.b.retaliation.probability=0.2,0.4", runs=5, output=out, jobs=1
    )
    for metric, message in [
        ("survival", "survival curves are drawn for runs"),
        ("colapsed", "no outcome is named colapsed; did you mean collapsed?"),
    ]:
        result = invoke("plot", out, "--metric", metric, "-o", tmp_path / "x.png")
        assert result.exit_code == 2 and message in result.output, result.output
    nowhere = invoke("plot", out, "--metric", "strikes", "-o", tmp_path / "no" / "x.png")
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.output
