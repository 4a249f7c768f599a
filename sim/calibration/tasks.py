"""The finished tasks of a calibration, kept as they finish so that an interrupted
or killed calibration loses none of them.

A task (one particle of one sampling round, see ``sim.calibration.abc``) is a pure
function of the calibration's settings and its round and index, so a rerun of the same
command replays the kept tasks instead of simulating them again and reaches the same
posterior, to the byte. The store is an SQLite file with one row per task, keyed by
round and index: a task is written once, in a transaction, so a kill mid-write keeps the
file whole and never holds a task twice. The settings' fingerprint is kept beside the
tasks; a rerun with other settings is refused rather than mixing two calibrations.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from sim.errors import InputError

FILE = "tasks.sqlite"


def fingerprint(settings: Any) -> str:
    """A digest of everything a task's result depends on."""
    text = json.dumps(settings, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class TaskStore:
    """Finished tasks by (round, index), in ``directory``/tasks.sqlite."""

    def __init__(self, directory: Path, settings: Any) -> None:
        self.path = directory / FILE
        digest = fingerprint(settings)
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None)
            self.connection.executescript(
                "CREATE TABLE IF NOT EXISTS settings (digest TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS tasks (round INTEGER, task INTEGER, "
                "particles BLOB NOT NULL, PRIMARY KEY (round, task));"
            )
            stored = self.connection.execute("SELECT digest FROM settings").fetchone()
        except sqlite3.Error as error:
            raise InputError(
                "--output", str(directory), f"cannot keep its tasks ({error})"
            ) from None
        if stored is None:
            self.connection.execute("INSERT INTO settings VALUES (?)", (digest,))
        elif stored[0] != digest:
            self.connection.close()
            raise InputError(
                "--output",
                str(directory),
                "holds an unfinished calibration with other settings; run its own command "
                "again to resume it, or name a new folder",
            )

    def get(self, round_: int, task: int) -> bytes | None:
        row = self.connection.execute(
            "SELECT particles FROM tasks WHERE round = ? AND task = ?", (round_, task)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, round_: int, task: int, particles: bytes) -> None:
        self.connection.execute(
            "INSERT OR IGNORE INTO tasks VALUES (?, ?, ?)", (round_, task, particles)
        )

    def __len__(self) -> int:
        return int(self.connection.execute("SELECT COUNT(*) FROM tasks").fetchone()[0])

    def close(self) -> None:
        self.connection.close()
