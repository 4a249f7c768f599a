"""A results directory: per-replication rows in Parquet chunks, a manifest, and the
failures, written as chunks finish so that an interrupted run keeps them.

Layout::

    DIR/manifest.json              scenario (fully resolved), seed, versions, runs
    DIR/chunks/000000000-000000499.parquet   replications 0..499
    DIR/failures.jsonl             replications that raised, one JSON object a line

Every file is written to a temporary name and renamed into place, so a killed
process leaves either the whole file or none of it. Running the same command on the
same directory resumes: chunks on disk are kept and skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import InputError
from sim.experiments.chunks import Chunk, Intervals
from sim.model.catalogue import outcome_schema
from sim.model.outcomes import Columns
from sim.scenario import Scenario, build_scenario
from sim.scenario.dump import scenario_to_data

FORMAT = "truce-results/1"
MANIFEST = "manifest.json"
CHUNKS = "chunks"
FAILURES = "failures.jsonl"
KEY_PACKAGES = ("simpy", "numpy", "scipy", "click", "pyarrow", "dask", "distributed")


def _pyarrow(option: str, path: str) -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise InputError(
            option, path, "a results directory needs pyarrow: pip install -e '.[parquet]'"
        ) from None
    return pyarrow


def dependency_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for package in KEY_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class ResultsDir:
    """A results directory being written or read."""

    def __init__(self, path: Path, manifest: dict[str, Any], option: str = "--output") -> None:
        self.path = path
        self.manifest = manifest
        self.pa = _pyarrow(option, str(path))
        self._schema: Any = None
        self._scenario: Scenario | None = None

    # opening --------------------------------------------------------------------------

    @classmethod
    def create_or_resume(
        cls,
        path: str | Path,
        scenario: Scenario,
        scenario_file: str,
        seed: int,
        constants: Mapping[str, float | int] | None = None,
    ) -> ResultsDir:
        """Open ``path`` for a run, creating it, or resuming it if it holds an earlier
        run of the same scenario and seed. ``constants`` become columns of every row
        (a sweep's point and its parameter values)."""
        path = Path(path)
        _pyarrow("--output", str(path))
        data = json.loads(json.dumps(scenario_to_data(scenario)))
        manifest_path = path / MANIFEST
        if manifest_path.exists():
            manifest = cls._read_manifest(path, "--output")
            if manifest.get("scenario") != data or manifest.get("seed") != seed:
                raise InputError(
                    "--output",
                    str(path),
                    "holds results of another scenario or seed; choose another directory",
                )
        else:
            if path.exists() and (not path.is_dir() or any(path.iterdir())):
                raise InputError(
                    "--output", str(path), "exists and is not a results directory; choose another"
                )
            path.mkdir(parents=True, exist_ok=True)
            manifest = {
                "format": FORMAT,
                "scenario_file": scenario_file,
                "scenario": data,
                "seed": seed,
                "constants": dict(constants or {}),
                "created": now(),
                "invocations": [],
            }
        (path / CHUNKS).mkdir(exist_ok=True)
        results = cls(path, manifest)
        results._scenario = scenario
        return results

    @classmethod
    def open(cls, path: str | Path, option: str = "DIR") -> ResultsDir:
        """Open an existing directory for reading."""
        path = Path(path)
        return cls(path, cls._read_manifest(path, option), option)

    @staticmethod
    def _read_manifest(path: Path, option: str) -> dict[str, Any]:
        manifest_path = path / MANIFEST
        try:
            manifest = json.loads(manifest_path.read_text())
        except FileNotFoundError:
            raise InputError(
                option, str(path), "is not a results directory (no manifest.json)"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(option, str(manifest_path), f"is not valid JSON ({error})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InputError(option, str(manifest_path), f"expected a {FORMAT} manifest")
        return manifest

    def scenario(self) -> Scenario:
        """The scenario the results came from, rebuilt from the manifest."""
        return build_scenario(self.manifest["scenario"], str(self.path / MANIFEST))

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def constants(self) -> dict[str, float | int]:
        return dict(self.manifest.get("constants", {}))

    # writing --------------------------------------------------------------------------

    def begin(self, command: Sequence[str], backend: dict[str, Any], requested: int) -> None:
        """Record the start of a run (an invocation) in the manifest."""
        self.manifest.update(
            truce_version=__version__,
            python=platform.python_version(),
            dependencies=dependency_versions(),
        )
        self.manifest["invocations"].append(
            {
                "command": list(command),
                "executor": backend,
                "requested_replications": requested,
                "started": now(),
                "finished": None,
                "seconds": None,
                "replications_written": 0,
                "compute_seconds": 0.0,  # summed over workers; "seconds" is wall-clock
                "failures": 0,
                "outcome": "running",
            }
        )
        self._write_manifest()

    def end(self, seconds: float, outcome: str, note: dict[str, Any] | None = None) -> None:
        run = self.manifest["invocations"][-1]
        run.update(finished=now(), seconds=round(seconds, 3), outcome=outcome, **(note or {}))
        self.manifest["replications"] = self.done().total
        self._write_manifest()

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2) + "\n"
        write_atomically(self.path / MANIFEST, text.encode())

    def schema(self) -> Any:
        if self._schema is None:
            scenario = self._scenario or self.scenario()
            pa = self.pa
            types = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
            constants = [(name, type(value)) for name, value in self.constants.items()]
            self._schema = pa.schema(
                [(name, types[kind]) for name, kind in outcome_schema(scenario).items()]
                + [(name, types[kind]) for name, kind in constants]
            )
        return self._schema

    def write(self, chunk: Chunk) -> None:
        """Store a finished chunk: its failures, then its rows."""
        pa = self.pa
        columns = dict(chunk.columns)
        for name, value in self.constants.items():
            columns[name] = [value] * chunk.rows
        table = pa.Table.from_pydict(columns, schema=self.schema())
        sink = pa.BufferOutputStream()
        pa.parquet.write_table(table, sink)
        last = chunk.first + chunk.count - 1
        name = f"{chunk.first:09d}-{last:09d}.parquet"
        if chunk.failures:
            lines = "".join(
                json.dumps({"replication": f.replication, "seed": f.seed, "error": f.error}) + "\n"
                for f in chunk.failures
            )
            with open(self.path / FAILURES, "a", encoding="utf-8") as handle:
                handle.write(lines)
        write_atomically(self.path / CHUNKS / name, sink.getvalue().to_pybytes())
        run = self.manifest["invocations"][-1]
        run["replications_written"] += chunk.count
        run["compute_seconds"] = round(run["compute_seconds"] + chunk.seconds, 3)
        run["failures"] += len(chunk.failures)

    # reading --------------------------------------------------------------------------

    def chunk_files(self) -> list[Path]:
        return sorted((self.path / CHUNKS).glob("[0-9]*-[0-9]*.parquet"))

    def done(self) -> Intervals:
        """Replications already run (whether they succeeded or failed)."""
        finished = Intervals()
        for file in self.chunk_files():
            first, last = (int(part) for part in file.stem.split("-"))
            finished.add(first, last - first + 1)
        return finished

    def failures(self) -> list[dict[str, Any]]:
        """Replications that raised, once each (a chunk re-run after a kill may have
        appended its failures twice)."""
        path = self.path / FAILURES
        if not path.exists():
            return []
        unique: dict[int, dict[str, Any]] = {}
        for line in path.read_text().splitlines():
            if line.strip():
                failure = json.loads(line)
                unique[failure["replication"]] = failure
        return [unique[r] for r in sorted(unique)]

    def columns(self, fields: Iterable[str]) -> Columns:
        """The named outcome columns over every stored replication, in replication
        order. Only these columns are read."""
        wanted = list(dict.fromkeys(["replication", *fields]))
        files = self.chunk_files()
        if not files:
            return {name: [] for name in wanted}
        table = self.pa.parquet.read_table([str(f) for f in files], columns=wanted)
        table = table.sort_by("replication")
        return {name: table.column(name).to_pylist() for name in wanted}

    def count(self) -> int:
        """Replications stored (failed ones are not)."""
        return len(self.columns([])["replication"])

    def lazy_columns(self, fields: Sequence[str]) -> LazyColumns:
        return LazyColumns(self, fields)


class LazyColumns(Mapping[str, list[Any]]):
    """Outcome columns read from disk one at a time, when asked for, so a summary of
    any number of replications holds about one column in memory."""

    def __init__(self, results: ResultsDir, fields: Sequence[str]) -> None:
        self.results = results
        self.fields = list(fields)

    def __getitem__(self, name: str) -> list[Any]:
        if name not in self.fields:
            raise KeyError(name)
        return self.results.columns([name])[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)
