"""Loading a scenario file, with overrides, into a validated ``Scenario``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.scenario.builder import Builder
from sim.scenario.overrides import Overrides, check_depth, overridden, to_overrides
from sim.scenario.reader import Source, Table
from sim.scenario.spec import Scenario


def read_toml(path: str | Path) -> dict[str, Any]:
    """The parsed file, or a InputError naming the file and what is wrong with it."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(name, "", "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "", "is a directory, expected a scenario file") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(name, "", f"not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise InputError(name, "", "not valid TOML (not UTF-8 text)") from None
    except RecursionError:
        raise InputError(name, "", "not valid TOML (nested too deeply)") from None
    except OSError as error:
        raise InputError(name, "", f"cannot be read ({error.strerror})") from None
    check_depth(data, name)
    return data


def load_scenario(path: str | Path, overrides: Overrides = ()) -> Scenario:
    """Read, override and validate a scenario file. ``overrides`` are ``"PATH=VALUE"``
    strings, a mapping of paths to values, or ``Override`` objects."""
    return build_scenario(read_toml(path), str(path), overrides)


def build_scenario(
    raw: Mapping[str, Any], origin: str = "<scenario>", overrides: Overrides = ()
) -> Scenario:
    """Override and validate parsed scenario data; ``origin`` names it in errors."""
    data, origins = overridden(dict(raw), to_overrides(overrides))
    return Builder(Table(data, "", Source(origin, origins))).scenario()
