"""Row files an analyst can rely on: the same command writes the same bytes whatever the
workers, a provenance file says what made them, another run's file is never replaced
silently, and every command that reads results reads them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import sim
from tests.conftest import IDLIB, TWO_ACTOR, invoke


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_the_same_command_writes_the_same_bytes_whatever_the_workers(
    tmp_path: Path, suffix: str
) -> None:
    files = []
    for jobs, chunk in ((1, 50), (2, 7), (2, 13)):
        out = tmp_path / f"rows-{jobs}-{chunk}{suffix}"
        args = ["run", IDLIB, "--runs", 60, "--seed", 3, "--jobs", jobs, "--chunk", chunk]
        assert invoke(*args, "--output", out).exit_code == 0
        files.append(out.read_bytes())
    assert files[0] == files[1] == files[2]
    if suffix == ".json":
        assert [r["replication"] for r in json.loads(files[0])] == list(range(60))


def test_a_row_file_has_a_provenance_file_with_its_checksum(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    args = ["run", IDLIB, "--runs", 20, "--seed", 3, "--set", "truce.drift=0.05"]
    assert invoke(*args, "--jobs", 1, "--output", out).exit_code == 0
    provenance = json.loads((tmp_path / "rows.csv.manifest.json").read_text())
    assert provenance["rows"] == 20 and provenance["seed"] == 3
    assert provenance["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert provenance["overrides"] == [{"path": "truce.drift", "value": 0.05}]
    assert provenance["scenario"]["truce"]["drift"] == 0.05
    assert provenance["truce_version"] and "numpy" in provenance["dependencies"]
    first = (tmp_path / "rows.csv.manifest.json").read_bytes()
    assert invoke(*args, "--jobs", 1, "--output", out).exit_code == 0  # the same command
    assert (tmp_path / "rows.csv.manifest.json").read_bytes() == first  # no clock time in it


def test_a_file_of_another_run_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    assert invoke("run", TWO_ACTOR, "--runs", 10, "--output", out).exit_code == 0
    before = out.read_bytes()
    other = invoke("run", TWO_ACTOR, "--runs", 10, "--seed", 2, "--output", out)
    assert other.exit_code == 2
    assert other.output.strip() == (
        f"error: --output: {out}: exists and holds another run (or is not a truce row file); "
        "add --overwrite to replace it"
    )
    assert out.read_bytes() == before
    mine = tmp_path / "notes.csv"
    mine.write_text("my,own\n1,2\n")
    assert invoke("run", TWO_ACTOR, "--runs", 10, "--output", mine).exit_code == 2
    assert mine.read_text() == "my,own\n1,2\n"
    replaced = invoke("run", TWO_ACTOR, "--runs", 10, "--seed", 2, "--output", out, "--overwrite")
    assert replaced.exit_code == 0 and out.read_bytes() != before


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_summary_plot_and_compare_read_row_files(tmp_path: Path, suffix: str) -> None:
    rows = tmp_path / f"rows{suffix}"
    directory = tmp_path / "dir"
    for out in (rows, directory):
        assert invoke("run", TWO_ACTOR, "--runs", 30, "--seed", 4, "--output", out).exit_code == 0
    from_rows = invoke("summary", rows, "--format", "json")
    from_directory = invoke("summary", directory, "--format", "json")
    assert from_rows.exit_code == 0, from_rows.output
    assert json.loads(from_rows.output) == json.loads(from_directory.output)
    assert sim.open_results(rows).replications == sim.open_results(directory).replications
    picture = invoke("plot", rows, "--metric", "strikes", "-o", tmp_path / "p.png")
    assert picture.exit_code == 0, picture.output
    compared = invoke("compare", rows, directory, "--format", "json")
    assert compared.exit_code == 0
    assert not any(r["differs"] for r in json.loads(compared.output)["rows"])


def test_a_row_file_without_provenance_is_refused_in_one_line(tmp_path: Path) -> None:
    alone = tmp_path / "alone.csv"
    alone.write_text("replication,strikes\n0,1\n")
    result = invoke("summary", alone)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "has no provenance file (alone.csv.manifest.json)" in result.output
    folder = invoke("summary", tmp_path / "nowhere")
    assert folder.exit_code == 2 and "no such file or directory" in folder.output


def test_chunks_that_finish_early_wait_for_their_turn_in_the_row_file(tmp_path: Path) -> None:
    from sim.experiments.chunks import Chunk
    from sim.outputs.rows import RowWriter
    from sim.outputs.sinks import MemorySink

    out = tmp_path / "rows.csv"
    sink = MemorySink(["replication"], RowWriter(out, ["replication"]))

    def chunk(first: int) -> Chunk:
        return Chunk(first, 10, {"replication": list(range(first, first + 10))}, (), 0.0)

    for first in (20, 0, 40, 10):  # the order they might finish in
        sink.write(chunk(first))
    assert out.read_text().splitlines()[1:] == [str(r) for r in range(30)]  # 40.. waits
    sink.close()  # at the end (an interrupt: 30..39 never came) the rest is written, in order
    assert out.read_text().splitlines()[1:] == [str(r) for r in (*range(30), *range(40, 50))]
