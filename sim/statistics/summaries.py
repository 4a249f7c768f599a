"""Outcome distributions over replications, as plain data (JSON-ready): the truce's
collapse and survival, the escalation ladder, chains, and every outcome's probability
or mean and quantiles; and a sweep's tidy rows, one per point and metric."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.model.catalogue import INDEX, LADDER, fields, outcome_schema
from sim.scenario.spec import Scenario
from sim.statistics.estimators import estimate, histogram, mean, proportion, quantile, survival

SURVIVAL_DAYS = (1, 7, 14, 30, 60, 90, 180, 365)


def survival_days(horizon: float) -> list[float]:
    return [float(d) for d in SURVIVAL_DAYS if d < horizon] + [horizon]


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
        "confidence": confidence,
    }
    summary["collapse"] = {
        "probability": proportion(sum(columns["collapsed"]), n, confidence).as_dict(),
        "restored": proportion(sum(columns["restored"]), n, confidence).as_dict(),
        "causes": [
            {"cause": cause, "count": count}
            for cause, count in histogram(c for c in columns["collapse_cause"] if c is not None)
        ],
    }
    summary["survival"] = [
        {"day": day, **estimate.as_dict()}
        for day, estimate in survival(
            columns["collapse_day"], scenario.horizon, survival_days(scenario.horizon), confidence
        )
    ]
    summary["ladder"] = [
        {"rung": rung, "count": count, "share": count / n if n else None}
        for rung, count in histogram(columns["highest_rung"], LADDER)
    ]
    summary["chains"] = [
        {"length": length, "count": count, "share": count / n if n else None}
        for length, count in histogram(columns["longest_chain"])
    ]
    probabilities: dict[str, Any] = {}
    quantities: dict[str, Any] = {}
    for entry in fields(scenario):
        field, kind = entry.name, entry.kind
        if entry.role == INDEX or not n:
            continue
        present = [v for v in columns[field] if v is not None]
        if kind is bool:
            probabilities[field] = proportion(sum(present), len(present), confidence).as_dict()
        elif kind in (int, float) and present:
            quantities[field] = {
                "mean": mean(present, confidence).as_dict(),
                "median": quantile(present, 0.5, confidence).as_dict(),
                "p05": quantile(present, 0.05, confidence).value,
                "p95": quantile(present, 0.95, confidence).value,
                "n": len(present),
            }
    summary["probabilities"] = probabilities
    summary["quantities"] = quantities
    return summary


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
        found = estimate(columns[metric], schema[metric], confidence)
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
