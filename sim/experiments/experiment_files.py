"""Experiment files: a sweep written down, and merged with options given beside it.

An experiment file has ``[experiment]`` (scenario, runs, seed, design, points, output,
metrics), ``[vary]`` (path = SPEC or array) and ``[set]`` (path = value). Its scenario
and output are relative to the file. Options given beside the file (on the command line, or as
arguments of ``sim.sweep``) take precedence over it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.experiments.designs import (
    DESIGNS,
    Factor,
    design_points,
    factor_from_spec,
    point_scenario,
    resolve_wholeness,
)
from sim.model.catalogue import check_columns, check_metric, find
from sim.scenario import Override, Scenario, build_scenario, read_toml
from sim.scenario.dump import scenario_to_data
from sim.scenario.reader import Source, Table


def metric_applies(scenario: Scenario, name: str) -> bool:
    found = find(scenario, name)
    return found is not None and found.applies(scenario)


DEFAULT_METRICS = (  # those the scenario has
    "collapsed",
    "guarantor_direct_action",
    "strikes",
    "retaliations",
    "longest_chain",
    "deaths",
    "personnel_killed",
    "peak_strain",
)


@dataclass(frozen=True)
class Experiment:
    """Everything a sweep needs. Built from an experiment file, from options, or both."""

    scenario_file: str
    raw: dict[str, Any]
    overrides: tuple[Override, ...] = ()
    factors: tuple[Factor, ...] = ()
    runs: int | None = None
    seed: int | None = None
    design: str | None = None
    points: int | None = None
    output: str | None = None
    metrics: tuple[str, ...] = ()

    def merged(
        self,
        *,
        overrides: Sequence[Override] = (),
        factors: Sequence[Factor] = (),
        runs: int | None = None,
        seed: int | None = None,
        design: str | None = None,
        points: int | None = None,
        output: str | None = None,
        metrics: Sequence[str] = (),
    ) -> Experiment:
        """This experiment with the given options taking precedence: overrides are
        added after the file's, a factor replaces the file's factor of the same path."""
        replaced = {f.path for f in factors}
        return dataclasses.replace(
            self,
            overrides=(*self.overrides, *overrides),
            factors=(*(f for f in self.factors if f.path not in replaced), *factors),
            runs=runs if runs is not None else self.runs,
            seed=seed if seed is not None else self.seed,
            design=design if design is not None else self.design,
            points=points if points is not None else self.points,
            output=output if output is not None else self.output,
            metrics=tuple(metrics) or self.metrics,
        )

    def finished(self) -> Experiment:
        """Defaults filled in, and what only the whole experiment can check checked."""
        if not self.factors:
            raise InputError("--vary", "", "a sweep needs at least one --vary PATH=SPEC")
        if self.output is None:
            raise InputError("--output", "", "a sweep needs --output DIR")
        base = self.base()
        check_columns(base, self.scenario_file)
        defaults = tuple(m for m in DEFAULT_METRICS if metric_applies(base, m))
        done = dataclasses.replace(
            self,
            runs=self.runs or 1000,
            seed=1 if self.seed is None else self.seed,
            design=self.design or "grid",
            metrics=self.metrics or defaults,
            factors=tuple(resolve_wholeness(self.factors, self.raw)),
        )
        for name in done.metrics:
            check_metric(base, name, "--metric")
        return done

    def base(self) -> Scenario:
        """The scenario with the overrides, before any design point."""
        return build_scenario(self.raw, self.scenario_file, self.overrides)

    def point_list(self) -> list[dict[str, float | int]]:
        assert self.design is not None and self.seed is not None
        return design_points(self.factors, self.design, self.points, self.seed)

    def point_scenarios(self) -> list[tuple[dict[str, float | int], Scenario]]:
        """Each point with its scenario, every one validated."""
        return [
            (point, point_scenario(self.raw, self.scenario_file, self.overrides, point))
            for point in self.point_list()
        ]

    def identity(self) -> dict[str, Any]:
        """What identifies the sweep: base scenario, factors, design, points and seed."""
        return {
            "base": scenario_to_data(self.base()),
            "factors": [f.describe() for f in self.factors],
            "design": self.design,
            "points": self.point_list(),
            "seed": self.seed,
        }


def is_experiment_file(path: str | Path) -> bool:
    return "experiment" in read_toml(path)


def load_experiment(path: str | Path) -> Experiment:
    """Read an experiment file."""
    path = str(path)
    raw = read_toml(path)
    root = Table(raw, "", Source(path))
    head = root.table("experiment", required=True)
    assert head is not None
    folder = Path(path).parent
    scenario_file = str(folder / head.string("scenario"))
    runs = head.integer("runs", 1000, low=1)
    seed = head.integer("seed", 1, low=0)
    design = head.string("design", "grid", choices=DESIGNS)
    points = head.integer("points", low=1) if head.has("points") else None
    output = str(folder / head.string("output")) if head.has("output") else None
    if output is not None and Path(output).exists() and not Path(output).is_dir():
        head.fail("output", f"{output} is a file; expected a sweep directory (new, or to resume)")
    metrics = head.strings("metrics", [])
    head.close("an experiment")
    vary = root.table("vary")
    factors = tuple(
        factor_from_spec(key, spec, f"{path}: vary.{key}")
        for key, spec in (vary.data.items() if vary else [])
    )
    fixed = root.table("set")
    overrides = tuple(
        Override(key, value, f"{path}: set.{key}")
        for key, value in (fixed.data.items() if fixed else [])
    )
    for key in raw:
        if key not in ("experiment", "vary", "set"):
            root.fail(key, "unknown table for an experiment; valid: experiment, vary, set")
    return Experiment(
        scenario_file,
        read_toml(scenario_file),
        overrides,
        factors,
        runs,
        seed,
        design,
        points,
        output,
        tuple(metrics),
    )
