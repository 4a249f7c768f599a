"""The calibrated scenario file: the scenario's own text, with each fitted value
replaced by its posterior median and a comment saying that it was fitted, to what, and
with what uncertainty; values the calibration set with ``--set`` say so too.

tomlkit edits the text in place, so the file's layout and every other comment survive;
a replaced value's own comment is kept after the new one.
A value inside an inline table (``lag = { distribution = "exponential", mean = 1.0 }``)
carries its comment on the inline table's line; a value the file left to its default
is added to its table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.optional import require

MARK = "FITTED"


@dataclass(frozen=True)
class Change:
    """Put ``value`` at the dotted ``path``, with ``note`` beside it."""

    path: str
    value: Any
    note: str


def _segments(path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in path.split(".")]


def _place(document: Any, change: Change, notes: dict[int, tuple[Any, list[str]]]) -> None:
    tomlkit = require("tomlkit", "truce calibrate", "", "the calibrated scenario file")
    from tomlkit.items import InlineTable

    *parents, leaf = _segments(change.path)
    container: Any = document
    outer: Any = None  # the inline table's own item, where its comment goes
    for segment in parents:
        if isinstance(segment, str) and segment not in container:
            container[segment] = tomlkit.table()
        found = container[segment]
        if isinstance(found, InlineTable) and outer is None:
            outer = found
        container = found
    container[leaf] = change.value
    holder = outer if outer is not None else container[leaf]
    entry = notes.setdefault(id(holder), (holder, []))
    entry[1].append(change.note if outer is None else f"{leaf}: {change.note}")


def fitted_text(text: str, changes: Sequence[Change], header: Sequence[str]) -> str:
    """``text`` (a scenario file) with ``changes`` made, each commented, under
    ``header`` (comment lines, without their ``#``)."""
    tomlkit = require("tomlkit", "truce calibrate", "", "the calibrated scenario file")
    document = tomlkit.parse(text)
    notes: dict[int, tuple[Any, list[str]]] = {}
    for change in changes:
        _place(document, change, notes)
    for holder, lines in notes.values():
        had = holder.trivia.comment.lstrip("#").strip()
        holder.comment("; ".join(lines) + (f" [the file's note: {had}]" if had else ""))
    top = "".join(f"# {line}\n" if line else "#\n" for line in header)
    return top + "#\n" + str(tomlkit.dumps(document))


def data_text(raw: Mapping[str, Any]) -> str:
    """A scenario given as data, as TOML text to edit."""
    tomlkit = require("tomlkit", "truce calibrate", "", "the calibrated scenario file")
    return str(tomlkit.dumps(dict(raw)))
