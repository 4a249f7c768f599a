"""Reading TOML tables with one-line errors that name the origin, the key path and what
was expected. Every key a builder asks for counts as valid; ``close`` rejects the rest
with the nearest valid name."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from sim.errors import InputError
from sim.scenario import distributions as dist
from sim.scenario.distributions import Distribution

MISSING: Any = object()

# Bounds on what a scenario can say, so that every value that validates can be simulated:
# amounts (rates, means, intensities, lethality, claims) up to LARGEST, counts of people
# and sites up to MOST_PEOPLE, coefficients of variation in CV, and the shape of a
# negative binomial count in DISPERSION (its mixing gamma's CV is 1 / sqrt(shape), so
# the same bounds).
LARGEST = 1e6
MOST_PEOPLE = 1_000_000_000
CV = (0.001, 100.0)
DISPERSION = (1e-4, 1e6)


def is_whole(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts superscripts such as "²"."""
    return re.fullmatch(r"[0-9]+", text) is not None


class Source:
    """Where values came from: a file, except the paths that options replaced."""

    def __init__(self, file: str, replaced: Mapping[str, str] | None = None) -> None:
        self.file = file
        self.replaced = dict(replaced or {})

    def origin(self, path: str) -> str:
        for replaced_path, option in self.replaced.items():
            if path == replaced_path or path.startswith(replaced_path + "."):
                return option
        return self.file


def show(value: object) -> str:
    """A TOML-ish rendering of a value for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        if len(value) <= 6 and all(isinstance(v, str | int | float) for v in value):
            return "[" + ", ".join(show(v) for v in value) + "]"
        return "an array"
    return str(value)


def _range_text(low: float | None, high: float | None, low_open: bool) -> str:
    if low is not None and high is not None:
        return f"a number between {low:g} and {high:g}"
    if low is not None:
        return f"a number {'>' if low_open else '>='} {low:g}"
    return "a number"


class Table:
    """One TOML table under a key path."""

    def __init__(self, data: Mapping[str, Any], path: str, source: Source) -> None:
        self.data = data
        self.path = path
        self.source = source
        self._asked: list[str] = []

    def path_of(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str) -> NoReturn:
        path = self.path_of(key) if key else self.path
        raise InputError(self.source.origin(path), path, expected)

    def has(self, key: str) -> bool:
        self._ask(key)
        return key in self.data

    def _ask(self, key: str) -> None:
        if key not in self._asked:
            self._asked.append(key)

    def _raw(self, key: str, default: Any, expected: str) -> Any:
        self._ask(key)
        if key in self.data:
            return self.data[key]
        if default is MISSING:
            unasked = [k for k in self.data if k not in self._asked]
            close = difflib.get_close_matches(key, unasked, n=1, cutoff=0.6)
            if close:  # a misspelling of a required key: name it, with the right spelling
                self.fail(close[0], f"unknown key; did you mean {key}?")
            self.fail(key, f"missing; expected {expected}")
        return default

    def number(
        self,
        key: str,
        default: Any = MISSING,
        *,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        what: str | None = None,
        infinite: bool = False,
    ) -> float:
        """A number within the bounds (at most ``LARGEST`` unless ``high`` says more);
        an infinite one only where ``infinite`` says it means "unlimited"."""
        if high is None:
            high = LARGEST
        expected = what or _range_text(low, high, low_open)
        value = self._raw(key, default, expected)
        if key not in self.data:
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self.fail(key, f"expected {expected}, got {show(value)}")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = value > high and not (math.isinf(value) and infinite)
        if too_low or too_high or (math.isinf(value) and not infinite):
            self.fail(key, f"expected {expected}, got {show(value)}")
        return float(value)

    def probability(self, key: str, default: Any = MISSING) -> float:
        return self.number(key, default, low=0.0, high=1.0, what="a probability between 0 and 1")

    def positive(
        self,
        key: str,
        default: Any = MISSING,
        unit: str = "",
        infinite: bool = False,
        high: float | None = None,
    ) -> float:
        suffix = f" of {unit}" if unit else ""
        what = f"a positive number{suffix} up to {high or LARGEST:g}"
        return self.number(
            key, default, low=0.0, high=high, low_open=True, what=what, infinite=infinite
        )

    def non_negative(
        self, key: str, default: Any = MISSING, unit: str = "", high: float | None = None
    ) -> float:
        what = f"a number{f' of {unit}' if unit else ''} from 0 up to {high or LARGEST:g}"
        return self.number(key, default, low=0.0, high=high, what=what)

    def cv(self, key: str, default: Any = MISSING, zero: bool = False) -> float:
        """A coefficient of variation (sd / mean); 0 means none where ``zero`` allows."""
        low, high = CV
        what = f"a coefficient of variation from {low:g} to {high:g}" + (" (or 0)" if zero else "")
        value = self.number(key, default, low=0.0, high=high, what=what)
        if key in self.data and value < low and not (zero and value == 0):
            self.fail(key, f"expected {what}, got {show(self.data[key])}")
        return value

    def integer(
        self, key: str, default: Any = MISSING, *, low: int = 0, high: int = MOST_PEOPLE
    ) -> int:
        expected = f"a whole number from {low} to {high}"
        value = self._raw(key, default, expected)
        if key not in self.data:
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"expected {expected}, got {show(value)}")
        return value

    def string(self, key: str, default: Any = MISSING, choices: Iterable[str] = ()) -> str:
        options = tuple(choices)
        expected = f"one of {', '.join(options)}" if options else "a string"
        value = self._raw(key, default, expected)
        if key not in self.data:
            return str(value)
        if not isinstance(value, str):
            self.fail(key, f"expected {expected}, got {show(value)}")
        if options and value not in options:
            self.fail(key, f"expected {expected}, got {show(value)}{_nearest(value, options)}")
        return value

    def boolean(self, key: str, default: Any = MISSING) -> bool:
        value = self._raw(key, default, "true or false")
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {show(value)}")
        return value

    def date(self, key: str) -> dt.date | None:
        value = self._raw(key, None, "a date")
        if value is None:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(key, f"expected a date such as 2020-10-26, got {show(value)}")

    def strings(self, key: str, default: Any = MISSING) -> tuple[str, ...]:
        value = self._raw(key, default, "an array of strings")
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"expected an array of strings, got {show(value)}")
        return tuple(value)

    def integers(self, key: str, default: Any = MISSING, *, low: int = 0, high: int) -> list[int]:
        """A whole number or an array of them, each from ``low`` to ``high``, sorted."""
        expected = f"a whole number or an array of them, each from {low} to {high}"
        value = self._raw(key, default, expected)
        found = value if isinstance(value, list) else [value]
        if not found or not all(
            isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in found
        ):
            self.fail(key, f"expected {expected}, got {show(value)}")
        return sorted(set(found))

    def table(self, key: str, required: bool = False) -> Table | None:
        value = self._raw(key, MISSING if required else None, "a table")
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"expected a table, got {show(value)}")
        return Table(value, self.path_of(key), self.source)

    def named_tables(self, key: str, required: bool = False) -> list[tuple[str, Table]]:
        """The sub-tables of ``key``, each under its own name, in file order."""
        outer = self.table(key, required)
        if outer is None:
            return []
        found = []
        for name, value in outer.data.items():
            outer._ask(name)
            if not isinstance(value, Mapping):
                outer.fail(name, f"expected a table, got {show(value)}")
            found.append((name, Table(value, outer.path_of(name), self.source)))
        return found

    def array_of_tables(self, key: str) -> list[Table]:
        value = self._raw(key, [], "an array of tables")
        if not isinstance(value, list):
            self.fail(key, f"expected an array of tables, got {show(value)}")
        tables = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.fail(f"{key}.{index}", f"expected a table, got {show(item)}")
            tables.append(Table(item, self.path_of(f"{key}.{index}"), self.source))
        return tables

    def distribution(self, key: str, default: Any = MISSING, unit: str = "") -> Distribution:
        """A plain number (fixed) or an inline table naming a distribution."""
        kinds = ", ".join(dist.KINDS)
        expected = f"a number or a table with distribution = one of {kinds}"
        value = self._raw(key, default, expected)
        if key not in self.data:
            return value  # type: ignore[no-any-return]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dist.Fixed(self.non_negative(key, unit=unit))
        inner = self.table(key)
        if inner is None:  # unreachable: _raw returned a value
            self.fail(key, f"expected {expected}")
        kind = inner.string("distribution", choices=dist.KINDS)
        if kind == "fixed":
            made: Distribution = dist.Fixed(inner.non_negative("value", unit=unit))
        elif kind == "exponential":
            made = dist.Exponential(inner.positive("mean", unit=unit))
        elif kind in ("gamma", "lognormal"):
            mean = inner.positive("mean", unit=unit)
            cv = inner.cv("cv")
            made = dist.Gamma(mean, cv) if kind == "gamma" else dist.LogNormal(mean, cv)
        else:
            low = inner.non_negative("low", unit=unit)
            high = inner.number("high", low=low, low_open=True, what=f"a number > low ({low:g})")
            made = dist.Uniform(low, high)
        inner.close()
        return made

    def close(self, kind: str = "") -> None:
        """Reject keys nobody asked for, naming the nearest valid one."""
        for key in self.data:
            if key not in self._asked:
                where = f" for {kind}" if kind else ""
                self.fail(key, f"unknown key{where}{_nearest(key, self._asked, valid=True)}")


def _nearest(word: str, options: Iterable[str], valid: bool = False) -> str:
    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]}?"
    if valid and options:
        return f"; valid keys: {', '.join(options)}"
    return ""
