"""Text for people: aligned tables for a terminal, and the README's outcome table.
Everything here formats data computed elsewhere; nothing is computed here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.model.catalogue import CATALOGUE, Field
from sim.statistics.comparisons import Comparison

KIND_NAMES = {bool: "true/false", int: "whole number", float: "number", str: "text"}
HAS = {
    "truce": "a truce",
    "negotiation": "a negotiation",
    "mediator": "a mediator",
    "restoration": "restoration talks",
}


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


def interval_text(e: dict[str, Any], digits: int = 3) -> str:
    if e["value"] is None:
        return "-"
    if e["low"] is None:
        return f"{e['value']:.{digits}f}"
    return f"{e['value']:.{digits}f} [{e['low']:.{digits}f}, {e['high']:.{digits}f}]"


def number_text(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}"


def _bar(share: float | None) -> str:
    if share is None:
        return ""
    return f"{100 * share:5.1f}%  " + "#" * round(40 * share)


def summary_table(summary: dict[str, Any]) -> str:
    """The distributions of a run as aligned text for a terminal."""
    n = summary["replications"]
    level = round(summary["confidence"] * 100)
    start = f" from {summary['start_date']}" if summary.get("start_date") else ""
    lines = [
        f"{summary['scenario']}: {n} replications, seed {summary['seed']}, "
        f"horizon {summary['horizon']:g} days{start} ({level}% intervals)",
    ]
    if summary["truce"] is not None:
        lines += ["", *_truce_lines(summary["truce"], summary["horizon"])]
    lines += ["", *_ladder_lines(summary["ladder"])]
    lines += ["", "Longest retaliation chain (strikes in it)"]
    for row in summary["chains"]:
        lines.append(f"  {row['length']!s:<6} {row['count']:>7}  {_bar(row['share'])}")
    shown = {"collapsed", "restored"} if summary["truce"] is not None else set()
    probabilities = [e for f, e in summary["probabilities"].items() if f not in shown]
    if probabilities:
        lines += ["", "Probabilities"]
        width = max(len(e["label"]) for e in probabilities)
        for found in probabilities:
            lines.append(f"  {found['label']:<{width}}  {interval_text(found):<22}  n={found['n']}")
    lines += _quantity_lines(summary)
    if summary["always_zero"]:
        lines += ["", "Zero in every replication: " + ", ".join(summary["always_zero"])]
    return "\n".join(lines)


def _ladder_lines(ladder: list[dict[str, Any]]) -> list[str]:
    width = max(len(r["label"]) for r in ladder)
    lines = [
        "Escalation ladder",
        f"  {'rung':<{width}}  {'reached it':>15}   {'stopped there':>15}",
    ]
    for index, row in enumerate(ladder):
        reached = f"{row['reached']:>7} {100 * row['reached_share']:5.1f}%" if index else ""
        top = f"{row['highest']:>7} {100 * row['highest_share']:5.1f}%"
        lines.append(f"  {row['label']:<{width}}  {reached:>15}   {top:>15}")
    return lines


def _truce_lines(truce: dict[str, Any], horizon: float) -> list[str]:
    rows = [truce["collapsed"], *([truce["restored"]] if "restored" in truce else [])]
    width = max(len(r["label"]) for r in rows)
    lines = ["Truce"]
    for row in rows:
        lines.append(f"  {row['label']:<{width}}  {interval_text(row):<22}  n={row['n']}")
    median = truce["median_collapse_day"]
    if median["reached"]:
        low = "-" if median["low"] is None else f"{median['low']:.3g}"
        high = "not bounded" if median["high"] is None else f"{median['high']:.3g}"
        shown = f"{median['value']:.3g} [{low}, {high}]"
    else:
        last = truce["survival"][-1]
        shown = f"not reached (S({horizon:g}) = {last['value']:.3f} is above one half)"
    lines.append(f"  {median['label']:<{width}}  {shown}")
    if truce["causes"]:
        total = sum(c["count"] for c in truce["causes"])
        lines.append(f"  causes of the {total} collapses")
        for cause in truce["causes"]:
            share = 100 * cause["share"]
            lines.append(f"    {cause['cause']:<40} {cause['count']:>7}  {share:5.1f}%")
    lines.append("  survival (Kaplan-Meier): P(no collapse in the first t days)")
    for row in truce["survival"]:
        date = f"  to {row['through']}" if row.get("through") else ""
        lines.append(f"    t = {row['day']:<5g}{date}  {interval_text(row)}")
    return lines


def _quantity_lines(summary: dict[str, Any]) -> list[str]:
    quantities = summary["quantities"]
    if not quantities:
        return []
    n = summary["replications"]
    level = round(summary["confidence"] * 100)
    width = max(len(q["label"]) for q in quantities.values())
    head = (
        f"  {'':<{width}}  {'unit':<9} {f'mean [{level}% interval]':<28}"
        f" {'median':>8} {'5%':>8} {'95%':>8}"
    )

    def row(q: dict[str, Any]) -> str:
        return (
            f"  {q['label']:<{width}}  {q['unit']:<9} {interval_text(q['mean'], 2):<28}"
            f" {number_text(q['median']['value']):>8} {number_text(q['p05']):>8}"
            f" {number_text(q['p95']):>8}"
        )

    shown = [q for q in quantities.values() if q["role"] == "outcome"]
    always = [q for q in shown if q["when"] is None or q["n"] == n]
    some = [q for q in shown if q["when"] is not None and q["n"] < n]
    lines = ["", f"Per replication, over all {n}", head, *map(row, always)]
    if some:
        lines += ["", "Where it happened (conditional: among the replications named)", head]
        for q in some:
            lines.append(row(q))
            lines.append(f"  {'':<{width}}    among the {q['n']} replications where {q['when']}")
    return lines


# comparisons -----------------------------------------------------------------------


def comparison_table(comparison: Comparison) -> str:
    """B against A, a row per outcome: each run's estimate and n, the difference with
    its interval, and the test."""
    rows, a, b, alpha = comparison.rows, comparison.a, comparison.b, comparison.alpha
    if not rows:
        return "nothing to compare"
    paired = any(r["paired"] for r in rows)
    unpaired = [r for r in rows if not r["paired"]]
    if paired:
        how = "paired by replication (shared seed)"
        if unpaired:
            how += "; outcomes marked ~ are conditional, compared unpaired"
    else:
        how = "independent samples (different seeds)"
    width = max(28, *(len(r["label"]) for r in rows))
    changed = [f"{path}: {va} -> {vb}" for path, va, vb in comparison.changes]
    fewer = comparison.compared != comparison.held
    lines = [
        f"A = {a}",
        f"B = {b}",
        *([f"B changes {'; '.join(changed)}"] if changed else []),
        *(
            [
                f"A holds {comparison.held[0]} replications and B {comparison.held[1]}; "
                f"the {comparison.compared[0]} both hold are compared"
            ]
            if fewer
            else []
        ),
        f"{how}; * marks outcomes that differ beyond noise "
        f"(Benjamini-Hochberg adjusted p < {alpha:g})",
        "",
        f"    {'outcome':<{width}} {'A':>10} {'n A':>6} {'B':>10} {'n B':>6} "
        f"{'B - A [interval]':>30} {'p':>9} {'p adj':>9}",
    ]
    for row in rows:
        interval = f"{row['difference']:.4g} [{row['low']:.4g}, {row['high']:.4g}]"
        flag = " *" if row["differs"] else ""
        mark = "~ " if paired and not row["paired"] else "  "
        lines.append(
            f"  {mark}{row['label']:<{width}} {row['a']:>10.4g} {row['n_a']:>6} "
            f"{row['b']:>10.4g} {row['n_b']:>6} {interval:>30} "
            f"{row['p_value']:>9.3g} {row['p_adjusted']:>9.3g}{flag}"
        )
    if comparison.zero:
        lines += ["", "Zero in every replication of both: " + ", ".join(comparison.zero)]
    if comparison.divergence is not None:
        lines += ["", *_divergence_lines(comparison.divergence.as_data())]
    return "\n".join(lines)


def _divergence_lines(divergence: dict[str, Any]) -> list[str]:
    days = divergence["days"]
    how = "paired t" if divergence["paired"] else "Welch t"
    among = ", among the truces standing each day" if divergence["conditional"] else ""
    head = (
        f"Day by day, {divergence['label']} ({divergence['series']}; {how} each day{among}, "
        "Benjamini-Hochberg over the days; intervals per day):"
    )

    def on(row: dict[str, Any]) -> str:
        return (
            f"B - A = {row['difference']:.4g} [{row['low']:.4g}, {row['high']:.4g}] on day "
            f"{row['day']}"
        )

    first = divergence["first_day"]
    if days[-1]["difference"] is None:
        return [head, "  too few replications with a value on the last day to compare"]
    if first is None:
        return [head, f"  no day differs beyond noise; {on(days[-1])}"]
    if divergence["to_the_end"]:
        said = f"B and A differ from day {first} on, every day to the last"
    else:
        said = (
            f"B and A first differ on day {first}; {divergence['days_differing']} of the "
            f"{len(days)} days differ, not every day after it"
        )
    return [head, f"  {said}: {on(days[first])}, {on(days[-1])}"]


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
    widths = {p: max(8, len(p)) for p in paths}
    lines = []
    for metric in dict.fromkeys(r["metric"] for r in rows):
        lines.append(metric)
        lines.append(
            "  "
            + "  ".join(f"{p:>{widths[p]}}" for p in paths)
            + f"  {'estimate':>10}  {'interval':>22}  {'n':>7}"
        )
        for row in (r for r in rows if r["metric"] == metric):
            values = "  ".join(f"{row[p]:>{widths[p]}.4g}" for p in paths)
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
        lines += [
            "",
            f"ST is the share of the variance of {result['label']} that goes with the parameter,",
            "its interactions included; S1, the share it explains alone.",
        ]
    else:
        lines.append(f"  {'rank':<5} {'parameter':<44} {'mu*':>20} {'mu':>10} {'sigma':>10}")
        for rank, row in enumerate(result["ranking"], 1):
            mu_star = f"{row['mu_star']:.4g} +- {row['mu_star_conf']:.3g}"
            lines.append(
                f"  {rank:<5} {row['parameter']:<44} {mu_star:>20} "
                f"{row['mu']:>10.4g} {row['sigma']:>10.4g}"
            )
        unit = result["unit"].removesuffix(" per LOW-to-HIGH range")
        named = (
            result["label"] if unit in result["label"].split() else f"{result['label']} ({unit})"
        )
        lines += [
            "",
            f"mu* is the mean absolute change in {named} as a parameter moves",
            "from LOW to HIGH (elementary effects on steps of 2/3 of the range); mu, the mean",
            "signed change; sigma, how much the change varies: with the other parameters,",
            "with the parameter's own level (a curve), and with the simulation's noise.",
        ]
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


# daily series -------------------------------------------------------------------------


def daily_table(summary: dict[str, Any], days: list[int], names: list[str]) -> str:
    """Days ``days`` of a daily summary: the truce's states and the cumulative
    incidence of collapse, then the mean, median and bands of each series in
    ``names``."""
    level = round(summary["confidence"] * 100)
    dates = summary["dates"]
    lines = [
        f"{summary['scenario']}: daily series of {summary['replications']} replications "
        f"({level}% intervals)",
        "Day d runs from d to d + 1; counts are over the day, states and strain at its end.",
    ]

    def when(day: int) -> str:
        return f"{day:>4}  {dates[day]}" if dates else f"{day:>4}"

    head = f"  {'day':>4}  {'date':<10}" if dates else f"  {'day':>4}"
    states = summary["states"]
    incidence = summary["collapse_incidence"]
    if states:
        lines += [
            "",
            "Truce at the day's end: P(state), and P(collapsed by then) (1 - Kaplan-Meier)",
        ]
        columns = [*states, *(["collapsed by then"] if incidence else [])]
        lines.append((head + "".join(f"  {name:<24}" for name in columns)).rstrip())
        for day in days:
            cells = [states[s] for s in states] + ([incidence] if incidence else [])
            lines.append(
                (
                    f"  {when(day)}"
                    + "".join(f"  {interval_text(_at(cell, day)):<24}" for cell in cells)
                ).rstrip()
            )
    for name in names:
        band = summary["series"].get(name)
        if band is None:  # the state, shown above
            continue
        unit = f" ({band['unit']})" if band["unit"] else ""
        lines += ["", f"{band['label']}{unit}: {name}"]
        lines.append(
            head + f"  {f'mean [{level}% interval]':<28} {'median':>8}"
            f" {'50% band':>13} {'90% band':>13} {'n':>7}"
        )
        for day in days:
            mean = {"value": band["mean"][day], "low": band["low"][day], "high": band["high"][day]}
            fifty, ninety = _band(band, day, "q25", "q75"), _band(band, day, "q05", "q95")
            lines.append(
                f"  {when(day)}  {interval_text(mean, 2):<28} {number_text(band['q50'][day]):>8}"
                f" {fifty:>13} {ninety:>13} {band['n'][day]:>7}"
            )
    return "\n".join(lines)


def _band(band: dict[str, Any], day: int, low: str, high: str) -> str:
    if band[low][day] is None:  # no replication has a value that day
        return "-"
    return f"{number_text(band[low][day])}-{number_text(band[high][day])}"


def _at(cell: dict[str, Any], day: int) -> dict[str, Any]:
    return {"value": cell["value"][day], "low": cell["low"][day], "high": cell["high"][day]}


def series_markdown() -> str:
    """The daily series catalogue as the README's Markdown table."""
    from sim.model.catalogue import SERIES

    lines = ["| series | type | unit | meaning |", "| --- | --- | --- | --- |"]
    for entry in SERIES:
        name = entry.name.replace("{actor}", "ID")
        meaning = entry.meaning
        if entry.per is not None:
            meaning += " (one series per armed actor)"
        if entry.requires is not None:
            meaning += f"; only in a scenario with {HAS[entry.requires]}"
        kind = "state" if entry.kind is str else KIND_NAMES[entry.kind]
        lines.append(f"| `{name}` | {kind} | {entry.unit} | {meaning} |")
    return "\n".join(lines)


def episodes_table(summary: dict[str, Any]) -> str:
    """The regularities of retaliation beside the literature (``EpisodeSummary.to_json``)."""
    level = f"{summary['confidence']:.0%}"
    which = "episodes while the truce stood" if summary["standing"] else "all episodes"
    lines = [
        f"{summary['scenario']}: {summary['runs']} replications, seed {summary['seed']}, "
        f"{which} ({level} intervals, a bootstrap over replications)",
        "",
    ]
    rows = []
    for m in summary["measures"]:
        digits = 0 if m["name"] == "median_run" else 3
        shown = interval_text(
            {"value": m["value"], "low": m["interval"][0], "high": m["interval"][1]}, digits
        )
        reference = m["literature"]
        if reference is None:
            literature = ""
        else:
            low, high = reference["low"], reference["high"]
            literature = f"{low:g}" if low == high else f"{low:g} to {high:g}"
            inside = low <= m["value"] <= high if m["value"] is not None else False
            literature += "  inside" if inside else "  outside"
        rows.append((m["label"], shown, f"n={m['n']}", literature))
    width = max(len(r[0]) for r in rows)
    shown_width = max(len(r[1]) for r in rows)
    lines.append(f"  {'':<{width}}  {'simulation':<{shown_width}}  {'':<9}  literature")
    lines += [
        f"  {label:<{width}}  {shown:<{shown_width}}  {n:<9}  {literature}".rstrip()
        for label, shown, n, literature in rows
    ]
    lines += [
        "",
        f"Episodes: {summary['episodes']}",
        "Two-sided episodes by their longest run of answers",
    ]
    runs = summary["two_sided_by_longest_run"]
    total = sum(runs.values())
    for k, n in runs.items():
        lines.append(f"  {k:<4} {n:>8}  {_bar(n / total if total else None)}".rstrip())
    lines += ["", "Literature:"]
    lines += [
        f"  {m['label']}: {m['literature']['source']}"
        for m in summary["measures"]
        if m["literature"] is not None
    ]
    return "\n".join(lines)


def calibration_table(data: Mapping[str, Any], folder: str) -> str:
    """A calibration: each fitted parameter's posterior beside its prior range, then the
    populations, and where the posterior is kept."""
    settings = data["settings"]
    level = round(100 * data["level"])
    lines = [
        f"{data['scenario']}: ABC-SMC, {data['particles']} particles, "
        f"{settings['replications']} replications each, seed {settings['seed']}",
        "",
        f"  {'parameter':<44} {'prior':<17} {'median':>9}  {level}% interval",
    ]
    for p in data["parameters"]:
        prior = f"{p['prior_low']:g} to {p['prior_high']:g}"
        lines.append(
            f"  {p['path']:<44} {prior:<17} {p['median']:>9.4g}  [{p['low']:.4g}, {p['high']:.4g}]"
        )
    lines.append("")
    lines.append(
        f"  {'target':<36} {'observed':<17} {'simulated':>9}  {level}% interval   predictive p"
    )
    for t, c in zip(data["targets"], data["check"]["targets"], strict=True):
        observed = (
            f"{t['low']:g} to {t['high']:g}"
            if "low" in t
            else f"{t['observed']:g} +- {t['sd']:.3g}"
        )
        if c["draws"]:
            found = f"{c['median']:>9.4g}  [{c['low']:.4g}, {c['high']:.4g}]"
            mark = "" if c["reproduced"] else "  not reproduced"
            lines.append(f"  {t['label']:<36} {observed:<17} {found:<28} {c['p_value']:.2f}{mark}")
        else:
            lines.append(f"  {t['label']:<36} {observed:<17} {'no draw defines it':>9}")
    lines.append("")
    steps = ", ".join(f"{p['temperature']:.3g}" for p in data["populations"])
    lines.append(
        f"  {len(data['populations'])} populations (temperatures {steps}), "
        f"{data['evaluations']} particles simulated, effective sample size "
        f"{data['effective_size']:.0f}"
    )
    if not data["converged"]:
        lines.append(
            f"  warning: stopped at temperature {data['final_temperature']:.3g} > 1: "
            "this sample is not yet the posterior; raise --generations"
        )
    if data["rejected_for_failures"]:
        lines.append(
            f"  {data['rejected_for_failures']} particles rejected: their replications "
            "failed (see --max-events, --max-memory)"
        )
    lines.append(
        f"  in {folder}: posterior.parquet, calibration.json, calibrated.toml, "
        "marginals.png, check.png" + (", pairs.png" if len(data["parameters"]) > 1 else "")
    )
    return "\n".join(lines)


def discovery_table(data: Mapping[str, Any]) -> str:
    """A discovery: PRIM's box as a sentence, the trade-off along the peeling, the
    box's limits, and the tree's regions."""
    box = data["box"]
    lines = [
        box["sentence"],
        "",
        f"  {data['rows']} rows ({data['per']}s), {data['cases']} cases of interest"
        + (f"; {data['left_out']} left out (no value)" if data["left_out"] else "")
        + (f"; constant, left out: {', '.join(data['constant'])}" if data["constant"] else ""),
        f"  chosen: {box['choice']} (step {box['step']})",
        "",
        "  trade-off along the peeling",
        f"    {'step':>4}  {'coverage':>8}  {'density':>7}  {'mass':>5}  restricted",
    ]
    trajectory = data["trajectory"]
    shown = sorted({0, len(trajectory) - 1, box["step"], *range(0, len(trajectory), 5)})
    for index in shown:
        s = trajectory[index]
        mark = "  <- chosen" if index == box["step"] else ""
        lines.append(
            f"    {index:>4}  {s['coverage']:>8.2f}  {s['density']:>7.2f}  {s['mass']:>5.2f}"
            f"  {s['restricted']:>10}{mark}"
        )
    if box["rules"]:
        lines += ["", "  the box's limits (quasi-p-value of each, lower / upper)"]
        for rule in box["rules"]:
            qp = " / ".join("-" if v is None else f"{v:.2g}" for v in rule["quasi_p"])
            lines.append(f"    {rule['text']:<60} {qp}")
    if box["lifted"]:
        lines.append(f"  lifted (quasi-p above the limit): {'; '.join(box['lifted'])}")
    tree = data["tree"]
    lines += ["", f"  tree (CART, depth {tree['max_depth']}): regions, most cases first"]
    for leaf in tree["leaves"]:
        kind = "case" if leaf["case"] else "other"
        lines.append(f"    {leaf['share']:>5.2f} of {leaf['rows']:>5} ({kind:<5})  {leaf['rules']}")
    if data["pictures"]:
        lines += ["", f"  pictures: {', '.join(data['pictures'])}"]
    return "\n".join(lines)
