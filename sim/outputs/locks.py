"""An exclusive lock on a directory being written, so that two runs never write one
results or sweep directory at once.

The lock is ``flock`` on ``DIR/_lock``: the system releases it when its holder exits,
however it exits (a SIGKILL included), so a killed run never leaves a directory locked.
The file names the holder (process, host, start, command) for the refusal's message.
Where ``fcntl`` is missing (Windows), directories are not locked.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sim.errors import InputError
from sim.outputs.manifests import now

try:
    import fcntl as _fcntl
except ImportError:  # not on Linux or macOS
    _fcntl = None  # type: ignore[assignment]
fcntl: Any = _fcntl

NAME = "_lock"


class DirectoryLock:
    """Held while a command writes ``directory``; refused, naming the holder, while
    another process holds it."""

    def __init__(self, directory: Path, command: Sequence[str] = ()) -> None:
        self.path = directory / NAME
        self.directory = directory
        self.command = list(command)
        self._handle: IO[str] | None = None

    def acquire(self) -> DirectoryLock:
        if fcntl is None:
            return self
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise InputError(
                "--output", str(self.directory), f"cannot be written ({error.strerror})"
            ) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = _describe(handle.read())
            handle.close()
            raise InputError(
                "--output",
                str(self.directory),
                f"another run is writing it ({holder}); wait for it to finish, "
                "or choose another directory",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "process": os.getpid(),
                    "host": socket.gethostname(),
                    "since": now(),
                    "command": self.command,
                }
            )
        )
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None and fcntl is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
        self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def __enter__(self) -> DirectoryLock:
        return self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def is_locked(directory: Path) -> bool:
    """Whether some process holds ``directory``'s lock now."""
    path = directory / NAME
    if fcntl is None or not path.exists():
        return False
    with open(path, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False


def _describe(text: str) -> str:
    try:
        holder: dict[str, Any] = json.loads(text)
    except ValueError:
        return "another process"
    return f"process {holder.get('process')} on {holder.get('host')}, since {holder.get('since')}"
