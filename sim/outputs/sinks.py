"""Where finished chunks go when not to a results directory: memory, and memory with a
row file beside it. Every sink keeps what it was given, whatever happens next, so an
interrupted run keeps every finished chunk."""

from __future__ import annotations

from sim.experiments.chunks import Chunk, Intervals
from sim.model.outcomes import Columns
from sim.outputs.rows import RowWriter


class MemorySink:
    """Keeps outcome columns in memory, and streams rows to a CSV or JSON file."""

    def __init__(self, fields: list[str], writer: RowWriter | None = None) -> None:
        self.fields = fields
        self.writer = writer
        self._columns: Columns = {name: [] for name in fields}

    def done(self) -> Intervals:
        return Intervals()

    def write(self, chunk: Chunk) -> None:
        for name in self.fields:
            self._columns[name].extend(chunk.columns[name])
        if self.writer is not None:
            for index in range(chunk.rows):
                self.writer.write({name: chunk.columns[name][index] for name in self.fields})

    def columns(self, fields: list[str]) -> Columns:
        """The named columns (and ``replication``), in replication order."""
        order = sorted(
            range(len(self._columns["replication"])), key=self._columns["replication"].__getitem__
        )
        wanted = list(dict.fromkeys(["replication", *fields]))
        return {name: [self._columns[name][i] for i in order] for name in wanted}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
