"""Overrides: values replaced by dotted path (``actors.nfl.retaliation.probability``,
``openings.0.deaths``) before a scenario is validated, each remembering the option that
supplied it so that an error there blames the option rather than the file."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.scenario.reader import is_whole, show


@dataclass(frozen=True, slots=True)
class Override:
    """One replaced value: ``path`` (dotted, array items by index), its new ``value``,
    and the option text that supplied it, for error messages."""

    path: str
    value: Any
    option: str


def parse_override(text: str, option: str = "--set") -> Override:
    """``PATH=VALUE``; VALUE is read as a TOML value, or as a bare string if it is not one."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    label = f"{option} {text}"
    if not sep or not path:
        raise InputError(
            option, text, "expected PATH=VALUE, e.g. actors.nfl.retaliation.probability=0.4"
        )
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise InputError(label, path, "not valid TOML (nested too deeply)") from None
    check_depth(value, label)
    return Override(path, value, label)


DEEPEST = 32  # levels of tables and arrays: a scenario needs about six


def check_depth(data: Any, origin: str) -> None:
    """Refuse data nested deeper than ``DEEPEST`` (walked without recursion, so that
    nothing later recurses past Python's limit on it)."""
    waiting = [(data, 1)]
    while waiting:
        node, depth = waiting.pop()
        if isinstance(node, Mapping | list):
            if depth > DEEPEST:
                raise InputError(
                    origin, "", f"not valid TOML (nested too deeply: over {DEEPEST} levels)"
                )
            children = node.values() if isinstance(node, Mapping) else node
            waiting.extend((child, depth + 1) for child in children)


def to_overrides(given: Overrides) -> list[Override]:
    """Overrides from ``Override`` objects, ``"PATH=VALUE"`` strings (read as TOML
    values), or a mapping of paths to values."""
    if isinstance(given, Mapping):
        return [Override(str(path), value, f"override {path}") for path, value in given.items()]
    if isinstance(given, str):  # one override, not its characters
        given = [given]
    return [o if isinstance(o, Override) else parse_override(o) for o in given]


def overridden(
    raw: dict[str, Any], overrides: Sequence[Override]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The overridden copy, and the paths the overrides wrote or created, each with the
    option that did, so errors there blame the option rather than the file."""
    result = copy.deepcopy(raw)
    origins: dict[str, str] = {}
    for override in overrides:
        origins[override.path] = override.option
        keys = override.path.split(".")
        node: Any = result
        for depth, key in enumerate(keys[:-1]):
            where = ".".join(keys[: depth + 1])
            if isinstance(node, list):
                node = _item(node, key, where, override)
            elif isinstance(node, dict):
                if key not in node:
                    node[key] = {}
                    origins.setdefault(where, override.option)
                node = node[key]
            else:
                raise InputError(override.option, where, f"expected a table, got {show(node)}")
        last = keys[-1]
        if isinstance(node, list):
            index = _index(node, last, override.path, override)
            node[index] = override.value
        elif isinstance(node, dict):
            node[last] = override.value
        else:
            raise InputError(override.option, override.path, "the path runs through a value")
    return result, origins


def _index(items: list[Any], key: str, where: str, override: Override) -> int:
    if not is_whole(key) or int(key) >= len(items):
        raise InputError(override.option, where, f"expected an index from 0 to {len(items) - 1}")
    return int(key)


def _item(items: list[Any], key: str, where: str, override: Override) -> Any:
    return items[_index(items, key, where, override)]


Overrides = Mapping[str, Any] | Sequence["Override | str"] | str
