"""Row files: one row per replication in a CSV file or a JSON array, in replication
order, with a provenance file beside them; and reading them back.

A row file is written as replications finish (each row flushed), so an interrupted run
keeps every finished replication. Its provenance, ``FILE.manifest.json``, holds what
made it: the resolved scenario, the overrides, the seed, the command, the versions,
the number of rows and the file's SHA-256. Neither file holds a clock time, so the same
command writes the same bytes.

An existing file is replaced only if its provenance shows the same scenario and seed
(a rerun writes the same rows), or when the caller says ``overwrite``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sim.errors import InputError
from sim.model.catalogue import outcome_schema
from sim.model.outcomes import Columns, Outcome
from sim.outputs.manifests import as_json, checked, versions, write_json
from sim.scenario import Override, Scenario, build_scenario
from sim.scenario.dump import scenario_to_data

FORMATS = (".csv", ".json")
FORMAT = "truce-rows/1"
SHAPE = {"scenario": dict, "seed": int, "sha256": str}  # what readers rely on


def manifest_path(path: str | Path) -> Path:
    """The provenance file beside a row file."""
    path = Path(path)
    return path.with_name(path.name + ".manifest.json")


def is_row_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in FORMATS and Path(path).is_file()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def check_target(
    path: str | Path,
    scenario: Scenario,
    seed: int,
    aim: dict[str, Any],
    overwrite: bool,
    option: str = "--output",
) -> None:
    """Refuse to replace a file that is not a row file of this scenario, seed and aim
    (the replications asked for, or the interval): the same run again, or the rest of
    one interrupted, writes the same rows."""
    path = Path(path)
    if Path(path).suffix.lower() not in FORMATS:
        raise InputError(
            option,
            str(path),
            "expected a file name ending in .csv or .json, or a directory name without one",
        )
    if overwrite or not path.exists():
        return
    try:
        kept = json.loads(manifest_path(path).read_text())
        same = (
            kept.get("format") == FORMAT
            and kept.get("scenario") == as_json(scenario_to_data(scenario))
            and kept.get("seed") == seed
            and kept.get("aim") == as_json(aim)
        )
    except (OSError, ValueError):
        same = False
    if not same:
        raise InputError(
            option,
            str(path),
            "exists and holds another run (or is not a truce row file); "
            "add --overwrite to replace it",
        )


class RowWriter:
    """Streams outcome rows to a CSV file or a JSON array, flushing each row."""

    def __init__(self, path: str | Path, fields: list[str], option: str = "--output") -> None:
        self.path = Path(path)
        self.fields = fields
        self.kind = self.path.suffix.lower()
        if self.kind not in FORMATS:
            raise InputError(
                option,
                str(path),
                "expected a file name ending in .csv or .json, or a directory name without one",
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle: IO[str] = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise InputError(option, str(path), f"cannot be written ({error.strerror})") from None
        self.rows = 0
        self.broken = False
        if self.kind == ".csv":
            self._csv = csv.writer(self._handle)
            self._csv.writerow(fields)
        else:
            self._handle.write("[")
        self._handle.flush()
        self._whole = self._handle.tell()  # where the last whole row ends

    def write(self, outcome: Outcome) -> None:
        if self.kind == ".csv":
            self._csv.writerow([_cell(outcome[f]) for f in self.fields])
        else:
            row = {f: _json_value(outcome[f]) for f in self.fields}
            self._handle.write(("," if self.rows else "") + "\n  " + json.dumps(row))
        self.rows += 1
        self._handle.flush()
        self._whole = self._handle.tell()

    def cut(self) -> None:
        """After a failed write (a full disk), cut the file back to its last whole row;
        nothing more is written to it."""
        self.broken = True
        try:
            self._handle.seek(self._whole)
            self._handle.truncate()
            self._handle.flush()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if self._handle.closed:
            return
        try:
            if self.kind == ".json" and not self.broken:
                self._handle.write("\n]\n")
            self._handle.close()
        except OSError:
            self.cut()
            self._handle.close()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def write_provenance(
    path: str | Path,
    scenario: Scenario,
    scenario_file: str,
    overrides: Sequence[Override],
    seed: int,
    aim: dict[str, Any],
    rows: int,
    status: str,
    command: Sequence[str],
) -> None:
    """The provenance file beside a finished (or interrupted) row file."""
    path = Path(path)
    write_json(
        manifest_path(path),
        {
            "format": FORMAT,
            "rows_file": path.name,
            "status": status,
            "aim": aim,
            "rows": rows,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "scenario_file": scenario_file,
            "overrides": [{"path": o.path, "value": o.value} for o in overrides],
            "seed": seed,
            "command": list(command),
            **versions(),
            "scenario": as_json(scenario_to_data(scenario)),
        },
    )


class RowFile:
    """A row file read back, with the scenario and seed from its provenance. Its
    columns are parsed once, with the outcome catalogue's types."""

    def __init__(self, path: str | Path, option: str = "DIR") -> None:
        self.path = Path(path)
        where = manifest_path(self.path)
        try:
            self.manifest = json.loads(where.read_text())
        except FileNotFoundError:
            raise InputError(
                option,
                str(self.path),
                f"has no provenance file ({where.name}) to say what scenario and seed made it; "
                "write rows with truce run --output, or use a results directory",
            ) from None
        except (OSError, ValueError) as error:
            raise InputError(option, str(where), f"is not valid JSON ({error})") from None
        checked(self.manifest, FORMAT, SHAPE, where, option)
        self.scenario = build_scenario(self.manifest["scenario"], str(where))
        self.seed = int(self.manifest["seed"])
        self._columns: Columns | None = None
        try:
            data = self.path.read_bytes()
        except OSError as error:
            raise InputError(option, str(self.path), f"cannot be read ({error.strerror})") from None
        if hashlib.sha256(data).hexdigest() != self.manifest.get("sha256"):
            raise InputError(
                option,
                str(self.path),
                f"does not match its provenance ({where.name}): its SHA-256 differs, so it "
                "was changed or cut short after it was written",
            )

    def _read(self) -> Columns:
        schema = outcome_schema(self.scenario)
        try:
            text = self.path.read_text(encoding="utf-8")
            if self.path.suffix.lower() == ".json":
                rows = _json_rows(text)
            else:
                rows = [
                    {k: _parse(v, schema.get(k, str)) for k, v in row.items()}
                    for row in csv.DictReader(text.splitlines())
                ]
        except (OSError, ValueError) as error:
            raise InputError("DIR", str(self.path), f"cannot be read as rows ({error})") from None
        columns: Columns = {name: [] for name in schema}
        for row in rows:
            for name in schema:
                columns[name].append(row.get(name))
        order = sorted(range(len(columns["replication"])), key=columns["replication"].__getitem__)
        return {name: [values[i] for i in order] for name, values in columns.items()}

    def columns(self, fields: list[str]) -> Columns:
        if self._columns is None:
            self._columns = self._read()
        wanted = list(dict.fromkeys(["replication", *fields]))
        return {name: self._columns[name] for name in wanted}


def _json_rows(text: str) -> list[dict[str, Any]]:
    """A JSON array of rows; one cut short by a full disk (no closing bracket) is read
    row by row, as written, one a line."""
    try:
        rows: list[dict[str, Any]] = json.loads(text)
        return rows
    except ValueError:
        found = []
        for line in text.splitlines():
            line = line.strip().lstrip("[").rstrip(",").strip()
            if line.startswith("{"):
                found.append(json.loads(line))
        return found


def _parse(text: str, kind: type) -> Any:
    if text == "":
        return None
    if kind is bool:
        return text == "true"
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    return text
