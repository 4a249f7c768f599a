"""The chunk files of a results directory, checked before they are trusted.

Each chunk, when written, is recorded in ``DIR/_chunks.jsonl`` (append-only): its name,
replications, rows, bytes and SHA-256, and the same of its daily series file. A file
is *damaged* when it is empty, when its size or checksum differs from its record,
when it has no Parquet footer, or when it
holds more rows than its name's replications (or other than its record's). Chunks
whose replications *overlap* others (written by another writer, with another
``--chunk``) are never counted twice: readers keep each replication once (every copy
of a replication is the same, since it depends only on the seed), and a writer keeps
a set of chunks without overlaps, dropping those the others cover and recomputing any
replications that the dropped ones alone held.

Readers check sizes (and footers where no record exists); a writer resuming the
directory also checks every checksum and footer, and removes what it cannot trust so
that the run recomputes those replications.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORDS = "_chunks.jsonl"
NAME = re.compile(r"^([0-9]{9,})-([0-9]{9,})\.parquet$")


@dataclass(frozen=True, slots=True)
class ChunkFile:
    """A chunk file: replications ``first`` .. ``last``."""

    path: Path
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def name(self) -> str:
        return self.path.name

    def describe(self) -> str:
        return f"replications {self.first}..{self.last}"


def chunk_files(folder: Path) -> list[ChunkFile]:
    """The chunk files in ``folder``, by their first replication."""
    found = []
    for path in folder.glob("*.parquet"):
        match = NAME.match(path.name)
        if match:
            first, last = int(match[1]), int(match[2])
            if last >= first:
                found.append(ChunkFile(path, first, last))
    return sorted(found, key=lambda c: (c.first, -c.count))


def records(directory: Path) -> dict[str, dict[str, Any]]:
    """The last record written for each chunk name (a torn last line is ignored)."""
    path = directory / RECORDS
    found: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "name" in record:
            found[str(record["name"])] = record
    return found


def record(
    directory: Path,
    path: Path,
    first: int,
    count: int,
    rows: int,
    data: bytes,
    daily: tuple[int, bytes] | None = None,
) -> None:
    """Append a chunk's record once its file (and its ``daily`` file: rows and bytes)
    is in place."""
    entry: dict[str, Any] = {
        "name": path.name,
        "first": first,
        "count": count,
        "rows": rows,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if daily is not None:
        entry["daily"] = {
            "rows": daily[0],
            "bytes": len(daily[1]),
            "sha256": hashlib.sha256(daily[1]).hexdigest(),
        }
    line = json.dumps(entry)
    with open(directory / RECORDS, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def problem(
    chunk: ChunkFile,
    written: dict[str, Any] | None,
    deep: bool,
    parquet: Any,
    companions: Path | None = None,
) -> str | None:
    """Why ``chunk`` cannot be trusted, or None. ``deep`` also checks its checksum and
    footer where it has a record (readers check sizes only, and footers of chunks
    written before records were kept). With ``companions``, the folder of the chunks'
    daily files, the chunk's daily file is checked the same way."""
    own = _problem(chunk, written, deep, parquet)
    if own is not None or companions is None:
        return own
    daily = ChunkFile(companions / chunk.name, chunk.first, chunk.last)
    if not daily.path.exists():
        return "its daily series file is missing"
    why = _problem(daily, (written or {}).get("daily"), deep, parquet, per=None)
    return None if why is None else f"its daily series file: {why}"


def _problem(
    chunk: ChunkFile, written: dict[str, Any] | None, deep: bool, parquet: Any, per: int | None = 1
) -> str | None:
    """``problem`` for one file; ``per`` rows a replication at most (None: any)."""
    try:
        size = chunk.path.stat().st_size
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if size == 0:
        return "empty"
    if written is not None and size != written.get("bytes"):
        return f"{size} bytes where {written.get('bytes')} were written (cut short?)"
    if written is not None and deep and _sha256(chunk.path) != written.get("sha256"):
        return "its checksum differs from the one written"
    if written is None or deep:
        try:
            rows = parquet.read_metadata(chunk.path).num_rows
        except Exception:
            return "not a readable Parquet file (no footer)"
        if per is not None and rows > chunk.count * per:
            return f"{rows} rows for {chunk.count} replications"
        if written is not None and rows != written.get("rows"):
            return f"{rows} rows where {written.get('rows')} were written"
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Inventory:
    """What a directory's chunks hold: those to read, the damaged ones (with why), and
    those left out because they overlap a kept one."""

    good: list[ChunkFile]  # sound, possibly overlapping: a reader keeps each replication once
    damaged: list[tuple[ChunkFile, str]]
    overlapping: list[tuple[ChunkFile, ChunkFile]]  # (a chunk to drop, one it overlaps)


def inventory(
    directory: Path,
    folder: Path,
    parquet: Any,
    deep: bool = False,
    companions: Path | None = None,
) -> Inventory:
    """Check every chunk in ``folder`` (and its daily file in ``companions``) and
    choose those to read."""
    written = records(directory)
    good: list[ChunkFile] = []
    damaged: list[tuple[ChunkFile, str]] = []
    for chunk in chunk_files(folder):
        why = problem(chunk, written.get(chunk.name), deep, parquet, companions)
        if why is None:
            good.append(chunk)
        else:
            damaged.append((chunk, why))
    return Inventory(good, damaged, _to_drop(good))


def _to_drop(chunks: Iterable[ChunkFile]) -> list[tuple[ChunkFile, ChunkFile]]:
    """The chunks a writer drops to leave none overlapping: first those that the others
    cover whole (largest first), then, of chunks still overlapping, the later one."""
    kept = sorted(chunks, key=lambda c: (c.first, -c.count))
    dropped: list[tuple[ChunkFile, ChunkFile]] = []
    for chunk in sorted(kept, key=lambda c: -c.count):
        others = [c for c in kept if c is not chunk]
        if _covered(chunk, others):
            kept.remove(chunk)
            clash = next(c for c in others if c.first <= chunk.last and chunk.first <= c.last)
            dropped.append((chunk, clash))
    disjoint: list[ChunkFile] = []
    for chunk in kept:  # sorted by first: only the last kept can reach this one
        if disjoint and chunk.first <= disjoint[-1].last:
            dropped.append((chunk, disjoint[-1]))
        else:
            disjoint.append(chunk)
    return dropped


def _covered(chunk: ChunkFile, others: list[ChunkFile]) -> bool:
    """Whether ``others`` hold every replication of ``chunk``."""
    reach = chunk.first
    for other in sorted(others, key=lambda c: c.first):
        if other.first > reach:
            break
        reach = max(reach, other.last + 1)
        if reach > chunk.last:
            return True
    return False
