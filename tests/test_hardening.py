"""Hostile and broken input: every case gets one line on standard error and exit status
2 (or a clean stop), never a traceback or a hang."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IDLIB, TWO_ACTOR, invoke


def json_in(output: str) -> Any:
    """The JSON document in a command's output, whatever warnings surround it."""
    import json

    start = min(i for i in (output.find("{"), output.find("[")) if i >= 0)
    return json.JSONDecoder().raw_decode(output[start:])[0]


def one_line(result: object, message: str, code: int = 2) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == code, output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert message in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "validate",
                IDLIB,
                "--set",
                'actors.nfl.retaliation.lag={distribution="gamma",mean=1,cv=1e-200}',
            ],
            "actors.nfl.retaliation.lag.cv: expected a coefficient of variation from 0.001 to 100",
        ),
        (
            [
                "validate",
                IDLIB,
                "--set",
                'actors.nfl.routine.intensity={distribution="lognormal",mean=1,cv=1e300}',
            ],
            "actors.nfl.routine.intensity.cv: expected a coefficient of variation from 0.001 to 100",
        ),
        (
            ["sweep", IDLIB, "--vary", "actors.nfl.retaliation.probability=0:1:²", "--output", "x"],
            "expected a COUNT of at least 2",
        ),
        (["run", IDLIB, "--cluster", "local:²", "--runs", 5], "expected local:N with N workers"),
        (
            ["validate", IDLIB, "--set", "openings.².deaths=3"],
            "openings.²: expected an index from 0 to 0",
        ),
        (
            ["validate", IDLIB, "--set", "actors.nfl.claims.inflation=1e308"],
            "expected a positive number up to 1e+06",
        ),
        (
            ["validate", IDLIB, "--set", "openings.0.deaths=1000000000000000000000000000000"],
            "expected a whole number from 0 to 1000000000",
        ),
        (
            ["validate", IDLIB, "--set", "actors.nfl.retaliation.lag.mean=1e308"],
            "expected a positive number of days up to 1e+06",
        ),
        (
            [
                "validate",
                IDLIB,
                "--set",
                "actors.nfl.capabilities.artillery_and_missiles.lethality=1e308",
            ],
            "up to 1e+06",
        ),
        (
            [
                "validate",
                IDLIB,
                "--set",
                "actors.nfl.assets.camps.personnel=1000000000000000000000",
            ],
            "from 0 to 1000000000",
        ),
        (  # found by the fuzz test: numpy refuses the shape as "n too large"
            ["validate", TWO_ACTOR, "--set", "actors.b.capabilities.fire.dispersion=1e-300"],
            "expected a negative binomial shape from 0.0001 to 1e+06, got 1e-300",
        ),
        (
            ["validate", IDLIB, "--horizon", 1e9],
            "scenario.horizon: expected a positive number of days up to 36500",
        ),
        (
            ["run", TWO_ACTOR, "--until-ci", "peak_strain=0.1", "--runs", 5],
            "peak_strain=0.1: the scenario has no truce, so peak_strain has no values",
        ),
    ],
)
def test_inputs_that_crashed_get_one_line(args: list[object], message: str) -> None:
    one_line(invoke(*args), message)


def test_deeply_nested_toml_gets_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    one_line(invoke("validate", deep), f"{deep}: not valid TOML (nested too deeply)")
    override = invoke("validate", IDLIB, "--set", "truce.drift=" + "[" * 3000 + "]" * 3000)
    one_line(override, "nested too deeply")


def test_an_actor_id_that_would_collide_with_an_outcome_column_is_refused(
    tmp_path: Path,
) -> None:
    text = (
        IDLIB.read_text()
        .replace("actors.government", "actors.deaths")
        .replace('"government"', '"deaths"')
    )
    colliding = tmp_path / "colliding.toml"
    colliding.write_text(text)
    one_line(
        invoke("validate", colliding),
        "actors.deaths: the id deaths would make outcome column reported_deaths name two things",
    )


# runaway replications and sizes -------------------------------------------------------

NEVER_ENDS = [
    "--set", "actors.a.retaliation.probability=1",
    "--set", "actors.b.retaliation.probability=1",
    "--set", "actors.a.retaliation.lag=0",
    "--set", "actors.b.retaliation.lag=0",
]  # fmt: skip


def test_a_cycle_that_never_dies_out_meets_the_event_budget_and_the_run_stops(
    tmp_path: Path,
) -> None:
    import time

    start = time.perf_counter()
    result = invoke(
        "run", TWO_ACTOR, *NEVER_ENDS, "--runs", 200, "--jobs", 1, "--max-events", 20000,
        "--output", tmp_path / "out",
    )  # fmt: skip
    assert time.perf_counter() - start < 60
    one_line(result, "replications failed; stopping", code=1)
    assert "every one of the first 25 replications failed" in result.output  # the first chunk
    assert "stopped at the budget of 20000 SimPy events (--max-events)" in result.output
    assert "each strike drew 1.00 answers on average: a cycle that never dies out" in result.output
    manifest = (tmp_path / "out" / "_manifest.json").read_text()
    assert '"outcome": "failed' in manifest


@pytest.mark.parametrize(
    "command",
    [
        ["sweep", TWO_ACTOR, "--vary", "actors.a.retaliation.lag=0,0.01", "--runs", 30],
        ["compare", TWO_ACTOR, TWO_ACTOR, "--runs", 30],
        [
            "sensitivity", TWO_ACTOR, "--vary", "actors.a.retaliation.lag=0:0.01",
            "--vary", "actors.b.retaliation.lag=0:0.01", "--metric", "strikes", "--samples", 2,
            "--runs", 10,
        ],
    ],
    ids=["sweep", "compare", "sensitivity"],
)  # fmt: skip
def test_every_command_that_simulates_keeps_the_event_budget(
    tmp_path: Path, command: list[object]
) -> None:
    extra = ["--output", tmp_path / "out"] if command[0] == "sweep" else []
    sets = NEVER_ENDS
    if command[0] == "compare":  # both sides never end
        sets = [v.replace("--set", f"--set-{side}") for side in "ab" for v in NEVER_ENDS]
    result = invoke(*command, *sets, "--jobs", 1, "--max-events", 5000, *extra)
    one_line(result, "failed", code=1)
    assert "stopped at the budget of 5000 SimPy events (--max-events)" in result.output


def test_a_sensitivity_analysis_leaves_failed_replications_out_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.experiments import chunks
    from sim.model.replication import simulate as real

    def sometimes(scenario: Any, seed: int, replication: int, *rest: Any, **named: Any) -> Any:
        if replication == 3:
            raise ValueError("a broken replication")
        return real(scenario, seed, replication, *rest, **named)

    monkeypatch.setattr(chunks, "simulate", sometimes)
    result = invoke(
        "sensitivity", TWO_ACTOR, "--vary", "actors.a.retaliation.probability=0.1:0.9",
        "--vary", "actors.b.retaliation.probability=0.1:0.9", "--metric", "strikes",
        "--samples", 2, "--runs", 10, "--jobs", 1, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # 2 trajectories of 3 points, 10 replications each: replication 3 fails at every point
    assert "warning: 6 of 60 replications failed and are left out" in result.output
    assert "ValueError: a broken replication" in result.output


def test_a_runaway_routine_rate_is_named_as_the_cause() -> None:
    result = invoke(
        "run", IDLIB, "--set", "actors.nfl.routine.rate=1000000",
        "--set", "actors.nfl.routine.rate_collapsed=1000000", "--runs", 3, "--jobs", 1,
        "--max-events", 30000,
    )  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "routine violations at about" in result.output and "a day" in result.output


def test_a_replications_failure_names_the_models_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.model import combatants

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a broken decision")

    monkeypatch.setattr(combatants.Combatant, "react", broken)
    result = invoke("run", TWO_ACTOR, "--runs", 3, "--jobs", 1)
    assert "ValueError: a broken decision (" in result.output
    assert "simpy" not in result.output and "test_hardening.py" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", TWO_ACTOR, "--runs", 10**12, "--jobs", 1],
            "--runs: 1000000000000: expected at most 1000000000",
        ),
        (
            [
                "sweep",
                TWO_ACTOR,
                "--vary",
                "actors.a.retaliation.probability=0:1:100000000",
                "--output",
                "x",
            ],
            "at most 100000 points",
        ),
        (
            [
                "sweep",
                TWO_ACTOR,
                *[
                    a
                    for p in ("a", "b")
                    for a in ("--vary", f"actors.{p}.retaliation.probability=0:1:2000")
                ],
                "--vary",
                "actors.a.retaliation.lag.mean=0.5:2:2000",
                "--output",
                "x",
            ],
            "8000000000 points; at most 100000",
        ),
        (
            [
                "sweep",
                TWO_ACTOR,
                "--vary",
                "actors.a.retaliation.probability=0:1",
                "--design",
                "lhs",
                "--points",
                10**9,
                "--output",
                "x",
            ],
            "at most 100000",
        ),
        (
            [
                "sensitivity",
                TWO_ACTOR,
                "--vary",
                "actors.a.retaliation.probability=0:1",
                "--vary",
                "actors.b.retaliation.probability=0:1",
                "--metric",
                "strikes",
                "--samples",
                10**8,
            ],
            "at most 100000 points",
        ),
    ],
)
def test_work_too_large_to_finish_is_refused_before_it_starts(
    args: list[object], message: str
) -> None:
    import time

    start = time.perf_counter()
    one_line(invoke(*args), message)
    assert time.perf_counter() - start < 5
    assert not Path("x").exists()


def test_more_jobs_than_chunks_start_no_idle_workers(tmp_path: Path) -> None:
    import json

    import sim
    from sim.errors import TruceWarning

    with pytest.warns(TruceWarning, match="more than the .* cores here"):
        sim.run(TWO_ACTOR, runs=40, jobs=1000, output=tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert manifest["invocations"][0]["executor"]["workers"] == 4  # 40 runs, 10 a chunk


# concurrent and corrupt results directories ------------------------------------------


def test_a_second_writer_is_refused_naming_the_first(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", str(IDLIB), "--runs", "200000", "--jobs", "1",
         "--chunk", "50", "--output", str(out), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 60
        while not list((out / "chunks").glob("*.parquet")) and time.time() < deadline:
            time.sleep(0.1)
        second = invoke("run", IDLIB, "--runs", 200000, "--jobs", 1, "--chunk", 70, "--output", out)
        one_line(second, f"another run is writing it (process {first.pid}")
    finally:
        first.terminate()
        first.wait(30)
    assert os.path.exists(out / "_manifest.json")
    assert not list(out.rglob("*.tmp"))  # the first run cleaned up after itself


def test_temporary_names_never_collide(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sim.outputs.manifests import write_atomically

    target = tmp_path / "file.json"

    def write(n: int) -> None:
        for _ in range(50):
            write_atomically(target, f"{n}\n".encode())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))  # a shared temporary name raised FileNotFoundError
    assert target.read_text().strip() in {str(n) for n in range(8)}
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_overlapping_chunks_are_never_counted_twice_and_resume_removes_them(
    tmp_path: Path,
) -> None:
    import shutil

    out = tmp_path / "out"
    assert (
        invoke(
            "run", TWO_ACTOR, "--runs", 60, "--jobs", 1, "--chunk", 20, "--output", out
        ).exit_code
        == 0
    )
    other = tmp_path / "other"
    assert (
        invoke(
            "run", TWO_ACTOR, "--runs", 60, "--jobs", 1, "--chunk", 30, "--output", other
        ).exit_code
        == 0
    )
    # a second writer's chunk that overlaps two of the first's (as two runs with
    # different --chunk on one directory left before)
    shutil.copy(other / "chunks" / "000000000-000000029.parquet", out / "chunks")
    shutil.copy(other / "_daily" / "000000000-000000029.parquet", out / "_daily")
    summary = invoke("summary", out, "--format", "json")
    assert summary.exit_code == 0
    assert json_in(summary.output)["replications"] == 60
    assert "warning: " in summary.output and "overlap" in summary.output
    resumed = invoke("run", TWO_ACTOR, "--runs", 60, "--jobs", 1, "--chunk", 20, "--output", out)
    assert resumed.exit_code == 0 and "removed" in resumed.output
    names = sorted(p.name for p in (out / "chunks").iterdir())
    ranges = [tuple(int(x) for x in n.removesuffix(".parquet").split("-")) for n in names]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))  # no overlap left


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_a_damaged_chunk_is_skipped_by_readers_and_recomputed_on_resume(
    tmp_path: Path, damage: str
) -> None:

    import sim

    out = tmp_path / "out"
    args = ["run", IDLIB, "--runs", 60, "--seed", 3, "--jobs", 1, "--chunk", 20, "--output", out]
    assert invoke(*args).exit_code == 0
    chunk = out / "chunks" / "000000020-000000039.parquet"
    data = chunk.read_bytes()
    chunk.write_bytes(
        {"truncated": data[: len(data) // 2], "empty": b"", "garbage": b"x" * 999}[damage]
    )
    summary = invoke("summary", out, "--format", "json")
    assert summary.exit_code == 0, summary.output
    assert json_in(summary.output)["replications"] == 40
    assert "warning: chunk 000000020-000000039.parquet is damaged" in summary.output
    assert "Traceback" not in summary.output
    resumed = invoke(*args)
    assert resumed.exit_code == 0, resumed.output
    assert "recomputing replications 20..39" in resumed.output
    fresh = sim.run(IDLIB, runs=60, seed=3, jobs=1)
    assert sim.open_results(out).replications == fresh.replications


def test_a_directory_whose_writer_was_killed_says_so_and_resumes(tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    assert invoke("run", TWO_ACTOR, "--runs", 20, "--jobs", 1, "--output", out).exit_code == 0
    manifest = json.loads((out / "_manifest.json").read_text())
    manifest["invocations"][-1]["outcome"] = "running"  # as a SIGKILL leaves it
    (out / "_manifest.json").write_text(json.dumps(manifest))
    (out / "chunks" / ".000000020-000000039.parquet.x.tmp").write_bytes(b"half")
    summary = invoke("summary", out)
    assert "its last run stopped without finishing (killed?)" in summary.output
    resumed = invoke("run", TWO_ACTOR, "--runs", 40, "--jobs", 1, "--output", out)
    assert resumed.exit_code == 0
    outcomes = [
        r["outcome"] for r in json.loads((out / "_manifest.json").read_text())["invocations"]
    ]
    assert outcomes == ["stopped without finishing (killed?)", "finished"]
    assert not list(out.rglob("*.tmp"))


# full and read-only disks -------------------------------------------------------------


def no_room(after: int) -> Any:
    """A ``write_atomically`` that fills the disk after ``after`` writes."""
    import errno

    from sim.outputs import manifests

    real = manifests.write_atomically
    calls = {"n": 0}

    def full(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    return full


def test_a_full_disk_during_a_run_stops_it_in_one_line_keeping_what_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from sim.outputs import results_dir

    out = tmp_path / "out"
    # two chunks are written (each a daily file and a chunk file), then the disk is full
    monkeypatch.setattr(results_dir, "write_atomically", no_room(after=4))
    result = invoke("run", TWO_ACTOR, "--runs", 100, "--jobs", 1, "--chunk", 10, "--output", out)
    one_line(result, "No space left on device", code=1)
    assert "the 20 replications finished before are kept" in result.output
    assert not list(out.rglob("*.tmp"))
    monkeypatch.undo()
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["invocations"][-1]["outcome"] != "running"
    again = invoke("run", TWO_ACTOR, "--runs", 100, "--jobs", 1, "--chunk", 10, "--output", out)
    assert again.exit_code == 0 and len(sim_results(out)) == 100


def test_a_full_disk_during_a_sweep_stops_it_in_one_line_keeping_what_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from sim.outputs import results_dir

    out = tmp_path / "out"
    args = ["sweep", TWO_ACTOR, "--vary", "actors.a.retaliation.probability=0.2,0.5,0.8"]
    args += ["--runs", 10, "--chunk", 5, "--jobs", 1, "--output", out]
    # the first point's two chunks (each a daily file and a chunk file)
    monkeypatch.setattr(results_dir, "write_atomically", no_room(after=4))
    result = invoke(*args)
    one_line(result, "No space left on device", code=1)
    assert "the 10 replications finished before are kept" in result.output
    assert not list(out.rglob("*.tmp"))
    monkeypatch.undo()
    manifest = json.loads((out / "_sweep.json").read_text())
    assert manifest["invocations"][-1]["outcome"] == "failed: No space left on device"
    again = invoke(*args, "--format", "json")
    assert again.exit_code == 0, again.output
    assert len(json_in(again.output)) > 0 and len(list(out.glob("points/*"))) == 3


def sim_results(out: Path) -> Any:
    import sim

    return sim.open_results(out)


def test_a_row_file_cut_by_a_full_disk_ends_on_a_whole_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from sim.outputs.rows import RowWriter

    real = RowWriter.write
    calls = {"n": 0}

    def half_then_full(self: RowWriter, outcome: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 25:
            self._handle.write("25,fal")  # the disk fills in the middle of a row
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, outcome)

    monkeypatch.setattr(RowWriter, "write", half_then_full)
    out = tmp_path / "rows.csv"
    result = invoke("run", TWO_ACTOR, "--runs", 50, "--jobs", 1, "--output", out)
    one_line(result, "No space left on device", code=1)
    lines = out.read_text().splitlines()
    assert len(lines) == 25 and lines[-1].startswith("23,")  # the header and 24 whole rows


@pytest.mark.parametrize("command", ["run", "sweep", "plot", "sensitivity"])
def test_a_read_only_destination_is_refused_in_one_line_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    import errno
    import os

    real_open = os.open

    def read_only(path: Any, *args: Any, **kwargs: Any) -> int:
        if str(path).startswith(str(tmp_path / "ro")):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    import builtins

    real_builtin_open = builtins.open

    def read_only_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(tmp_path / "ro")) and mode != "r":
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_builtin_open(file, mode, *args, **kwargs)

    real_mkdir = Path.mkdir

    def read_only_mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if str(self).startswith(str(tmp_path / "ro")):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)

    (tmp_path / "ro").mkdir()
    source = tmp_path / "source"
    assert invoke("run", TWO_ACTOR, "--runs", 20, "--jobs", 1, "--output", source).exit_code == 0
    monkeypatch.setattr(os, "open", read_only)
    monkeypatch.setattr(Path, "mkdir", read_only_mkdir)
    monkeypatch.setattr(builtins, "open", read_only_open)
    target = tmp_path / "ro" / "x"
    args = {
        "run": ["run", TWO_ACTOR, "--runs", 20, "--output", target],
        "sweep": [
            "sweep",
            TWO_ACTOR,
            "--vary",
            "actors.a.retaliation.probability=0.2,0.4",
            "--runs",
            5,
            "--output",
            target,
        ],
        "plot": ["plot", source, "--metric", "strikes", "-o", tmp_path / "ro" / "p.png"],
        "sensitivity": [
            "sensitivity",
            TWO_ACTOR,
            "--vary",
            "actors.a.retaliation.probability=0.1:0.8",
            "--vary",
            "actors.b.retaliation.probability=0.1:0.8",
            "--metric",
            "strikes",
            "--output",
            tmp_path / "ro" / "s.json",
        ],
    }[command]
    one_line(invoke(*args), "Read-only file system")


# process faults -------------------------------------------------------------------------


def children_of(pid: int) -> set[int]:
    """The processes ``pid`` started, and theirs (Linux's /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found | {g for c in found for g in children_of(c)}


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("backend", [["--jobs", "2"], ["--cluster", "local:2"]])
def test_workers_exit_when_their_parent_is_killed(tmp_path: Path, backend: list[str]) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    parent = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", str(IDLIB), "--runs", "1000000", *backend,
         "--chunk", "50", "--output", str(out), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        while not list((out / "chunks").glob("*.parquet")) and time.time() < deadline:
            time.sleep(0.1)
        workers = children_of(parent.pid)
        assert len(workers) >= 2, "the workers had not started"
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(30)
    deadline = time.time() + 30
    while any(alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.2)
    left = [w for w in workers if alive(w)]
    for w in left:  # leave nothing behind, whatever the outcome
        with contextlib.suppress(OSError):
            os.kill(w, signal.SIGKILL)
    assert not left, f"{len(left)} of {len(workers)} workers outlived their parent"


@contextlib.contextmanager
def loopback_server(answer: bytes | None) -> Any:
    """A port on 127.0.0.1 that accepts connections and then stays silent (``answer``
    None) or sends ``answer``, as a service that is not Dask would."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):  # the server closed
            while True:
                connection, _ = server.accept()
                accepted.append(connection)
                if answer is not None:
                    connection.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "accepted the connection but did not answer within 2 s"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 3, "not as a Dask scheduler"),
        (b"\x00" * 64, "not as a Dask scheduler"),
    ],
    ids=["silent", "http", "zeros"],
)
def test_a_cluster_address_that_is_not_a_dask_scheduler_is_refused_in_time(
    answer: bytes | None, message: str
) -> None:
    import time

    with loopback_server(answer) as address:
        start = time.perf_counter()
        result = invoke("run", TWO_ACTOR, "--runs", 5, "--cluster", address, "--connect-timeout", 2)
        seconds = time.perf_counter() - start
    one_line(result, message)
    assert seconds < 10  # the timeout, and the start of the client, not the 120 s it hung


@pytest.mark.parametrize("address", ["tcp://127.0.0.1", "tcp://:8786", "tcp://host:99999"])
def test_a_cluster_address_without_a_port_is_refused(address: str) -> None:
    result = invoke("run", TWO_ACTOR, "--runs", 5, "--cluster", address)
    one_line(result, "expected tcp://HOST:PORT, with a port from 1 to 65535")


@pytest.mark.parametrize("backend", [["--jobs", "2"], ["--cluster", "local:2"]])
def test_ctrl_c_stops_a_parallel_run_in_one_line(tmp_path: Path, backend: list[str]) -> None:
    """Ctrl-C at a terminal signals the whole process group: the workers as well."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    run = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", str(IDLIB), "--runs", "1000000", *backend,
         "--chunk", "50", "--output", str(out), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        while len(list((out / "chunks").glob("*.parquet"))) < 4 and time.time() < deadline:
            time.sleep(0.1)
        os.killpg(run.pid, signal.SIGINT)
        _, errors = run.communicate(timeout=60)
    finally:
        with contextlib.suppress(OSError):
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130, errors
    assert errors.splitlines()[0].startswith("interrupted after "), errors
    assert len(errors.splitlines()) == 1, errors


# damaged manifests and outputs that are files ----------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results directory ``r`` and a sweep directory ``s``, to copy and damage."""
    root = tmp_path_factory.mktemp("written")
    assert (
        invoke("run", TWO_ACTOR, "--runs", 10, "--jobs", 1, "--output", root / "r").exit_code == 0
    )
    sweep = ["sweep", TWO_ACTOR, "--vary", "actors.a.retaliation.probability=0.2,0.5"]
    assert invoke(*sweep, "--runs", 5, "--jobs", 1, "--output", root / "s").exit_code == 0
    return root


def damaged(written: Path, tmp_path: Path, kind: str, change: Any) -> Path:
    """A copy of the results (``r``) or sweep (``s``) directory whose manifest is
    ``change(manifest)``, or the text ``change`` itself."""
    import json
    import shutil

    copy = tmp_path / kind
    shutil.copytree(written / kind, copy)
    manifest = copy / ("_manifest.json" if kind == "r" else "_sweep.json")
    if isinstance(change, str):
        manifest.write_text(change)
    else:
        data = json.loads(manifest.read_text())
        change(data)
        manifest.write_text(json.dumps(data))
    return copy


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("r", lambda m: m.pop("scenario"), "its 'scenario' entry is missing or not a table"),
        ("r", lambda m: m.update(seed="1"), "its 'seed' entry is missing or not a whole number"),
        ("r", lambda m: m.update(invocations=None), "its 'invocations' entry is missing"),
        ("s", "not JSON", "is not valid JSON"),
        ("s", lambda m: m.pop("metrics"), "its 'metrics' entry is missing or not a list"),
        ("s", lambda m: m.update(factors=[1]), "its factors, points or metrics are not as"),
        ("s", lambda m: m.update(points=["a"]), "its factors, points or metrics are not as"),
    ],
)
def test_a_damaged_manifest_is_named_in_one_line(
    written: Path, tmp_path: Path, kind: str, change: Any, message: str
) -> None:
    directory = damaged(written, tmp_path, kind, change)
    one_line(invoke("summary", directory), message)
    one_line(invoke("plot", directory, "--metric", "strikes", "-o", tmp_path / "p.png"), message)


def test_an_output_that_is_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("not a directory")
    one_line(
        invoke("run", TWO_ACTOR, "--runs", 5, "--output", plain),
        f"{plain}: is a file, not a results directory",
    )
    sweep = ["sweep", TWO_ACTOR, "--vary", "actors.a.retaliation.probability=0.2,0.5"]
    one_line(
        invoke(*sweep, "--runs", 5, "--output", plain),
        f"{plain}: is a file, not a sweep directory",
    )
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(
        f'[experiment]\nscenario = "{TWO_ACTOR}"\nruns = 5\noutput = "plain"\n'
        '[vary]\n"actors.a.retaliation.probability" = [0.2, 0.5]\n'
    )
    one_line(
        invoke("sweep", experiment),
        f"{experiment}: experiment.output: {plain} is a file; expected a sweep directory",
    )
    assert plain.read_text() == "not a directory"  # nothing lost


def test_a_row_files_damaged_provenance_is_named_in_one_line(tmp_path: Path) -> None:
    import json

    rows = tmp_path / "rows.csv"
    assert invoke("run", TWO_ACTOR, "--runs", 5, "--jobs", 1, "--output", rows).exit_code == 0
    provenance = tmp_path / "rows.csv.manifest.json"
    data = json.loads(provenance.read_text())
    del data["seed"]
    provenance.write_text(json.dumps(data))
    one_line(invoke("summary", rows), "its 'seed' entry is missing or not a whole number")


@pytest.mark.parametrize("command", ["run", "summary", "sweep", "compare", "plot", "sensitivity"])
def test_a_confidence_of_nan_is_refused_before_any_work(written: Path, command: str) -> None:
    """NaN passes every range comparison: it once reached scipy after a whole run."""
    results = written / "r"
    args = {
        "run": ["run", TWO_ACTOR, "--runs", 5],
        "summary": ["summary", results],
        "sweep": ["sweep", written / "s"],
        "compare": ["compare", results, results],
        "plot": ["plot", results, "--metric", "strikes", "-o", written / "p.png"],
        "sensitivity": [
            "sensitivity", TWO_ACTOR, "--vary", "actors.a.retaliation.probability=0.1:0.9",
            "--vary", "actors.b.retaliation.probability=0.1:0.9", "--metric", "strikes",
        ],
    }[command]  # fmt: skip
    one_line(invoke(*args, "--confidence", "nan"), "'nan' is not a number")


def test_the_library_refuses_a_confidence_of_nan(written: Path) -> None:
    import sim

    with pytest.raises(sim.InputError, match=r"--confidence: nan: expected a number from 0\.5"):
        sim.open_results(written / "r").summary(confidence=float("nan"))
    with pytest.raises(sim.InputError, match=r"--confidence: nan: expected a number from 0\.5"):
        sim.open_results(written / "s").summary(confidence=float("nan"))


def test_a_picture_that_cannot_be_drawn_is_refused_in_one_line(
    written: Path, tmp_path: Path
) -> None:
    picture = tmp_path / "nodir" / "p.png"
    one_line(
        invoke("plot", written / "r", "--metric", "strikes", "-o", picture),
        f"its folder {tmp_path / 'nodir'} does not exist",
    )
    quiet = tmp_path / "quiet"  # nobody answers: no first retaliation to draw
    never = [
        "--set",
        "actors.a.retaliation.probability=0",
        "--set",
        "actors.b.retaliation.probability=0",
    ]
    assert (
        invoke("run", TWO_ACTOR, *never, "--runs", 5, "--jobs", 1, "--output", quiet).exit_code == 0
    )
    one_line(
        invoke("plot", quiet, "--metric", "first_retaliation_day", "-o", tmp_path / "p.png"),
        "first_retaliation_day: has no values to draw in these replications",
    )
    one_line(
        invoke("plot", quiet, "--metric", "collapse_day", "-o", tmp_path / "p.png"),
        "collapse_day: the scenario has no truce, so collapse_day has no values",
    )
    assert not (tmp_path / "p.png").exists()
