"""Outcome distributions over replications, as plain data (JSON-ready), each figure
labelled for what it is:

- the truce (when the scenario has one): P(collapse by the horizon) over all
  replications, P(restored | collapsed) over those that collapsed, the causes, the
  Kaplan-Meier survival and its median (or "not reached");
- the escalation ladder: how many replications reached each rung, and how many
  stopped there;
- the longest retaliation chain;
- every true/false outcome's probability, with its n;
- every numeric outcome's mean, median and 5% and 95% quantiles with its unit, over
  all replications or, for a conditional one, among the n where it happened;
- the outcomes that were zero in every replication, named (by label) instead of shown.

And a sweep's tidy rows, one per point and metric.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.model.catalogue import INDEX, RUNGS, Field, fields, find, outcome_schema
from sim.scenario.spec import Scenario
from sim.statistics.estimators import (
    Estimate,
    estimate,
    histogram,
    mean,
    median_survival,
    proportion,
    quantile,
    quantile_value,
    survival,
)

SURVIVAL_DAYS = (1, 7, 14, 30, 60, 90, 180, 365)
# the fields a summary reads before the rest (the truce, the ladder, the chains), so
# that columns read in groups are read in the order they are needed
READ_FIRST = (
    "collapsed",
    "collapse_day",
    "collapse_cause",
    "restored",
    "highest_rung",
    "deaths",
    "deadliest_strike",
    "longest_chain",
    "personnel_killed",
    "guarantor_direct_action",
)


def survival_days(horizon: float) -> list[float]:
    return [float(d) for d in SURVIVAL_DAYS if d < horizon] + [horizon]


def through(scenario: Scenario, day: float) -> str | None:
    """The last calendar date within the first ``day`` days (day 0 is the start
    date), when the scenario has one."""
    if scenario.start_date is None:
        return None
    return (scenario.start_date + dt.timedelta(days=max(0, math.ceil(day) - 1))).isoformat()


def probability_label(field: Field, scenario: Scenario) -> str:
    """``P(truce collapsed by day 60)``; a conditional one names its condition."""
    given = find(scenario, field.given) if field.given else None
    condition = f" | {given.label.replace(' by day {horizon}', '')}" if given else ""  # once
    return f"P({field.text(scenario)}{condition})"


def given_values(
    field: Field, columns: Mapping[str, Sequence[Any]], scenario: Scenario
) -> list[Any]:
    """A field's values in the replications where it is defined: not empty, and for a
    conditional true/false field, where its condition holds."""
    values = columns[field.name]
    if field.given is not None:
        condition = columns[field.given]
        return [v for v, c in zip(values, condition, strict=True) if c and v is not None]
    return [v for v in values if v is not None]


def distributions(
    scenario: Scenario,
    columns: Mapping[str, Sequence[Any]],
    seed: int,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Every outcome's distribution over the replications, as JSON-ready data.
    ``columns`` maps each outcome field to its values, one per replication."""
    n = len(columns["replication"])
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "replications": n,
        "seed": seed,
        "horizon": scenario.horizon,
        "start_date": scenario.start_date.isoformat() if scenario.start_date else None,
        "confidence": confidence,
        "truce": _truce(scenario, columns, n, confidence) if scenario.truce else None,
        "ladder": _ladder(scenario, columns, n),
        "chains": [
            {"length": length, "count": count, "share": count / n if n else None}
            for length, count in histogram(v for v in columns["longest_chain"] if v is not None)
        ],
    }
    probabilities: dict[str, Any] = {}
    quantities: dict[str, Any] = {}
    always_zero: list[str] = []
    for field in fields(scenario):
        if field.role == INDEX or not field.numeric or not field.applies(scenario) or not n:
            continue
        present = given_values(field, columns, scenario)
        if field.kind is bool:
            found = proportion(sum(present), len(present), confidence)
            label = probability_label(field, scenario)
            probabilities[field.name] = {"label": label, **found.as_dict()}
        elif present and not any(present):
            always_zero.append(field.text(scenario))
        elif present:
            quantities[field.name] = {
                "label": field.text(scenario),
                "role": field.role,
                "unit": field.unit,
                "when": field.when,
                "n": len(present),
                "mean": mean(present, confidence, field.bounds(scenario)).as_dict(),
                "median": quantile(present, 0.5, confidence).as_dict(),
                "p05": quantile_value(present, 0.05),
                "p95": quantile_value(present, 0.95),
            }
    summary["probabilities"] = probabilities
    summary["quantities"] = quantities
    summary["always_zero"] = always_zero
    return summary


def _truce(
    scenario: Scenario, columns: Mapping[str, Sequence[Any]], n: int, confidence: float
) -> dict[str, Any]:
    collapsed = [bool(c) for c in columns["collapsed"]]
    collapse_days = list(columns["collapse_day"])
    count = sum(collapsed)
    truce: dict[str, Any] = {
        "collapsed": {
            "label": f"P(truce collapsed by day {scenario.horizon:g})",
            **proportion(count, n, confidence).as_dict(),
        },
        "causes": [
            {"cause": cause, "count": number, "share": number / count}
            for cause, number in histogram(c for c in columns["collapse_cause"] if c is not None)
        ],
    }
    restored = find(scenario, "restored")
    if restored is not None and restored.applies(scenario):
        values = given_values(restored, columns, scenario)
        truce["restored"] = {
            "label": probability_label(restored, scenario),
            **proportion(sum(values), len(values), confidence).as_dict(),
        }
    times = [scenario.horizon if d is None else d for d in collapse_days]
    median = median_survival(times, [d is not None for d in collapse_days], confidence)
    truce["median_collapse_day"] = {
        "label": "median day of collapse (Kaplan-Meier)",
        "reached": not math.isnan(median.value),
        **median.as_dict(),
    }
    truce["survival"] = [
        {"day": day, "through": through(scenario, day), **found.as_dict()}
        for day, found in survival(
            collapse_days, scenario.horizon, survival_days(scenario.horizon), confidence
        )
    ]
    return truce


def _ladder(
    scenario: Scenario, columns: Mapping[str, Sequence[Any]], n: int
) -> list[dict[str, Any]]:
    """Each rung: how many replications reached it (on the way to a higher one or
    not), and how many stopped there."""
    highest = dict(histogram(columns["highest_rung"]))
    rows = []
    for rung in RUNGS:
        if not rung.applies(scenario):
            continue
        values = columns[rung.field] if rung.field is not None else [None] * n
        reached = sum(rung.reached(v, scenario.ladder) for v in values)
        top = highest.get(rung.name, 0)
        rows.append(
            {
                "rung": rung.name,
                "label": rung.label,
                "reached": reached,
                "reached_share": reached / n if n else None,
                "highest": top,
                "highest_share": top / n if n else None,
            }
        )
    return rows


def point_rows(
    index: int,
    point: Mapping[str, Any],
    scenario: Scenario,
    columns: Mapping[str, Sequence[Any]],
    metrics: Sequence[str],
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """A sweep point's tidy rows, one per metric: the point's parameter values, the
    estimate (a Wilson probability or a Student t mean) with its interval, and the
    replications behind it."""
    schema = outcome_schema(scenario)
    rows = []
    for metric in metrics:
        field = find(scenario, metric)
        values = given_values(field, columns, scenario) if field else columns[metric]
        # a daily series on a day (SERIES@DAY) is a non-negative number with a mean
        within = field.bounds(scenario) if field else (0.0, math.inf)
        found: Estimate = estimate(values, schema.get(metric, float), confidence, within)
        rows.append(
            {
                "point": index,
                **point,
                "metric": metric,
                "estimate": found.value,
                "low": found.low,
                "high": found.high,
                "replications": found.n,
            }
        )
    return rows
