"""Writing one row per replication as it finishes, so an interrupted run keeps every
finished replication."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sim.errors import InputError
from sim.model.outcomes import Outcome

FORMATS = (".csv", ".json")


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
            self._handle: IO[str] = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise InputError(option, str(path), f"cannot be written ({error.strerror})") from None
        self.rows = 0
        if self.kind == ".csv":
            self._csv = csv.writer(self._handle)
            self._csv.writerow(fields)
        else:
            self._handle.write("[")
        self._handle.flush()

    def write(self, outcome: Outcome) -> None:
        if self.kind == ".csv":
            self._csv.writerow([_cell(outcome[f]) for f in self.fields])
        else:
            row = {f: _json_value(outcome[f]) for f in self.fields}
            self._handle.write(("," if self.rows else "") + "\n  " + json.dumps(row))
        self.rows += 1
        self._handle.flush()

    def close(self) -> None:
        if self._handle.closed:
            return
        if self.kind == ".json":
            self._handle.write("\n]\n")
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
