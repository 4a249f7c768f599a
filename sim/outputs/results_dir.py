"""A results directory: per-replication rows in Parquet chunks, a manifest, and the
failures, written as chunks finish so that an interrupted run keeps them.

Layout::

    DIR/_manifest.json             scenario (fully resolved), seed, versions, invocations
    DIR/chunks/000000000-000000499.parquet   replications 0..499
    DIR/_failures.jsonl            replications that raised, one JSON object a line

The directory's own files start with ``_``, which pyarrow, pandas, polars, duckdb and
Spark skip, so each opens the directory by its path alone as one table of rows.

Every file is written to a temporary name and renamed into place, so a killed
process leaves either the whole file or none of it. Running the same command on the
same directory resumes: chunks on disk are kept and skipped.

Reading goes through one ``pyarrow.dataset`` over the chunks, a group of columns per
pass: every column in one pass when they fit in ``CELLS`` values, else as many passes
as groups, so memory stays bounded however many replications there are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.experiments.chunks import Chunk, Intervals
from sim.model.catalogue import outcome_schema
from sim.model.outcomes import Columns
from sim.optional import require
from sim.outputs.manifests import (
    begin_invocation,
    create_or_resume,
    now,
    read_manifest,
    write_atomically,
    write_json,
)
from sim.scenario import Scenario, build_scenario
from sim.scenario.dump import scenario_to_data

FORMAT = "truce-results/1"
MANIFEST = "_manifest.json"
LEGACY_MANIFEST = "manifest.json"  # its name before the directory's files began with _
CHUNKS = "chunks"
FAILURES = "_failures.jsonl"
LEGACY_FAILURES = "failures.jsonl"
KIND = "results"
CELLS = 4_000_000  # values held at once when reading columns (about 120 MB as Python)


def _pyarrow(option: str, path: Path) -> Any:
    require("pyarrow.parquet", option, str(path), "a results directory")
    return require("pyarrow", option, str(path), "a results directory")


class ResultsDir:
    """A results directory being written or read."""

    def __init__(self, path: Path, manifest: dict[str, Any], option: str = "--output") -> None:
        self.path = path
        self.manifest = manifest
        self.pa = _pyarrow(option, path)
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
        _pyarrow("--output", path)
        manifest = create_or_resume(
            path,
            MANIFEST,
            FORMAT,
            KIND,
            identity={"scenario": scenario_to_data(scenario), "seed": seed},
            another="results of another scenario or seed",
            fresh={"scenario_file": scenario_file, "constants": dict(constants or {})},
            legacy=LEGACY_MANIFEST,
        )
        (path / CHUNKS).mkdir(exist_ok=True)
        results = cls(path, manifest)
        results._scenario = scenario
        return results

    @classmethod
    def open(cls, path: str | Path, option: str = "DIR") -> ResultsDir:
        """Open an existing directory for reading."""
        path = Path(path)
        manifest = read_manifest(path, MANIFEST, FORMAT, KIND, option, LEGACY_MANIFEST)
        return cls(path, manifest, option)

    @staticmethod
    def holds(path: str | Path) -> bool:
        """Whether ``path`` looks like a results directory."""
        return any((Path(path) / name).is_file() for name in (MANIFEST, LEGACY_MANIFEST))

    def scenario(self) -> Scenario:
        """The scenario the results came from, rebuilt from the manifest."""
        if self._scenario is None:
            self._scenario = build_scenario(self.manifest["scenario"], str(self.path / MANIFEST))
        return self._scenario

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def constants(self) -> dict[str, float | int]:
        return dict(self.manifest.get("constants", {}))

    # writing --------------------------------------------------------------------------

    def begin(self, command: Sequence[str], backend: dict[str, Any], requested: int) -> None:
        """Record the start of a run (an invocation) in the manifest."""
        begin_invocation(
            self.manifest,
            command,
            executor=backend,
            requested_replications=requested,
            seconds=None,
            replications_written=0,
            compute_seconds=0.0,  # summed over workers; "seconds" is wall-clock
            failures=0,
            outcome="running",
        )
        self._write_manifest()

    def end(self, seconds: float, outcome: str, note: dict[str, Any] | None = None) -> None:
        run = self.manifest["invocations"][-1]
        run.update(finished=now(), seconds=round(seconds, 3), outcome=outcome, **(note or {}))
        self.manifest["replications"] = self.done().total
        self._write_manifest()

    def _write_manifest(self) -> None:
        write_json(self.path / MANIFEST, self.manifest)

    def schema(self) -> Any:
        if self._schema is None:
            pa = self.pa
            types = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
            constants = [(name, type(value)) for name, value in self.constants.items()]
            self._schema = pa.schema(
                [(name, types[kind]) for name, kind in outcome_schema(self.scenario()).items()]
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
        unique: dict[int, dict[str, Any]] = {}
        for path in (self.path / LEGACY_FAILURES, self.path / FAILURES):
            if path.exists():
                for line in path.read_text().splitlines():
                    if line.strip():
                        failure = json.loads(line)
                        unique[failure["replication"]] = failure
        return [unique[r] for r in sorted(unique)]

    def columns(self, fields: Iterable[str]) -> Columns:
        """The named outcome columns over every stored replication, in replication
        order, read in one pass over the chunks. Only these columns are read."""
        wanted = list(dict.fromkeys(["replication", *fields]))
        files = self.chunk_files()
        if not files:
            return {name: [] for name in wanted}
        dataset = self._dataset.dataset([str(f) for f in files], format="parquet")
        table = dataset.to_table(columns=wanted).sort_by("replication")
        return {name: table.column(name).to_pylist() for name in wanted}

    @property
    def _dataset(self) -> Any:
        return require("pyarrow.dataset", "DIR", str(self.path), "reading results")

    def lazy_columns(self, fields: Sequence[str]) -> LazyColumns:
        return LazyColumns(self, fields)


class LazyColumns(Mapping[str, list[Any]]):
    """Outcome columns read from disk when asked for, a group at a time: the groups
    follow the fields' order, each as large as ``CELLS`` values allow, so a summary
    reads the chunks once when every column fits and holds about one group however
    many replications there are."""

    def __init__(self, results: ResultsDir, fields: Sequence[str]) -> None:
        self.results = results
        self.fields = list(dict.fromkeys(["replication", *fields]))
        rows = max(1, results.done().total)
        size = max(1, CELLS // rows)
        self._groups = [self.fields[i : i + size] for i in range(0, len(self.fields), size)]
        self._group_of = {name: i for i, group in enumerate(self._groups) for name in group}
        self._held: tuple[int, Columns] | None = None

    def __getitem__(self, name: str) -> list[Any]:
        if name not in self._group_of:
            raise KeyError(name)
        index = self._group_of[name]
        if self._held is None or self._held[0] != index:
            self._held = None  # let the last group go before reading the next
            self._held = (index, self.results.columns(self._groups[index]))
        return self._held[1][name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)
