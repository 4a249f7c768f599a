"""Experimental designs over scenario parameters: full grids, Latin hypercubes and
Sobol sequences (scipy.stats.qmc).

A varied parameter is a dotted scenario path with a SPEC: a list of values
(``0.2,0.5,0.8``) or a range ``LOW:HIGH:COUNT`` (COUNT evenly spaced values for a
grid; LHS and Sobol sample the interval and ignore COUNT). A parameter whose value in
the scenario is a whole number stays whole.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.scenario import Override, build_scenario
from sim.scenario.reader import is_whole
from sim.scenario.spec import Scenario

DESIGNS = ("grid", "lhs", "sobol")
MAX_POINTS = 100_000  # points in one design; a larger one is refused before it is built


def check_points(count: int, option: str, shown: str) -> None:
    if count > MAX_POINTS:
        raise InputError(option, shown, f"{count} points; at most {MAX_POINTS} points in a design")


@dataclass(frozen=True, slots=True)
class Factor:
    """One varied parameter: its path, and either listed ``values`` or a range."""

    path: str
    values: tuple[float, ...] = ()
    low: float = math.nan
    high: float = math.nan
    whole: bool = False

    @property
    def is_range(self) -> bool:
        return not self.values

    def describe(self) -> dict[str, Any]:
        if self.is_range:
            return {"path": self.path, "low": self.low, "high": self.high, "whole": self.whole}
        return {"path": self.path, "values": list(self.values), "whole": self.whole}


def _number(text: str, option: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(option, spec, f"expected numbers, got {text!r}") from None
    if not math.isfinite(value):
        raise InputError(option, spec, f"expected finite numbers, got {text!r}")
    return value


def parse_factor(text: str, option: str = "--vary") -> Factor:
    """``PATH=SPEC`` from the command line (whole-number detection comes later)."""
    path, sep, spec = text.partition("=")
    if not sep or not path.strip() or not spec.strip():
        raise InputError(
            option, text, "expected PATH=SPEC, e.g. actors.nfl.retaliation.probability=0.1:0.9:9"
        )
    return factor_from_spec(path.strip(), spec.strip(), f"{option} {text}")


def parse_factors(
    vary: Mapping[str, Any] | Sequence[str | Factor] | str, option: str = "--vary"
) -> list[Factor]:
    """Factors from ``{"path": SPEC}`` (a SPEC string or a list of numbers), or from
    ``"PATH=SPEC"`` strings (or ready ``Factor`` objects)."""
    if isinstance(vary, Mapping):
        return [factor_from_spec(path, spec, f"{option} {path}") for path, spec in vary.items()]
    if isinstance(vary, str):  # one factor, not its characters
        vary = [vary]
    return [f if isinstance(f, Factor) else parse_factor(f, option) for f in vary]


def factor_from_spec(path: str, spec: Any, option: str) -> Factor:
    """A factor from a SPEC string, or from a TOML array of numbers."""
    if isinstance(spec, tuple):
        spec = list(spec)
    if isinstance(spec, list):
        if not spec or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in spec
        ):
            raise InputError(option, path, "expected a non-empty array of numbers")
        return Factor(path, tuple(float(v) for v in spec))
    if not isinstance(spec, str):
        raise InputError(
            option, path, "expected a list such as 0.2,0.5,0.8 or a range LOW:HIGH:COUNT"
        )
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise InputError(
                option, path, f"expected a range LOW:HIGH or LOW:HIGH:COUNT, got {spec!r}"
            )
        low, high = (_number(p, option, path) for p in parts[:2])
        if not high > low:
            raise InputError(option, path, f"expected LOW < HIGH in {spec!r}")
        if len(parts) == 3:
            if not is_whole(parts[2]) or int(parts[2]) < 2:
                raise InputError(option, path, f"expected a COUNT of at least 2 in {spec!r}")
            count = int(parts[2])
            check_points(count, option, path)
            values = tuple(float(v) for v in np.linspace(low, high, count))
            return Factor(path, values, low, high)
        return Factor(path, (), low, high)
    return Factor(path, tuple(_number(v.strip(), option, path) for v in spec.split(",")))


def _value_at(raw: Mapping[str, Any], path: str) -> Any:
    node: Any = raw
    for key in path.split("."):
        if isinstance(node, list) and is_whole(key) and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return None
    return node


def resolve_wholeness(factors: Sequence[Factor], raw: Mapping[str, Any]) -> list[Factor]:
    """Mark factors whose current value in the scenario is a whole number (counts,
    limits), so sampled values are rounded to whole numbers."""
    resolved = []
    for factor in factors:
        current = _value_at(raw, factor.path)
        whole = isinstance(current, int) and not isinstance(current, bool)
        resolved.append(Factor(factor.path, factor.values, factor.low, factor.high, whole))
    return resolved


def design_points(
    factors: Sequence[Factor], design: str, points: int | None, seed: int
) -> list[dict[str, float | int]]:
    """The points to run, each a mapping from path to value.

    A grid crosses every factor's values (ranges need a COUNT). LHS and Sobol draw
    ``points`` points from the factors' ranges, scrambled from ``seed`` so the design
    is reproducible."""
    from scipy.stats import qmc

    if design not in DESIGNS:
        raise InputError("--design", design, f"expected one of {', '.join(DESIGNS)}")
    if design == "grid":
        for factor in factors:
            if not factor.values:
                raise InputError("--vary", factor.path, "a grid needs values or LOW:HIGH:COUNT")
        check_points(math.prod(len(f.values) for f in factors), "--vary", "the grid")
        combos = itertools.product(*(f.values for f in factors))
        rows = [dict(zip((f.path for f in factors), combo, strict=True)) for combo in combos]
    else:
        for factor in factors:
            if not factor.is_range and math.isnan(factor.low):
                raise InputError(
                    "--vary", factor.path, f"{design} needs a range LOW:HIGH, not a list"
                )
        if points is not None:
            check_points(points, "--points", str(points))
        if points is None or points < 1:
            raise InputError(
                f"--design {design}",
                "",
                "needs --points K, how many points to sample (e.g. --points 32)",
            )
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31,)))
        d = len(factors)
        sampler: qmc.QMCEngine = (
            qmc.LatinHypercube(d=d, rng=rng)
            if design == "lhs"
            else qmc.Sobol(d=d, scramble=True, rng=rng)
        )
        unit = sampler.random(points)
        scaled = qmc.scale(unit, [f.low for f in factors], [f.high for f in factors])
        rows = [{f.path: float(v) for f, v in zip(factors, row, strict=True)} for row in scaled]
    whole = {f.path for f in factors if f.whole}
    return [{p: (round(v) if p in whole else float(v)) for p, v in row.items()} for row in rows]


def point_scenario(
    raw: Mapping[str, Any], origin: str, base: Sequence[Override], point: Mapping[str, Any]
) -> Scenario:
    """The scenario at one design point: the base overrides, then the point's values."""
    overrides = list(base) + [
        Override(path, value, f"--vary {path}") for path, value in point.items()
    ]
    return build_scenario(raw, origin, overrides)
