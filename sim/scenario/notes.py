"""The notes a scenario file gives its values: the comment at the end of a value's line
(``horizon = 60  # ASSUMPTION: ...``), by the value's dotted path as an override names
it (``scenario.horizon``, ``openings.0.deaths``). Scenario files mark each value FACT or
ASSUMPTION there; a report shows the note beside the value.

TOML parsers drop comments, so this reads the lines: table headers, arrays of tables
and ``key = value  # note`` lines (a value that spans lines keeps the note of its
first line).
"""

from __future__ import annotations

import re
from pathlib import Path

HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
ENTRY = re.compile(r"^\s*([A-Za-z0-9_\-\".]+)\s*=\s*(.*)$")


def _comment(text: str) -> str | None:
    """The comment after a value, outside any quoted string."""
    quote: str | None = None
    escaped = False
    for index, char in enumerate(text):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return text[index + 1 :].strip() or None
    return None


def notes(path: str | Path) -> dict[str, str]:
    """Each value's note in the scenario file at ``path`` (empty if it cannot be read)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}
    table = ""
    arrays: dict[str, int] = {}
    for line in lines:
        header = HEADER.match(line)
        if header:
            name = header[2].replace('"', "")
            if header[1] == "[[":
                arrays[name] = arrays.get(name, -1) + 1
                table = f"{name}.{arrays[name]}"
            else:
                table = name
            continue
        entry = ENTRY.match(line)
        if entry:
            note = _comment(entry[2])
            if note:
                key = entry[1].replace('"', "")
                found[f"{table}.{key}" if table else key] = note
    return found
