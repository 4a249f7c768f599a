"""A results directory: per-replication rows in Parquet chunks, a manifest, and the
failures, written as chunks finish so that an interrupted run keeps them.

Layout::

    DIR/_manifest.json             scenario (fully resolved), seed, versions, invocations
    DIR/chunks/000000000-000000499.parquet   replications 0..499
    DIR/_failures.jsonl            replications that raised, one JSON object a line
    DIR/_daily/000000000-000000499.parquet   their daily series: a row per replication
                                   and day (``--daily off`` leaves this folder out)

The directory's own files start with ``_``, which pyarrow, pandas, polars, duckdb and
Spark skip, so each opens the directory by its path alone as one table of rows; the
daily series open the same way from ``DIR/_daily``. A chunk and its daily file are one
unit: a damaged or missing daily file makes its chunk damaged, and both are recomputed.

Every file is written to a temporary name and renamed into place, so a killed
process leaves either the whole file or none of it. Running the same command on the
same directory resumes: chunks on disk are kept and skipped.

Reading goes through one ``pyarrow.dataset`` over the chunks, a group of columns per
pass: every column in one pass when they fit in ``CELLS`` values, else as many passes
as groups, so memory stays bounded however many replications there are.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError, TruceWarning
from sim.experiments.chunks import Chunk, Intervals
from sim.model.catalogue import STATES, outcome_schema, series
from sim.model.daily import DailyData
from sim.model.outcomes import Columns
from sim.optional import require
from sim.outputs.chunk_files import ChunkFile, inventory, record
from sim.outputs.chunk_files import chunk_files as listed
from sim.outputs.locks import DirectoryLock, is_locked
from sim.outputs.manifests import (
    begin_invocation,
    create_or_resume,
    now,
    read_manifest,
    remove_temporary_files,
    write_atomically,
    write_json,
)
from sim.scenario import Scenario, build_scenario
from sim.scenario.dump import scenario_to_data

FORMAT = "truce-results/1"
MANIFEST = "_manifest.json"
LEGACY_MANIFEST = "manifest.json"  # its name before the directory's files began with _
CHUNKS = "chunks"
DAILY = "_daily"
FAILURES = "_failures.jsonl"
LEGACY_FAILURES = "failures.jsonl"
KIND = "results"
SHAPE = {"scenario": dict, "seed": int, "invocations": list}  # what readers rely on
CELLS = 4_000_000  # values held at once when reading columns (about 120 MB as Python)


def _switch(on: bool) -> str:
    return "on" if on else "off"


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
        self._lock: DirectoryLock | None = None
        self._warned: set[str] = set()

    # opening --------------------------------------------------------------------------

    @classmethod
    def create_or_resume(
        cls,
        path: str | Path,
        scenario: Scenario,
        scenario_file: str,
        seed: int,
        constants: Mapping[str, float | int] | None = None,
        daily: bool | None = None,
        posterior: Mapping[str, Any] | None = None,
    ) -> ResultsDir:
        """Open ``path`` for a run, creating it, or resuming it if it holds an earlier
        run of the same scenario and seed. ``constants`` become columns of every row
        (a sweep's point and its parameter values). ``daily`` keeps the daily series
        (None: as the directory already does, and yes in a new one); a directory keeps
        them for all of its replications or for none. ``posterior`` (the parameter draws
        the replications took) is part of what a resumed run must share.

        The directory is locked until ``close``: a second writer is refused. What an
        earlier writer left that cannot be trusted is cleared, saying so (a warning):
        temporary files, damaged chunks (whose replications the run then recomputes)
        and chunks overlapping others."""
        path = Path(path)
        _pyarrow("--output", path)
        if path.exists() and not path.is_dir():
            raise InputError("--output", str(path), f"is a file, not a {KIND} directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError("--output", str(path), f"cannot be made ({error.strerror})") from None
        lock = DirectoryLock(path, sys.argv).acquire()
        try:
            manifest = create_or_resume(
                path,
                MANIFEST,
                FORMAT,
                KIND,
                identity={
                    "scenario": scenario_to_data(scenario),
                    "seed": seed,
                    **({"posterior": dict(posterior)} if posterior else {}),
                },
                another="results of another scenario or seed",
                fresh={
                    "scenario_file": scenario_file,
                    "constants": dict(constants or {}),
                    "daily": True if daily is None else daily,
                },
                legacy=LEGACY_MANIFEST,
                shape=SHAPE,
            )
            if "posterior" in manifest and not posterior:
                raise InputError(
                    "--posterior",
                    "",
                    f"missing: {path} holds replications run over the posterior in "
                    f"{manifest['posterior'].get('source')}; resume with the same --posterior",
                )
            kept = bool(manifest.get("daily", False))
            if daily is not None and daily != kept:
                raise InputError(
                    "--daily",
                    _switch(daily),
                    f"{path} was run with --daily {_switch(kept)}, and a directory keeps "
                    "daily series for all of its replications or none; rerun with "
                    f"--daily {_switch(kept)}, or choose another directory",
                )
            (path / CHUNKS).mkdir(exist_ok=True)
            if kept:
                (path / DAILY).mkdir(exist_ok=True)
        except BaseException:
            lock.release()
            raise
        results = cls(path, manifest)
        results._scenario = scenario
        results._lock = lock
        results._clear_what_cannot_be_trusted()
        return results

    def _clear_what_cannot_be_trusted(self) -> None:
        remove_temporary_files(self.path)
        legacy = self.path / LEGACY_MANIFEST
        if legacy.exists():  # written before the directory's own files began with _
            self._write_manifest()
            legacy.unlink()
        for run in self.manifest["invocations"]:
            if run.get("outcome") == "running":  # its writer died: nothing holds the lock
                run["outcome"] = "stopped without finishing (killed?)"
        found = inventory(self.path, self.path / CHUNKS, self.pa.parquet, True, self._daily)
        for chunk, why in found.damaged:
            warnings.warn(
                f"recomputing {chunk.describe()}: chunk {chunk.name} is damaged ({why})",
                TruceWarning,
                stacklevel=3,
            )
            self._remove(chunk)
        for chunk, kept in found.overlapping:
            warnings.warn(
                f"removed chunk {chunk.name}: it overlaps {kept.name} (written by another "
                "run with another --chunk); replications only it held are recomputed",
                TruceWarning,
                stacklevel=3,
            )
            self._remove(chunk)
        if self._daily is not None:  # daily files whose chunk never landed (killed)
            chunks = {c.name for c in listed(self.path / CHUNKS)}
            for orphan in listed(self._daily):
                if orphan.name not in chunks:
                    orphan.path.unlink()

    def _remove(self, chunk: ChunkFile) -> None:
        """A chunk and its daily file: the daily file goes first, so a chunk is never
        left without one."""
        if self._daily is not None:
            (self._daily / chunk.name).unlink(missing_ok=True)
        chunk.path.unlink()

    @property
    def daily(self) -> bool:
        """Whether the directory keeps daily series."""
        return bool(self.manifest.get("daily", False))

    @property
    def _daily(self) -> Path | None:
        """The folder of daily series files, when the directory keeps them."""
        return self.path / DAILY if self.daily else None

    def close(self) -> None:
        """Let another run write the directory."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @classmethod
    def open(cls, path: str | Path, option: str = "DIR") -> ResultsDir:
        """Open an existing directory for reading."""
        path = Path(path)
        manifest = read_manifest(path, MANIFEST, FORMAT, KIND, option, LEGACY_MANIFEST, SHAPE)
        last = (manifest.get("invocations") or [{}])[-1]
        if last.get("outcome") == "running":
            if is_locked(path):
                note = "a run is still writing it; what it has finished so far is read"
            else:
                note = "its last run stopped without finishing (killed?); rerun it to resume"
            warnings.warn(f"{path}: {note}", TruceWarning, stacklevel=2)
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

    def daily_schema(self) -> Any:
        """The daily files' columns: replication, day, then each series (a state as a
        category)."""
        pa = self.pa
        types = {
            int: pa.int64(),
            float: pa.float64(),
            str: pa.dictionary(pa.int8(), pa.string()),
        }
        return pa.schema(
            [("replication", pa.int64()), ("day", pa.int64())]
            + [(s.name, types[s.kind]) for s in series(self.scenario())]
        )

    def _daily_table(self, data: DailyData) -> Any:
        pa = self.pa
        arrays = []
        for field in self.daily_schema():
            values = data[field.name]
            if pa.types.is_dictionary(field.type):
                arrays.append(
                    pa.DictionaryArray.from_arrays(pa.array(values, pa.int8()), list(STATES))
                )
            else:  # NaN strain (a collapsed truce) is stored empty
                arrays.append(pa.array(values, field.type, from_pandas=True))
        return pa.Table.from_arrays(arrays, schema=self.daily_schema())

    def _parquet(self, table: Any) -> bytes:
        sink = self.pa.BufferOutputStream()
        self.pa.parquet.write_table(table, sink)
        data: bytes = sink.getvalue().to_pybytes()
        return data

    def write(self, chunk: Chunk) -> None:
        """Store a finished chunk: its failures, its daily series, then its rows."""
        pa = self.pa
        columns = dict(chunk.columns)
        for name, value in self.constants.items():
            columns[name] = [value] * chunk.rows
        table = pa.Table.from_pydict(columns, schema=self.schema())
        last = chunk.first + chunk.count - 1
        name = f"{chunk.first:09d}-{last:09d}.parquet"
        if chunk.failures:
            lines = "".join(
                json.dumps({"replication": f.replication, "seed": f.seed, "error": f.error}) + "\n"
                for f in chunk.failures
            )
            with open(self.path / FAILURES, "a", encoding="utf-8") as handle:
                handle.write(lines)
        daily: tuple[int, bytes] | None = None
        if self._daily is not None:
            if chunk.daily is None:
                raise ValueError("a directory that keeps daily series was given a chunk without")
            daily_table = self._daily_table(chunk.daily)
            daily = (daily_table.num_rows, self._parquet(daily_table))
            write_atomically(self._daily / name, daily[1])
        data = self._parquet(table)
        target = self.path / CHUNKS / name
        write_atomically(target, data)
        record(self.path, target, chunk.first, chunk.count, chunk.rows, data, daily)
        run = self.manifest["invocations"][-1]
        run["replications_written"] += chunk.count
        run["compute_seconds"] = round(run["compute_seconds"] + chunk.seconds, 3)
        run["failures"] += len(chunk.failures)

    # reading --------------------------------------------------------------------------

    def chunk_files(self, deep: bool = False) -> list[ChunkFile]:
        """The chunks to read: checked (sizes against their records; every checksum
        and footer with ``deep``), each replication once. Damaged and overlapping chunks
        are left out, with a warning (once for each)."""
        found = inventory(self.path, self.path / CHUNKS, self.pa.parquet, deep, self._daily)
        notes = [
            f"chunk {chunk.name} is damaged ({why}); its {chunk.count} replications are "
            "left out until the run is resumed"
            for chunk, why in found.damaged
        ] + [
            f"chunk {chunk.name} overlaps {kept.name} (written by two runs at once?); "
            "each replication is read once"
            for chunk, kept in found.overlapping
        ]
        for note in notes:
            if note not in self._warned:
                self._warned.add(note)
                warnings.warn(note, TruceWarning, stacklevel=3)
        return found.good

    def done(self) -> Intervals:
        """Replications already run (whether they succeeded or failed)."""
        finished = Intervals()
        for chunk in self.chunk_files():
            finished.add(chunk.first, chunk.count)
        return finished

    def failures(self) -> list[dict[str, Any]]:
        """Replications that raised, once each (a chunk re-run after a kill may have
        appended its failures twice)."""
        unique: dict[int, dict[str, Any]] = {}
        for path in (self.path / LEGACY_FAILURES, self.path / FAILURES):
            if path.exists():
                for line in path.read_text(errors="replace").splitlines():
                    try:
                        failure = json.loads(line)
                        unique[int(failure["replication"])] = failure
                    except (ValueError, KeyError, TypeError):
                        continue  # a line torn by a kill
        return [unique[r] for r in sorted(unique)]

    def columns(self, fields: Iterable[str], files: Sequence[ChunkFile] | None = None) -> Columns:
        """The named outcome columns over every stored replication (or those of
        ``files``), in replication order, read in one pass over the chunks. Only these
        columns are read. A chunk that cannot be read after all is checked in full,
        left out with a warning, and the rest read again."""
        wanted = list(dict.fromkeys(["replication", *fields]))
        chosen = list(files) if files is not None else self.chunk_files()
        if not chosen:
            return {name: [] for name in wanted}
        try:
            dataset = self._dataset.dataset([str(c.path) for c in chosen], format="parquet")
            table = dataset.to_table(columns=wanted).sort_by("replication")
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            trusted = {c.path for c in self.chunk_files(deep=True)}
            remaining = [c for c in chosen if c.path in trusted]
            if len(remaining) == len(chosen):
                raise InputError("DIR", str(self.path), f"cannot be read ({error})") from None
            return self.columns(fields, remaining)
        replications = table.column("replication").to_numpy()
        if len(replications) > 1 and not (replications[1:] > replications[:-1]).all():
            first = np.concatenate(([True], replications[1:] != replications[:-1]))
            table = table.filter(first)  # overlapping chunks: each replication once
        return {name: table.column(name).to_pylist() for name in wanted}

    def daily_table(self, names: Sequence[str], files: Sequence[ChunkFile] | None = None) -> Any:
        """The named daily series (with ``replication`` and ``day``) of every stored
        replication (or those of ``files``), as a pyarrow table sorted by replication
        and day, each replication once."""
        if self._daily is None:
            raise InputError(
                "DIR",
                str(self.path),
                "holds no daily series (it was run with --daily off, or before they were "
                "kept); run it again into a new directory to have them",
            )
        wanted = list(dict.fromkeys(["replication", "day", *names]))
        chosen = list(files) if files is not None else self.chunk_files()
        paths = [str(self._daily / c.name) for c in chosen]
        if not paths:
            return self.daily_schema().empty_table().select(wanted)
        try:
            dataset = self._dataset.dataset(paths, format="parquet", schema=self.daily_schema())
            table = dataset.to_table(columns=wanted).sort_by(
                [("replication", "ascending"), ("day", "ascending")]
            )
        except (OSError, ValueError) as error:
            raise InputError("DIR", str(self.path), f"cannot be read ({error})") from None
        keys = table.column("replication").to_numpy() * (1 << 20) + table.column("day").to_numpy()
        if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
            first = np.concatenate(([True], keys[1:] != keys[:-1]))
            table = table.filter(first)  # overlapping chunks: each replication once
        return table

    def daily_arrays(
        self, names: Sequence[str], files: Sequence[ChunkFile] | None = None
    ) -> DailyData:
        """``daily_table`` as numpy arrays: a state as its code in ``STATES``, an
        empty strain as NaN."""
        table = self.daily_table(names, files)
        found: DailyData = {}
        for name in table.column_names:
            column = table.column(name)
            if self.pa.types.is_dictionary(column.type):
                parts = [
                    np.array([STATES.index(v) for v in part.dictionary.to_pylist()], np.int8)[
                        part.indices.to_numpy(zero_copy_only=False)
                    ]
                    for part in column.chunks
                ]
                found[name] = np.concatenate(parts) if parts else np.zeros(0, np.int8)
            else:
                found[name] = column.to_numpy()
        return found

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
        # one list of chunks for every group, so that a run still adding chunks cannot
        # give groups of different lengths
        self.files = results.chunk_files()
        rows = max(1, sum(c.count for c in self.files))
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
            self._held = (index, self.results.columns(self._groups[index], self.files))
        return self._held[1][name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)
