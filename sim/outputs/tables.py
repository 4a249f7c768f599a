"""Text for people: aligned tables for a terminal, and the README's outcome table.
Everything here formats data computed elsewhere; nothing is computed here."""

from __future__ import annotations

from typing import Any

from sim.model.catalogue import CATALOGUE, Field

KIND_NAMES = {bool: "true/false", int: "whole number", float: "number", str: "text"}


def catalogue_markdown(entries: tuple[Field, ...] = CATALOGUE) -> str:
    """The outcome catalogue as the README's Markdown table."""
    lines = ["| field | type | unit | meaning |", "| --- | --- | --- | --- |"]
    for entry in entries:
        name = entry.name.replace("{actor}", "ID")
        meaning = entry.meaning
        if entry.per is not None:
            meaning += f" (one field per {'armed actor' if entry.per == 'armed' else 'guarantor'})"
        if entry.when is not None:
            meaning += f"; empty unless {entry.when}"
        lines.append(f"| `{name}` | {KIND_NAMES[entry.kind]} | {entry.unit} | {meaning} |")
    return "\n".join(lines)


# the distributions of a run ----------------------------------------------------------


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


def summary_table(summary: dict[str, Any]) -> str:
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


# comparisons -----------------------------------------------------------------------


def comparison_table(rows: list[dict[str, Any]], a: str, b: str, alpha: float) -> str:
    if not rows:
        return "nothing to compare"
    kind = "paired by replication (shared seed)" if rows[0]["paired"] else "independent samples"
    lines = [
        f"B = {b}",
        f"A = {a}",
        f"{kind}; * marks outcomes that differ beyond noise "
        f"(Benjamini-Hochberg adjusted p < {alpha:g})",
        "",
        f"  {'outcome':<28} {'A':>10} {'B':>10} {'B - A [interval]':>32} {'p':>9} {'p adj':>9}",
    ]
    for row in rows:
        interval = f"{row['difference']:.4g} [{row['low']:.4g}, {row['high']:.4g}]"
        flag = " *" if row["differs"] else ""
        lines.append(
            f"  {row['metric']:<28} {row['a']:>10.4g} {row['b']:>10.4g} {interval:>32} "
            f"{row['p_value']:>9.3g} {row['p_adjusted']:>9.3g}{flag}"
        )
    return "\n".join(lines)


# sweeps ----------------------------------------------------------------------------


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


# sensitivity -----------------------------------------------------------------------


def sensitivity_table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['method'].title()} sensitivity of {result['metric']}: "
        f"{result['points']} points x {result['runs_per_point']} replications "
        f"({result['replications']} in all), seed {result['seed']}",
        "",
    ]
    if result["method"] == "sobol":
        lines.append(f"  {'rank':<5} {'parameter':<44} {'total ST':>18} {'first order S1':>18}")
        for rank, row in enumerate(result["ranking"], 1):
            st = f"{row['ST']:.3f} +- {row['ST_conf']:.3f}"
            s1 = f"{row['S1']:.3f} +- {row['S1_conf']:.3f}"
            lines.append(f"  {rank:<5} {row['parameter']:<44} {st:>18} {s1:>18}")
    else:
        lines.append(f"  {'rank':<5} {'parameter':<44} {'mu*':>20} {'mu':>10} {'sigma':>10}")
        for rank, row in enumerate(result["ranking"], 1):
            mu_star = f"{row['mu_star']:.4g} +- {row['mu_star_conf']:.3g}"
            lines.append(
                f"  {rank:<5} {row['parameter']:<44} {mu_star:>20} "
                f"{row['mu']:>10.4g} {row['sigma']:>10.4g}"
            )
    return "\n".join(lines)


# traces ----------------------------------------------------------------------------


def trace_table(rows: list[dict[str, Any]], dated: bool) -> str:
    """The timeline as aligned text."""
    header = (
        f"{'day':>7} {'date':<10} {'actor':<11} {'target':<11} "
        f"{'dead':>5} {'rep':>5} {'strain':>6} {'state':<9} action"
    )
    if not dated:
        header = header.replace(f" {'date':<10}", "")
    lines = [header]
    for row in rows:
        date = f" {row['date'] or '':<10}" if dated else ""
        lines.append(
            f"{row['day']:>7.2f}{date} {row['actor']:<11.11} {row['target'] or '':<11.11} "
            f"{_n(row['deaths']):>5} {_n(row['reported']):>5} "
            f"{_strain(row['strain']):>6} {row['state'] or '':<9.9} "
            f"{row['action']}"
        )
    return "\n".join(lines)


def _strain(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _n(value: int | None) -> str:
    return "" if value is None else str(value)
