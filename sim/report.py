"""Outcome distributions over replications: built once as plain data, printed as a
table or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sim.outcomes import LADDER, Outcome, outcome_fields
from sim.scenario.spec import Scenario
from sim.stats import histogram, mean, proportion, quantile, survival

SURVIVAL_DAYS = (1, 7, 14, 30, 60, 90, 180, 365)
NOT_QUANTITIES = {"replication"}


def survival_days(horizon: float) -> list[float]:
    return [float(d) for d in SURVIVAL_DAYS if d < horizon] + [horizon]


def distributions(
    scenario: Scenario,
    outcomes: Sequence[Outcome],
    seed: int,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Every outcome's distribution over the replications, as JSON-ready data."""
    n = len(outcomes)
    fields = outcome_fields(scenario)
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "replications": n,
        "seed": seed,
        "horizon": scenario.horizon,
        "confidence": confidence,
    }
    collapsed = sum(1 for o in outcomes if o["collapsed"])
    summary["collapse"] = {
        "probability": proportion(collapsed, n, confidence).as_dict(),
        "restored": proportion(sum(1 for o in outcomes if o["restored"]), n, confidence).as_dict(),
        "causes": [
            {"cause": cause, "count": count}
            for cause, count in histogram(o["collapse_cause"] for o in outcomes if o["collapsed"])
        ],
    }
    summary["survival"] = [
        {"day": day, **estimate.as_dict()}
        for day, estimate in survival(
            [o["collapse_day"] for o in outcomes],
            scenario.horizon,
            survival_days(scenario.horizon),
            confidence,
        )
    ]
    summary["ladder"] = [
        {"rung": rung, "count": count, "share": count / n if n else None}
        for rung, count in histogram((o["highest_rung"] for o in outcomes), LADDER)
    ]
    summary["chains"] = [
        {"length": length, "count": count, "share": count / n if n else None}
        for length, count in histogram(o["longest_chain"] for o in outcomes)
    ]
    probabilities: dict[str, Any] = {}
    quantities: dict[str, Any] = {}
    for field in fields:
        if field in NOT_QUANTITIES or not outcomes:
            continue
        values = [o[field] for o in outcomes]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            probabilities[field] = proportion(sum(present), len(present), confidence).as_dict()
        elif present and all(isinstance(v, int | float) for v in present):
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
