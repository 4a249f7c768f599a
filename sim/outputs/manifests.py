"""Manifests of results and sweep directories: created or resumed, written atomically,
with the versions of what ran.

A directory is created for a run, or resumed when its manifest holds the same identity
(the scenario and seed of a run, the design of a sweep); anything else is refused, so
results of different runs never mix.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sim
from sim import compiled
from sim.errors import InputError

KEY_PACKAGES = ("simpy", "numpy", "scipy", "click", "pyarrow", "dask", "distributed")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions() -> dict[str, Any]:
    """The versions of truce, Python and the key dependencies (None: not installed),
    and whether the model ran compiled."""
    from importlib import metadata

    found: dict[str, str | None] = {}
    for package in KEY_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return {
        "truce_version": sim.__version__,
        "compiled": compiled.in_use(),  # the model's modules compiled (sim.compiled)
        "python": platform.python_version(),
        "dependencies": found,
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name of its own (two writers never share one), then
    rename: a killed process leaves the whole file or none of it, and a write that
    fails (a full disk) leaves no temporary file behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def writable(path: str | Path, option: str) -> None:
    """Check, before any work, that ``path`` can be written: its folder exists and is
    not read-only."""
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(option, str(path), f"its folder {target.parent} does not exist")
    existed = target.exists()
    try:
        with open(target, "a"):
            pass
    except OSError as error:
        raise InputError(option, str(path), f"cannot be written ({error.strerror})") from None
    if not existed:
        target.unlink(missing_ok=True)


def remove_temporary_files(directory: Path) -> None:
    """Temporary files a killed writer left (only the lock's holder calls this)."""
    for stale in directory.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    write_atomically(path, (json.dumps(data, indent=2) + "\n").encode())


def as_json(data: Any) -> Any:
    """``data`` as it reads back from JSON (tuples become lists, keys strings)."""
    return json.loads(json.dumps(data))


# what the entries of a manifest must be, by type, in the words of an error
TYPE_NAMES = {dict: "a table", list: "a list", int: "a whole number", str: "text"}


def checked(
    manifest: Any, fmt: str, shape: Mapping[str, type], path: Path, option: str
) -> dict[str, Any]:
    """``manifest`` if it is of format ``fmt`` and holds an entry of each type in
    ``shape``; a one-line error otherwise (a manifest edited or damaged by hand)."""
    if not isinstance(manifest, dict) or manifest.get("format") != fmt:
        raise InputError(option, str(path), f"expected a {fmt} manifest")
    for key, kind in shape.items():
        value = manifest.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InputError(
                option,
                str(path),
                f"its {key!r} entry is missing or not {TYPE_NAMES[kind]} "
                "(the manifest was edited or damaged)",
            )
    return manifest


def read_manifest(
    directory: Path,
    name: str,
    fmt: str,
    kind: str,
    option: str,
    legacy: str = "",
    shape: Mapping[str, type] | None = None,
) -> dict[str, Any]:
    """The manifest ``name`` (or, in a directory written before it was named so,
    ``legacy``) of a ``kind`` directory, checked to be of format ``fmt`` and to hold
    the entries of ``shape``."""
    path = directory / name
    if directory.exists() and not directory.is_dir():
        raise InputError(option, str(directory), f"is a file, not a {kind} directory")
    if legacy and not path.exists() and (directory / legacy).exists():
        path = directory / legacy
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(option, str(directory), f"is not a {kind} directory (no {name})") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(option, str(path), f"is not valid JSON ({error})") from None
    return checked(manifest, fmt, shape or {}, path, option)


def create_or_resume(
    directory: Path,
    name: str,
    fmt: str,
    kind: str,
    identity: Mapping[str, Any],
    another: str,
    fresh: Mapping[str, Any] | None = None,
    legacy: str = "",
    shape: Mapping[str, type] | None = None,
) -> dict[str, Any]:
    """The manifest of ``directory``: resumed if it holds the same ``identity``, else
    created (with ``fresh`` entries) in a new or empty directory. ``another`` names what
    a mismatching directory holds, for the error."""
    identity = as_json(identity)
    if (directory / name).exists() or (legacy and (directory / legacy).exists()):
        manifest = read_manifest(directory, name, fmt, kind, "--output", legacy, shape)
        if {key: manifest.get(key) for key in identity} != identity:
            raise InputError(
                "--output", str(directory), f"holds {another}; choose another directory"
            )
        return manifest
    ours = {"_lock"}  # the lock is taken before the manifest is written
    if directory.exists() and (
        not directory.is_dir() or any(p.name not in ours for p in directory.iterdir())
    ):
        raise InputError(
            "--output", str(directory), f"exists and is not a {kind} directory; choose another"
        )
    directory.mkdir(parents=True, exist_ok=True)
    return {"format": fmt, **(fresh or {}), **identity, "created": now(), "invocations": []}


def begin_invocation(manifest: dict[str, Any], command: Sequence[str], **entries: Any) -> None:
    """Record the start of a command on the directory (its end is filled in later)."""
    manifest.update(versions())
    manifest["invocations"].append(
        {"command": list(command), "started": now(), "finished": None, **entries}
    )
