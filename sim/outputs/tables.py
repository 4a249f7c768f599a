"""Text for people: aligned tables for a terminal, and the README's outcome table.
Everything here formats data computed elsewhere; nothing is computed here."""

from __future__ import annotations

from sim.model.catalogue import CATALOGUE, Field

KIND_NAMES = {bool: "true/false", int: "whole number", float: "number", str: "text"}


def catalogue_markdown(entries: tuple[Field, ...] = CATALOGUE) -> str:
    """The outcome catalogue as the README's Markdown table."""
    lines = ["| field | type | unit | meaning |", "| --- | --- | --- | --- |"]
    for entry in entries:
        name = entry.name.replace("{actor}", "ID")
        meaning = entry.meaning
        if entry.per is not None:
            meaning += f" (one field per {'armed actor' if entry.per == 'armed' else 'guarantor'})"
        if entry.when is not None:
            meaning += f"; empty unless {entry.when}"
        lines.append(f"| `{name}` | {KIND_NAMES[entry.kind]} | {entry.unit} | {meaning} |")
    return "\n".join(lines)
