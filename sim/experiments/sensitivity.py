"""Global sensitivity of one outcome to scenario parameters, with SALib (an optional
extra): Morris elementary effects (cheap screening) or Sobol indices (variance
shares, first order and total).

Each design point's output is the mean of the metric over ``runs`` replications,
all points sharing the seed (common random numbers), so differences between points
come from the parameters rather than from fresh noise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sim.errors import InputError, RunFailed, TruceWarning
from sim.experiments.chunks import DEFAULT_BUDGET, Failure, chunk_size, run_tasks
from sim.experiments.designs import Factor, check_points, point_scenario
from sim.experiments.executors import Backend, open_executor
from sim.experiments.runs import HOPELESS
from sim.model.budget import Budget
from sim.model.catalogue import metric as outcome_metric
from sim.optional import require
from sim.scenario import Override
from sim.statistics.estimators import estimate
from sim.statistics.summaries import probability_label

METHODS = ("morris", "sobol")


def _salib(method: str) -> tuple[Any, Any]:
    """SALib's sampler and analyser for ``method``."""
    sample = require(f"SALib.sample.{method}", "--method", method, "sensitivity")
    analyze = require(f"SALib.analyze.{method}", "--method", method, "sensitivity")
    return sample, analyze


def sensitivity(
    raw: dict[str, Any],
    origin: str,
    overrides: Sequence[Override],
    factors: Sequence[Factor],
    metric: str,
    *,
    method: str = "morris",
    samples: int = 16,
    runs: int = 100,
    seed: int = 1,
    backend: Backend,
    confidence: float = 0.95,
    on_point: Callable[[int, int], None] | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> dict[str, Any]:
    """Indices of ``metric`` for each factor, ranked from most to least influential."""
    for factor in factors:
        if factor.low != factor.low:  # NaN: a list, not a range
            raise InputError("--vary", factor.path, "sensitivity needs a range LOW:HIGH")
    if len(factors) < 2:
        raise InputError("--vary", "", "sensitivity needs at least two --vary ranges to rank")
    if method == "sobol" and samples & (samples - 1):
        raise InputError("--samples", str(samples), "Sobol sampling needs a power of two")
    per_sample = len(factors) + (2 if method == "sobol" else 1)
    check_points(samples * per_sample, "--samples", str(samples))
    for factor in factors:
        if factor.whole and factor.high - factor.low < 10:
            warnings.warn(
                f"{factor.path} is a whole number with few values from {factor.low:g} to "
                f"{factor.high:g}: rounding makes the method's steps uneven (and Sobol's "
                "inputs not uniform), so its index is rough; widen the range if you can",
                TruceWarning,
                stacklevel=3,
            )
    sample, analyze = _salib(method)
    names = [f.path for f in factors]
    problem: dict[str, Any] = {
        "num_vars": len(factors),
        "names": names,
        "bounds": [[f.low, f.high] for f in factors],
    }
    if method == "sobol":
        design = sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        design = sample.sample(problem, samples, num_levels=4, seed=seed)
    points = [
        {f.path: (round(v) if f.whole else float(v)) for f, v in zip(factors, row, strict=True)}
        for row in design
    ]
    scenarios = [point_scenario(raw, origin, overrides, point) for point in points]
    field = outcome_metric(scenarios[0], metric, "--metric")
    kind = field.kind
    values: list[list[Any]] = [[] for _ in points]
    ran = [0] * len(points)  # replications done at each point, failed or not
    failures: list[Failure] = []
    with open_executor(backend) as (executor, workers):
        size = chunk_size(runs, 1)
        tasks = (
            (index, scenario, first, min(size, runs - first))
            for index, scenario in enumerate(scenarios)
            for first in range(0, runs, size)
        )
        finished = 0
        for index, chunk in run_tasks(executor, seed, tasks, 4 * workers, budget):
            values[index].extend(chunk.columns[metric])
            failures.extend(chunk.failures)
            ran[index] += chunk.count
            if failures and not any(values) and sum(ran) >= HOPELESS:
                raise RunFailed(f"every replication failed; the first: {failures[0].describe()}")
            if ran[index] == runs:
                finished += 1
                if on_point is not None:
                    on_point(finished, len(points))
    empty = next((i for i, v in enumerate(values) if not v), None)
    if empty is not None:
        raise RunFailed(
            f"every replication of design point {empty} failed, so the method has no value "
            f"there; the first failure: {failures[0].describe()}"
        )
    if failures:
        warnings.warn(
            f"{len(failures)} of {runs * len(points)} replications failed and are left out "
            f"of their points' means; the first: {failures[0].describe()}",
            TruceWarning,
            stacklevel=3,
        )
    outputs = np.array([estimate(v, kind, confidence).value for v in values])
    if method == "sobol":
        found = analyze.analyze(
            problem, outputs, calc_second_order=False, conf_level=confidence, seed=seed
        )
        keys, rank_by = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
    else:
        found = analyze.analyze(
            problem, design, outputs, conf_level=confidence, num_levels=4, seed=seed
        )
        keys, rank_by = ("mu_star", "mu_star_conf", "mu", "sigma"), "mu_star"
    indices: list[dict[str, Any]] = [
        {"parameter": name, **{key: float(found[key][i]) for key in keys}}
        for i, name in enumerate(names)
    ]
    indices.sort(key=lambda row: -row[rank_by])
    if kind is bool:
        label, unit = probability_label(field, scenarios[0]), "probability"
    else:
        label, unit = field.text(scenarios[0]), field.unit
    cautions = []
    if method == "sobol":  # an index no larger than its own uncertainty ranks nothing
        for row in indices:
            for key in ("S1", "ST"):
                if row[f"{key}_conf"] > abs(row[key]):
                    cautions.append(
                        f"the interval of {key} for {row['parameter']} "
                        f"(+- {row[f'{key}_conf']:.3g}) is wider than the index ({row[key]:.3g}); "
                        "raise --samples or --runs"
                    )
    return {
        "metric": metric,
        "label": label,
        # Morris: SALib's elementary effects divide the change in the metric by the step
        # in the parameter as a share of its range; Sobol indices are shares of variance
        "unit": f"{unit} per LOW-to-HIGH range" if method == "morris" else "share of variance",
        "warnings": cautions,
        "method": method,
        "points": len(points),
        "runs_per_point": runs,
        "replications": len(points) * runs,
        "seed": seed,
        "ranking": indices,
        "design": [{**p, metric: float(y)} for p, y in zip(points, outputs, strict=True)],
    }
