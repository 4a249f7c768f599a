"""Parameter sweeps: a design of points over scenario parameters, each point run with
the same replications (common random numbers: replication r of every point draws
from the same streams), stored point by point and summarised as a tidy table.

Layout of a sweep directory::

    DIR/sweep.json            the design: base scenario, factors, points, seed, runs
    DIR/points/0000/          a results directory per point; its rows carry the
                              point's index and parameter values in columns named
                              by their paths
    DIR/summary.csv, .json    one row per point and metric
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.experiments.chunks import Chunk
from sim.experiments.designs import (
    DESIGNS,
    Factor,
    design_points,
    factor_from_spec,
    point_scenario,
    resolve_wholeness,
)
from sim.experiments.executors import Backend, open_executor
from sim.experiments.runs import Campaign, run_on
from sim.model.catalogue import outcome_schema
from sim.outputs.results_dir import ResultsDir, dependency_versions, now, write_atomically
from sim.scenario import Override, build_scenario, read_toml
from sim.scenario.dump import scenario_to_data
from sim.scenario.reader import Source, Table
from sim.statistics.estimators import estimate

FORMAT = "truce-sweep/1"
MANIFEST = "sweep.json"
DEFAULT_METRICS = (
    "collapsed",
    "guarantor_direct_action",
    "strikes",
    "retaliations",
    "longest_chain",
    "deaths",
    "personnel_killed",
    "peak_strain",
)


@dataclass
class Experiment:
    """Everything a sweep needs. Built from an experiment file, the command line, or
    both (the command line wins)."""

    scenario_file: str
    raw: dict[str, Any]
    overrides: list[Override] = field(default_factory=list)
    factors: list[Factor] = field(default_factory=list)
    runs: int | None = None
    seed: int | None = None
    design: str | None = None
    points: int | None = None
    output: str | None = None
    metrics: list[str] = field(default_factory=list)

    def finish(self) -> None:
        """Fill defaults and check what only the whole experiment can check."""
        self.runs = self.runs or 1000
        self.seed = 1 if self.seed is None else self.seed
        self.design = self.design or "grid"
        self.metrics = self.metrics or list(DEFAULT_METRICS)
        if not self.factors:
            raise InputError("--vary", "", "a sweep needs at least one --vary PATH=SPEC")
        if self.output is None:
            raise InputError("--output", "", "a sweep needs --output DIR")
        base = self.base()
        schema = outcome_schema(base)
        for metric in self.metrics:
            if metric not in schema or schema[metric] is str or metric == "replication":
                raise InputError(
                    "--metric", metric, "expected a numeric or true/false outcome field"
                )
        self.factors = resolve_wholeness(self.factors, self.raw)

    def base(self) -> Any:
        return build_scenario(self.raw, self.scenario_file, self.overrides)

    def point_list(self) -> list[dict[str, float | int]]:
        assert self.design is not None and self.seed is not None
        return design_points(self.factors, self.design, self.points, self.seed)


def is_experiment_file(path: str) -> bool:
    raw = read_toml(path)
    return "experiment" in raw


def load_experiment(path: str) -> Experiment:
    """An experiment file: ``[experiment]`` (scenario, runs, seed, design, points,
    output, metrics), ``[vary]`` (path = SPEC or array) and ``[set]`` (path = value)."""
    raw = read_toml(path)
    root = Table(raw, "", Source(path))
    head = root.table("experiment", required=True)
    assert head is not None
    folder = Path(path).parent
    scenario_file = str(folder / head.string("scenario"))
    experiment = Experiment(scenario_file, read_toml(scenario_file))
    experiment.runs = head.integer("runs", 1000, low=1)
    experiment.seed = head.integer("seed", 1, low=0)
    experiment.design = head.string("design", "grid", choices=DESIGNS)
    experiment.points = head.integer("points", low=1) if head.has("points") else None
    experiment.output = head.string("output") if head.has("output") else None
    experiment.metrics = list(head.strings("metrics", []))
    head.close("an experiment")
    vary = root.table("vary")
    for key, spec in vary.data.items() if vary else []:
        experiment.factors.append(factor_from_spec(key, spec, f"{path}: vary.{key}"))
    fixed = root.table("set")
    for key, value in fixed.data.items() if fixed else []:
        experiment.overrides.append(Override(key, value, f"{path}: set.{key}"))
    for key in raw:
        if key not in ("experiment", "vary", "set"):
            root.fail(key, "unknown table for an experiment; valid: experiment, vary, set")
    return experiment


@dataclass
class SweepProgress:
    """Replications done over all points, for progress bars."""

    target: int = 0
    done: int = 0
    added: int = 0
    failures: list[Any] = field(default_factory=list)


def run_sweep(
    experiment: Experiment,
    backend: Backend,
    command: Sequence[str],
    *,
    chunk: int | None = None,
    confidence: float = 0.95,
    on_chunk: Callable[[Chunk, SweepProgress], None] | None = None,
    progress: SweepProgress | None = None,
) -> list[dict[str, Any]]:
    """Run every point not yet complete in the sweep directory; return the tidy rows.
    ``progress`` (its target set here) stays readable if this is interrupted."""
    assert (
        experiment.output is not None
        and experiment.runs is not None
        and experiment.seed is not None
    )
    directory = Path(experiment.output)
    points = experiment.point_list()
    scenarios = [  # every point is checked before anything is written
        point_scenario(experiment.raw, experiment.scenario_file, experiment.overrides, point)
        for point in points
    ]
    manifest = _open_manifest(directory, experiment, points, command)
    progress = progress if progress is not None else SweepProgress()
    progress.target = experiment.runs * len(points)
    try:
        with open_executor(backend) as (executor, workers):
            for index, (point, scenario) in enumerate(zip(points, scenarios, strict=True)):
                results = ResultsDir.create_or_resume(
                    directory / "points" / f"{index:04d}",
                    scenario,
                    experiment.scenario_file,
                    experiment.seed,
                    constants={"point": index, **point},
                )
                results.begin(command, backend.describe(), experiment.runs)
                campaign = Campaign()
                progress.done += results.done().total

                def forward(finished: Chunk, state: Campaign) -> None:
                    progress.done += finished.count
                    progress.added += finished.count
                    progress.failures.extend(finished.failures)
                    if on_chunk is not None:
                        on_chunk(finished, progress)

                outcome = "interrupted"
                try:
                    run_on(
                        executor,
                        workers,
                        scenario,
                        experiment.seed,
                        experiment.runs,
                        results,
                        chunk=chunk,
                        on_chunk=forward,
                        campaign=campaign,
                    )
                    outcome = "finished"
                finally:
                    results.end(campaign.seconds, outcome, {"replications_added": campaign.added})
        manifest["invocations"][-1]["outcome"] = "finished"
    finally:
        manifest["invocations"][-1]["finished"] = now()
        _write(directory, manifest)
    rows = tidy(directory, experiment.metrics, confidence)
    write_summary(directory, rows)
    return rows


def _open_manifest(
    directory: Path, experiment: Experiment, points: list[dict[str, Any]], command: Sequence[str]
) -> dict[str, Any]:
    design = {
        "base": json.loads(json.dumps(scenario_to_data(experiment.base()))),
        "factors": [f.describe() for f in experiment.factors],
        "design": experiment.design,
        "points": points,
        "seed": experiment.seed,
    }
    path = directory / MANIFEST
    if path.exists():
        manifest: dict[str, Any] = json.loads(path.read_text())
        if {k: manifest.get(k) for k in design} != json.loads(json.dumps(design)):
            raise InputError(
                "--output",
                str(directory),
                "holds another sweep (scenario, design or seed); choose another directory",
            )
    else:
        if directory.exists() and any(directory.iterdir()):
            raise InputError(
                "--output", str(directory), "exists and is not a sweep directory; choose another"
            )
        directory.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT,
            "scenario_file": experiment.scenario_file,
            **design,
            "invocations": [],
        }
    manifest.update(
        runs=experiment.runs, metrics=experiment.metrics, dependencies=dependency_versions()
    )
    manifest["invocations"].append(
        {"command": list(command), "started": now(), "finished": None, "outcome": "interrupted"}
    )
    _write(directory, manifest)
    return manifest


def _write(directory: Path, manifest: dict[str, Any]) -> None:
    write_atomically(directory / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


def read_manifest(directory: str | Path, option: str = "DIR") -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(
            option, str(directory), "is not a sweep directory (no sweep.json)"
        ) from None
    if manifest.get("format") != FORMAT:
        raise InputError(option, str(path), f"expected a {FORMAT} manifest")
    return manifest


def is_sweep(directory: str | Path) -> bool:
    return (Path(directory) / MANIFEST).exists()


def tidy(directory: Path, metrics: Sequence[str], confidence: float) -> list[dict[str, Any]]:
    """One row per point and metric: the point's parameter values, the estimate with
    its interval, and the replications behind it."""
    manifest = read_manifest(directory)
    paths = [f["path"] for f in manifest["factors"]]
    rows = []
    for index, point in enumerate(manifest["points"]):
        folder = directory / "points" / f"{index:04d}"
        if not (folder / "manifest.json").exists():
            continue
        results = ResultsDir.open(folder)
        schema = outcome_schema(results.scenario())
        columns = results.columns(list(metrics))
        for metric in metrics:
            found = estimate(columns[metric], schema[metric], confidence)
            rows.append(
                {
                    "point": index,
                    **{path: point[path] for path in paths},
                    "metric": metric,
                    "estimate": found.value,
                    "low": found.low,
                    "high": found.high,
                    "replications": found.n,
                }
            )
    return rows


def write_summary(directory: Path, rows: list[dict[str, Any]]) -> None:
    write_atomically(directory / "summary.json", (json.dumps(rows, indent=2) + "\n").encode())
    text = io.StringIO()
    if rows:
        writer = csv.DictWriter(text, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_atomically(directory / "summary.csv", text.getvalue().encode())


def tidy_table(rows: list[dict[str, Any]]) -> str:
    """The tidy rows as aligned text, one block per metric."""
    if not rows:
        return "no finished points"
    paths = [
        k
        for k in rows[0]
        if k not in ("point", "metric", "estimate", "low", "high", "replications")
    ]
    width = max(12, *(len(p) for p in paths))
    lines = []
    for metric in dict.fromkeys(r["metric"] for r in rows):
        lines.append(metric)
        lines.append(
            "  "
            + "  ".join(f"{p:>{width}}" for p in paths)
            + f"  {'estimate':>10}  {'interval':>22}  {'n':>7}"
        )
        for row in (r for r in rows if r["metric"] == metric):
            values = "  ".join(f"{row[p]:>{width}.4g}" for p in paths)
            interval = f"[{row['low']:.4g}, {row['high']:.4g}]"
            lines.append(
                f"  {values}  {row['estimate']:>10.4g}  {interval:>22}  {row['replications']:>7}"
            )
        lines.append("")
    return "\n".join(lines).rstrip()
