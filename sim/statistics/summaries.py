"""Outcome distributions over replications: built once as plain data, printed as a
table or as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sim.model.catalogue import LADDER, outcome_schema
from sim.scenario.spec import Scenario
from sim.statistics.estimators import histogram, mean, proportion, quantile, survival

SURVIVAL_DAYS = (1, 7, 14, 30, 60, 90, 180, 365)
NOT_QUANTITIES = {"replication"}


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
    schema = outcome_schema(scenario)
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
    for field, kind in schema.items():
        if field in NOT_QUANTITIES or not n:
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


def to_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2)


def _interval(e: dict[str, Any], digits: int = 3) -> str:
    if e["value"] is None:
        return "-"
    if e["low"] is None:
        return f"{e['value']:.{digits}f}"
    return f"{e['value']:.{digits}f} [{e['low']:.{digits}f}, {e['high']:.{digits}f}]"


def _number(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}"


def to_table(summary: dict[str, Any]) -> str:
    """The summary as aligned text for a terminal."""
    level = round(summary["confidence"] * 100)
    lines = [
        f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']}, "
        f"horizon {summary['horizon']:g} days ({level}% intervals)",
        "",
        "Truce",
        f"  P(collapse by day {summary['horizon']:g})".ljust(34)
        + _interval(summary["collapse"]["probability"]),
        "  P(restored after a collapse)".ljust(34) + _interval(summary["collapse"]["restored"]),
    ]
    for cause in summary["collapse"]["causes"]:
        lines.append(f"    collapsed by {cause['cause']}: {cause['count']}")
    lines += ["", "Survival of the truce (Kaplan-Meier)"]
    for row in summary["survival"]:
        lines.append(f"  S({row['day']:g})".ljust(12) + _interval(row))
    lines += ["", "Highest rung of the escalation ladder"]
    for row in summary["ladder"]:
        lines.append(f"  {row['rung']:<28} {row['count']:>7}  {_share(row['share'])}")
    lines += ["", "Longest retaliation chain (strikes)"]
    for row in summary["chains"]:
        lines.append(f"  {row['length']!s:<28} {row['count']:>7}  {_share(row['share'])}")
    lines += ["", "Probabilities"]
    for field, estimate in summary["probabilities"].items():
        lines.append(f"  {field:<28} {_interval(estimate)}")
    lines += [
        "",
        f"  {'per replication':<28} {'mean [interval]':<28} {'median':>8} {'5%':>8} {'95%':>8}",
    ]
    for field, q in summary["quantities"].items():
        lines.append(
            f"  {field:<28} {_interval(q['mean'], 2):<28} {_number(q['median']['value']):>8} "
            f"{_number(q['p05']):>8} {_number(q['p95']):>8}"
            + (f"  (n={q['n']})" if q["n"] != summary["replications"] else "")
        )
    return "\n".join(lines)


def _share(share: float | None) -> str:
    if share is None:
        return ""
    return f"{100 * share:5.1f}%  " + "#" * round(40 * share)
