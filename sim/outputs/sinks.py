"""Where finished chunks go when not to a results directory: memory, and memory with a
row file beside it. Every sink keeps what it was given, whatever happens next, so an
interrupted run keeps every finished chunk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.errors import InputError
from sim.experiments.chunks import Chunk, Intervals
from sim.model.daily import DailyData
from sim.model.outcomes import Columns
from sim.outputs.rows import RowWriter


class MemorySink:
    """Keeps outcome columns in memory, and streams rows to a CSV or JSON file in
    replication order: a chunk that finishes before the chunks ahead of it waits for
    them (it is held in memory anyway), so the file's bytes never depend on the workers.
    With ``daily``, it keeps the chunks' daily series too (as numpy arrays).
    """

    def __init__(
        self, fields: list[str], writer: RowWriter | None = None, daily: bool = False
    ) -> None:
        self.fields = fields
        self.writer = writer
        self._keeps = daily
        self._daily: list[DailyData] = []
        self._columns: Columns = {name: [] for name in fields}
        self._next = 0  # the first replication not yet in the row file
        self._waiting: dict[int, Chunk] = {}

    def done(self) -> Intervals:
        return Intervals()

    @property
    def daily(self) -> bool:
        return self._keeps

    def write(self, chunk: Chunk) -> None:
        for name in self.fields:
            self._columns[name].extend(chunk.columns[name])
        if self.daily and chunk.daily is not None:
            self._daily.append(chunk.daily)
        if self.writer is None:
            return
        self._waiting[chunk.first] = chunk
        while self._next in self._waiting:
            ready = self._waiting.pop(self._next)
            self._write_rows(ready)
            self._next = ready.first + ready.count

    def _write_rows(self, chunk: Chunk) -> None:
        writer = self.writer
        assert writer is not None
        if writer.broken:
            return
        try:
            for index in range(chunk.rows):
                writer.write({name: chunk.columns[name][index] for name in self.fields})
        except OSError:
            writer.cut()  # the file ends on its last whole row
            raise

    def columns(self, fields: list[str]) -> Columns:
        """The named columns (and ``replication``), in replication order."""
        order = sorted(
            range(len(self._columns["replication"])), key=self._columns["replication"].__getitem__
        )
        wanted = list(dict.fromkeys(["replication", *fields]))
        return {name: [self._columns[name][i] for i in order] for name in wanted}

    def daily_arrays(self, names: Sequence[str]) -> DailyData:
        """The named daily series (with ``replication`` and ``day``), sorted by
        replication and day."""
        if not self.daily:
            raise InputError(
                "daily", "off", "this run kept no daily series; run it with daily series on"
            )
        wanted = list(dict.fromkeys(["replication", "day", *names]))
        if not self._daily:
            return {name: np.zeros(0) for name in wanted}
        joined = {name: np.concatenate([part[name] for part in self._daily]) for name in wanted}
        order = np.lexsort((joined["day"], joined["replication"]))
        # counts travel as int32; they read back as int64, as from a results directory
        return {
            name: values[order].astype(np.int64) if values.dtype == np.int32 else values[order]
            for name, values in joined.items()
        }

    def close(self) -> None:
        """Write what still waits (after an interrupt, chunks beyond a gap), still in
        replication order, and close the row file."""
        if self.writer is None:
            return
        for first in sorted(self._waiting):
            self._write_rows(self._waiting.pop(first))
        self.writer.close()

    @property
    def rows_written(self) -> int:
        return self.writer.rows if self.writer is not None else 0
