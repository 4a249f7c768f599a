"""Executors, results directories, resume, failures and adaptive runs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.compiled import in_use
from sim.model.catalogue import outcome_fields
from sim.outputs.results_dir import ResultsDir
from sim.scenario import load_scenario
from tests.conftest import IDLIB, TWO_ACTOR, fail_at, invoke

SCENARIO = load_scenario(IDLIB)
FIELDS = outcome_fields(SCENARIO)


def outcomes(
    jobs: int | None = None, cluster: str | None = None, runs: int = 48, chunk: int | None = None
) -> dict[str, list[Any]]:
    found = sim.run(SCENARIO, runs=runs, seed=5, jobs=jobs, cluster=cluster, chunk=chunk)
    return found.columns(FIELDS)


@pytest.fixture(scope="module")
def serial() -> dict[str, list[Any]]:
    return outcomes(jobs=1)


def test_local_processes_give_the_serial_numbers_for_any_chunk_size(
    serial: dict[str, list[Any]],
) -> None:
    assert outcomes(jobs=2, chunk=7) == serial
    assert outcomes(jobs=2, chunk=48) == serial
    assert outcomes(jobs=1, chunk=1) == serial


def test_a_dask_cluster_gives_the_serial_numbers(serial: dict[str, list[Any]]) -> None:
    assert outcomes(cluster="local:2", chunk=13) == serial


def test_an_existing_dask_scheduler_is_reached_by_address(serial: dict[str, list[Any]]) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        assert outcomes(cluster=address, chunk=16) == serial
        result = invoke(
            "run", IDLIB, "--runs", 48, "--seed", 5, "--cluster", address, "--format", "json"
        )
        assert result.exit_code == 0, result.output
    local = invoke("run", IDLIB, "--runs", 48, "--seed", 5, "--jobs", 1, "--format", "json")
    assert json.loads(result.output) == json.loads(local.output)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("local:0", "error: --cluster: local:0: expected local:N with N workers, N >= 1"),
        (
            "udp://x",
            "error: --cluster: udp://x: expected tcp://HOST:PORT of a Dask scheduler, or local:N",
        ),
        ("tcp://127.0.0.1:9", "error: --cluster: tcp://127.0.0.1:9: no Dask scheduler answered"),
    ],
)
def test_bad_clusters_get_one_line(spec: str, message: str) -> None:
    result = invoke("run", TWO_ACTOR, "--runs", 5, "--cluster", spec)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith(message)


def test_a_results_directory_holds_rows_manifest_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = invoke(
        "run",
        IDLIB,
        "--runs",
        60,
        "--seed",
        5,
        "--jobs",
        2,
        "--chunk",
        16,
        "--output",
        out,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    chunks = sorted(p.name for p in (out / "chunks").iterdir())
    assert chunks == [
        "000000000-000000015.parquet",
        "000000016-000000031.parquet",
        "000000032-000000047.parquet",
        "000000048-000000059.parquet",
    ]
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["replications"] == 60
    assert manifest["scenario"]["actors"]["nfl"]["retaliation"]["proportionality"] == 0.3
    assert (
        manifest["scenario"]["actors"]["nfl"]["retaliation"]["half_severity"] == 10
    )  # a default, resolved
    assert set(manifest["dependencies"]) >= {"simpy", "numpy", "scipy", "pyarrow"}
    assert manifest["truce_version"] and manifest["python"]
    assert manifest["compiled"] is in_use()  # whether the model ran compiled
    (run,) = manifest["invocations"]
    assert run["outcome"] == "finished" and run["replications_written"] == 60
    assert run["executor"] == {"kind": "local", "workers": 2, "address": None}
    assert run["seconds"] > 0 and run["started"] <= run["finished"]
    # two workers: compute time summed over them exceeds neither 2x the wall-clock
    assert 0 < run["compute_seconds"] <= 2 * run["seconds"] + 0.5
    stored = ResultsDir.open(out).columns(FIELDS)
    assert stored == outcomes(jobs=1, runs=60)
    summary = invoke("summary", out, "--format", "json")
    assert summary.exit_code == 0
    assert json.loads(summary.output) == json.loads(result.output)
    assert not list(out.rglob(".*.tmp"))


def test_running_again_resumes_and_keeps_finished_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results"
    fail_at(monkeypatch, {17: KeyboardInterrupt()})
    first = invoke(
        "run", IDLIB, "--runs", 40, "--seed", 5, "--jobs", 1, "--chunk", 5, "--output", out
    )
    assert first.exit_code == 130
    assert "interrupted after 15 of 40 replications" in first.output
    assert "run the same command again to resume" in first.output
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    assert len(kept) == 3

    monkeypatch.undo()
    second = invoke(
        "run", IDLIB, "--runs", 40, "--seed", 5, "--jobs", 1, "--chunk", 5, "--output", out
    )
    assert second.exit_code == 0, second.output
    after = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    assert len(after) == 8
    assert all(after[name] == stamp for name, stamp in kept.items())  # untouched
    manifest = json.loads((out / "_manifest.json").read_text())
    assert [r["outcome"] for r in manifest["invocations"]] == ["interrupted", "finished"]
    assert [r["replications_added"] for r in manifest["invocations"]] == [15, 25]
    assert ResultsDir.open(out).columns(FIELDS) == outcomes(jobs=1, runs=40)


def test_a_directory_of_another_seed_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert invoke("run", TWO_ACTOR, "--runs", 5, "--output", out).exit_code == 0
    result = invoke("run", TWO_ACTOR, "--runs", 5, "--seed", 2, "--output", out)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: --output: {out}: holds results of another scenario or seed; choose another directory"
    )
    other = tmp_path / "notes"
    other.mkdir()
    (other / "readme.txt").write_text("mine")
    refused = invoke("run", TWO_ACTOR, "--runs", 5, "--output", other)
    assert refused.exit_code == 2 and "exists and is not a results directory" in refused.output
    assert invoke("summary", other).exit_code == 2


def test_a_replication_that_raises_is_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_at(monkeypatch, {3: ValueError("bad draw in 3"), 11: ValueError("bad draw in 11")})
    out = tmp_path / "results"
    result = invoke(
        "run",
        TWO_ACTOR,
        "--runs",
        20,
        "--seed",
        4,
        "--jobs",
        1,
        "--output",
        out,
        "--format",
        "json",
    )
    assert result.exit_code == 0
    assert "warning: replication 3 (seed 4) failed: ValueError: bad draw in 3" in result.output
    assert "2 replication(s) failed and are left out" in result.output
    failures = [json.loads(line) for line in (out / "_failures.jsonl").read_text().splitlines()]
    assert [(f["replication"], f["seed"]) for f in failures] == [(3, 4), (11, 4)]
    stored = ResultsDir.open(out).columns(["strikes"])
    assert stored["replication"] == [r for r in range(20) if r not in (3, 11)]


def test_until_ci_adds_batches_until_the_interval_is_narrow(tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = invoke(
        "run",
        TWO_ACTOR,
        "--runs",
        100,
        "--until-ci",
        "strikes=0.08",
        "--jobs",
        1,
        "--output",
        out,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.split("\nuntil-ci")[0])
    mean = summary["quantities"]["strikes"]["mean"]
    assert (mean["high"] - mean["low"]) / 2 <= 0.08
    # sd of strikes is sqrt(0.6)/0.4 = 1.94, so about (1.96 * 1.94 / 0.08)^2 = 2260 are needed
    assert 1500 <= summary["replications"] <= 4000
    assert f"after {summary['replications']} replications" in result.output
    assert "half-width" in result.output and "reached" in result.output


def test_until_ci_stops_at_the_cap(tmp_path: Path) -> None:
    result = invoke(
        "run",
        TWO_ACTOR,
        "--runs",
        50,
        "--until-ci",
        "strikes=0.0001",
        "--max-runs",
        120,
        "--jobs",
        1,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert "not reached (cap) after 120 replications" in result.output


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("strikes", "expected METRIC=WIDTH"),
        ("highest_rung=0.1", "expected a numeric or true/false outcome, got highest_rung"),
        ("strike=0.1", "no outcome is named strike; did you mean strikes?"),
        ("strikes=-1", "expected a positive half-width"),
    ],
)
def test_bad_until_ci_gets_one_line(spec: str, message: str) -> None:
    result = invoke("run", TWO_ACTOR, "--runs", 5, "--until-ci", spec)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_stray_temporary_files_are_not_results(tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert invoke("run", TWO_ACTOR, "--runs", 10, "--jobs", 1, "--output", out).exit_code == 0
    (out / "chunks" / ".000000010-000000019.parquet.tmp").write_bytes(b"half a file")
    results = ResultsDir.open(out)
    assert results.done().runs == [(0, 10)]
    assert os.path.exists(out / "_manifest.json")


def test_the_worker_count_does_not_change_the_output() -> None:
    one = invoke("run", IDLIB, "--runs", 30, "--seed", 9, "--jobs", 1, "--format", "json")
    two = invoke(
        "run", IDLIB, "--runs", 30, "--seed", 9, "--jobs", 2, "--chunk", 4, "--format", "json"
    )
    assert one.exit_code == two.exit_code == 0
    assert json.loads(one.output) == json.loads(two.output)


def test_a_results_directory_opens_in_pandas_and_pyarrow_by_its_path_alone(tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow.dataset as ds

    out = tmp_path / "results"
    results = sim.run(IDLIB, runs=30, seed=5, jobs=1, chunk=8, output=out)
    frame = pd.read_parquet(out)
    assert sorted(frame["replication"]) == list(range(30))
    assert (
        frame.sort_values("replication")["strikes"].tolist()
        == results.columns(["strikes"])["strikes"]
    )
    assert ds.dataset(out, format="parquet").count_rows() == 30
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "_chunks.jsonl",
        "_daily",
        "_lock",
        "_manifest.json",
        "chunks",
    ]  # its own start with _


def test_a_summary_reads_the_chunks_once_when_the_columns_fit_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results"
    sim.run(TWO_ACTOR, runs=200, seed=5, jobs=1, chunk=10, output=out)
    passes: list[list[str]] = []
    real = ResultsDir.columns

    def counted(self: ResultsDir, fields: Any, files: Any = None) -> Any:
        passes.append(list(fields))
        return real(self, fields, files)

    monkeypatch.setattr(ResultsDir, "columns", counted)
    sim.open_results(out).summary()
    assert len(passes) == 1  # one pass over the 20 chunk files, every column at once
    monkeypatch.setattr("sim.outputs.results_dir.CELLS", 200 * 10)  # ten columns a pass
    passes.clear()
    bounded = sim.open_results(out).summary()
    assert max(len(p) for p in passes) <= 10 and len(passes) > 1
    monkeypatch.undo()
    assert bounded == sim.open_results(out).summary()
