"""A report to hand on: one self-contained HTML file (pictures embedded as PNG, no
script, nothing fetched when it is viewed) for a run, a sweep or a comparison, made
from a jinja2 template (``templates/report.html.j2``).

A run's report: what was run, the key figures with their intervals, survival and the
cumulative incidence of collapse, the truce's state and fan charts by day, the
escalation ladder, three representative replications (the median one by deaths, a
collapse near the median collapse day, the deadliest) as trace pictures with their key
moments, and every parameter of the scenario with the FACT or ASSUMPTION note the
scenario file gives it. A sweep's report has the tidy table and pictures across its
points; a comparison's, the outcome table, the day from which cumulative deaths
differ, and both runs' curves overlaid.

The same results always give the same bytes: nothing in it depends on the time it was
written.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim
from sim.errors import InputError, OutputFailed
from sim.model.catalogue import find
from sim.model.replication import simulate
from sim.optional import require
from sim.outputs import daily_pictures, pictures
from sim.outputs.manifests import writable, write_atomically
from sim.outputs.results import Results, SweepResults
from sim.outputs.tables import interval_text, number_text
from sim.outputs.timelines import Trace
from sim.scenario.dump import flat
from sim.scenario.notes import notes
from sim.statistics.comparisons import Comparison

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TEMPLATES = Path(__file__).parent / "templates"
KEY_QUANTITIES = ("deaths", "reported_deaths", "strikes", "retaliations", "longest_chain")
KEY_ROWS = 30  # key moments shown per representative replication
MOMENTS = (
    "collapsed",
    "strained",
    "in force",
    "consultation",
    "calls for containment",
    "talks",
    "vows",
)


@dataclass
class Picture:
    src: str
    alt: str
    caption: str


@dataclass
class Table:
    head: list[str]
    rows: list[list[Any]]
    caption: str = ""
    note: str = ""
    numeric: bool = True


@dataclass
class Section:
    id: str
    title: str
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[Picture] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    grid: bool = False


def embed(figure: Figure, alt: str, caption: str) -> Picture:
    """A figure as an embedded PNG (no date or software stamp, so the bytes repeat)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Picture(f"data:image/png;base64,{data}", alt, caption)


def render(context: dict[str, Any]) -> str:
    jinja2 = require("jinja2", "report", "HTML", "a report")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    html: str = environment.get_template("report.html.j2").render(
        version=sim.__version__, **context
    )
    return html


def check_output(path: str | Path) -> Path:
    """A report's file name: an .html file in a folder that exists and can be written."""
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise InputError("-o", str(path), "expected an .html file")
    writable(target, "-o")
    return target


def write(html: str, path: str | Path) -> Path:
    target = check_output(path)
    try:
        write_atomically(target, html.encode("utf-8"))
    except OSError as error:
        raise OutputFailed(f"writing {path} failed ({error.strerror})") from None
    return target


# a run ------------------------------------------------------------------------------


def _facts(results: Results) -> list[tuple[str, str]]:
    scenario = results.scenario
    facts = [
        ("scenario", scenario.name),
        ("replications", f"{len(results):,}"),
        ("seed", str(results.seed)),
        (
            "horizon",
            f"{scenario.horizon:g} days"
            + (f", from {scenario.start_date:%d %B %Y}" if scenario.start_date else ""),
        ),
    ]
    manifest = _manifest(results)
    if manifest:
        facts.insert(1, ("scenario file", str(manifest.get("scenario_file", "-"))))
        versions = manifest.get("dependencies") or {}
        shown = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
        facts.append(
            (
                "versions",
                f"truce {manifest.get('truce_version')}, Python {manifest.get('python')}; {shown}",
            )
        )
        if results.failures:
            facts.append(("failed replications", f"{len(results.failures)} (left out)"))
    return facts


def _manifest(results: Results) -> dict[str, Any]:
    manifest = getattr(results.source, "manifest", None)
    return dict(manifest) if isinstance(manifest, dict) else {}


def _commands(results: Results) -> list[str]:
    return [_command(run.get("command", [])) for run in _manifest(results).get("invocations", [])]


def _command(parts: list[Any]) -> str:
    """A command line as typed: the program by its name, not the path it ran from."""
    words = [str(part) for part in parts]
    if words and Path(words[0]).name == "truce":
        words[0] = "truce"
    return " ".join(words)


def _key_figures(results: Results, summary: dict[str, Any]) -> Section:
    level = round(summary["confidence"] * 100)
    section = Section(
        "key",
        "Key figures",
        f"Estimates with {level}% intervals over {summary['replications']:,} replications.",
    )
    truce = summary["truce"]
    rows: list[list[Any]] = []
    if truce is not None:
        collapsed = truce["collapsed"]
        rows.append([collapsed["label"], interval_text(collapsed), collapsed["n"]])
        if "restored" in truce:
            restored = truce["restored"]
            rows.append([restored["label"], interval_text(restored), restored["n"]])
        median = truce["median_collapse_day"]
        shown = (
            interval_text(median, 1)
            if median["reached"]
            else f"not reached (S({summary['horizon']:g}) = {truce['survival'][-1]['value']:.3f})"
        )
        rows.append([median["label"], shown, median["n"]])
    for name, found in summary["probabilities"].items():
        if name not in ("collapsed", "restored"):
            rows.append([found["label"], interval_text(found), found["n"]])
    section.tables.append(Table(["probability", "estimate [interval]", "n"], rows))
    quantities = summary["quantities"]
    shown_rows = []
    for name in KEY_QUANTITIES:
        q = quantities.get(name)
        if q is None:
            continue
        unit = f" ({q['unit']})" if q["unit"] else ""
        shown_rows.append(
            [
                f"{q['label']}{unit}",
                interval_text(q["mean"], 2),
                number_text(q["median"]["value"]),
                number_text(q["p05"]),
                number_text(q["p95"]),
                q["n"],
            ]
        )
    section.tables.append(
        Table(
            ["outcome", "mean [interval]", "median", "5%", "95%", "n"],
            shown_rows,
            caption="Outcomes per replication",
        )
    )
    if truce is not None and truce["causes"]:
        total = sum(c["count"] for c in truce["causes"])
        section.tables.append(
            Table(
                ["cause of the first collapse", "collapses", "share"],
                [[c["cause"], c["count"], f"{100 * c['share']:.1f}%"] for c in truce["causes"]],
                caption=f"Causes of the {total} collapses",
            )
        )
    if truce is not None:
        section.tables.append(
            Table(
                [
                    "Kaplan-Meier survival: P(no collapse in the first t days)",
                    "estimate [interval]",
                ],
                [
                    [
                        f"t = {r['day']:g}" + (f" (to {r['through']})" if r.get("through") else ""),
                        interval_text(r),
                    ]
                    for r in truce["survival"]
                ],
            )
        )
    return section


def _unfolding(results: Results, confidence: float) -> Section:
    section = Section("daily", "How it unfolds, day by day", grid=True)
    if results.scenario.truce is not None:
        section.figures.append(
            embed(
                pictures.survival_figure([results], confidence),
                "survival of the truce",
                "Survival of the truce (Kaplan-Meier) with its band.",
            )
        )
        section.figures.append(
            embed(
                pictures.survival_figure([results], confidence, incidence=True),
                "cumulative incidence of collapse",
                "P(the truce has collapsed by day t), one minus Kaplan-Meier.",
            )
        )
    if not results.keeps_daily:
        section.text = (
            "This run kept no daily series (--daily off), so only the curves "
            "drawn from the outcomes are shown."
        )
        return section
    section.text = (
        "Fan charts show the median with the 50% and 90% bands of the "
        "replications; counts are over each day, levels at each day's end."
    )
    if results.scenario.truce is not None:
        section.figures.append(
            embed(
                daily_pictures.states_figure(results, confidence),
                "state of the truce by day",
                "The truce's state at each day's end; dashed: collapsed at least once.",
            )
        )
    for name, caption in (
        ("cumulative_deaths", "True deaths so far."),
        ("deaths", "True deaths each day."),
        ("strikes", "Strikes each day."),
        ("strain", "The truce's strain at each day's end."),
    ):
        try:
            figure = daily_pictures.fan_figure([results], name, confidence)
        except InputError:  # a series the scenario does not have (no truce: no strain)
            continue
        section.figures.append(embed(figure, name, caption))
    return section


def _ladder(summary: dict[str, Any]) -> Section:
    rows = [
        [
            r["label"],
            (f"{r['reached']:,} ({100 * r['reached_share']:.1f}%)" if i else ""),
            f"{r['highest']:,} ({100 * r['highest_share']:.1f}%)",
        ]
        for i, r in enumerate(summary["ladder"])
    ]
    return Section(
        "ladder",
        "Escalation ladder",
        "How far each replication climbed.",
        tables=[Table(["rung", "reached it", "stopped there"], rows)],
    )


def _representative(results: Results) -> list[tuple[int, str, str]]:
    """(replication, title, why): the median by deaths, a collapse near the median
    collapse day, the deadliest."""
    columns = results.columns(["deaths", "collapse_day"])
    reps, deaths = columns["replication"], columns["deaths"]
    if not reps:
        return []
    ordered = sorted(range(len(reps)), key=lambda i: (deaths[i], reps[i]))
    middle = ordered[(len(ordered) - 1) // 2]
    chosen = [
        (
            reps[middle],
            "The median replication",
            f"{deaths[middle]} deaths, the median over the run.",
        )
    ]
    collapsed = [i for i in range(len(reps)) if columns["collapse_day"][i] is not None]
    if collapsed:
        days = sorted(columns["collapse_day"][i] for i in collapsed)
        typical = days[(len(days) - 1) // 2]
        near = min(collapsed, key=lambda i: (abs(columns["collapse_day"][i] - typical), reps[i]))
        chosen.append(
            (
                reps[near],
                "A collapse",
                f"The truce collapsed on day {columns['collapse_day'][near]:.1f}, the "
                f"median day among the {len(collapsed)} collapses.",
            )
        )
    worst = ordered[-1]
    chosen.append((reps[worst], "The deadliest replication", f"{deaths[worst]} deaths."))
    once: dict[int, tuple[int, str, str]] = {}  # a replication that is two of them shows once
    for case in chosen:
        once.setdefault(case[0], case)
    return list(once.values())


def _moments(trace: Trace) -> tuple[list[dict[str, Any]], int]:
    """The rows that tell the story: the truce's changes, calls and talks, promises, the
    openings, direct action, deadly answers and mass-casualty strikes. No strain is
    shown while the truce has collapsed."""
    mass = trace.scenario.ladder.mass_casualty
    rows = []
    for row in trace.rows:
        action, deaths = row["action"], row["deaths"] or 0
        if (
            action.startswith(MOMENTS)
            or "opening" in action
            or "direct action" in action
            or ("retaliation" in action and deaths > 0)
            or deaths >= mass
        ):
            shown = dict(row)
            if shown["state"] == "collapsed":
                shown["strain"] = None
            rows.append(shown)
    return rows[:KEY_ROWS], max(0, len(rows) - KEY_ROWS)


def _cases(results: Results) -> Section:
    section = Section("replications", "Representative replications")
    section.text = (
        "Each is one replication drawn again from its seed: strikes by actor "
        "(area by deaths, retaliations linked to the strike they answer), calls "
        "and talks, and the strain with its thresholds; the table lists its key "
        "moments."
    )
    for replication, title, why in _representative(results):
        trace = Trace(
            results.scenario, results.seed, simulate(results.scenario, results.seed, replication)
        )
        rows, more = _moments(trace)
        section.cases.append(
            {
                "title": f"{title}: replication {replication}",
                "text": why,
                "figure": embed(
                    trace.figure(),
                    f"replication {replication}",
                    f"Replication {replication} of seed {results.seed}.",
                ),
                "rows": rows,
                "dated": results.scenario.start_date is not None,
                "more": f"{more} more key moments, and every step, with"
                if more
                else "Every step, with",
                "command": f"truce trace SCENARIO --seed {results.seed} "
                f"--replication {replication}",
            }
        )
    return section


def _parameters(results: Results) -> tuple[list[tuple[str, str, str, str]], str]:
    """Every parameter with its value and the note the scenario file gives it (or
    that of the table it belongs to)."""
    manifest = _manifest(results)
    source = manifest.get("scenario_file")
    found = notes(source) if source else {}
    rows = []
    for path, value in flat(results.scenario).items():
        note, at = "", path
        while at and not note:
            note = found.get(at, "")
            at = at.rpartition(".")[0]
        kind = (
            "fact"
            if note.startswith("FACT")
            else "assumption"
            if note.startswith("ASSUMPTION")
            else ""
        )
        rows.append((path, _value(value), note, kind))
    if not source:
        text = "The scenario file is not known for these results, so its notes are not shown."
    elif not found:
        text = f"The scenario file {source} could not be read here, so its notes are not shown."
    else:
        text = (
            f"Values as run (overrides applied); notes from {source}, whose values are "
            "marked FACT (from the source) or ASSUMPTION. A value the file does not "
            "set is the model's default."
        )
    return rows, text


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def run_report(results: Results, confidence: float = 0.95) -> str:
    """A run's report as HTML."""
    pictures.figure_of()  # matplotlib, or a one-line error naming the extra
    summary = results.summary(confidence)
    parameters, note = _parameters(results)
    scenario = results.scenario
    return render(
        {
            "title": f"{scenario.name}: a run of {len(results):,} replications",
            "lead": scenario.description,
            "facts": _facts(results),
            "commands": _commands(results),
            "sections": [
                _key_figures(results, summary),
                _unfolding(results, confidence),
                _ladder(summary),
                _cases(results),
            ],
            "parameters": parameters,
            "parameters_note": note,
            "footer": f"Written by truce {sim.__version__} from {results.label}.",
        }
    )


# a sweep ------------------------------------------------------------------------------


def sweep_report(sweep: SweepResults, confidence: float = 0.95) -> str:
    """A sweep's report: its design, the tidy table and each metric across the points."""
    pictures.figure_of()
    rows = sweep.summary(confidence=confidence)
    first = next((sweep.point(i) for i in range(len(sweep.points)) if sweep.point(i)), None)
    if first is None:
        raise InputError("DIR", str(sweep.directory), "no point has started yet")
    paths = sweep.paths
    table = Table(
        ["point", *paths, "metric", "estimate [interval]", "replications"],
        [
            [
                r["point"],
                *[number_text(r[p]) for p in paths],
                r["metric"],
                interval_text({"value": r["estimate"], "low": r["low"], "high": r["high"]}),
                r["replications"],
            ]
            for r in rows
        ],
    )
    section = Section("sweep", "Across the sweep", tables=[table], grid=True)
    if len(paths) <= 2:
        for metric in sweep.metrics[:6]:
            if "@" in metric or find(first.scenario, metric) is None:
                continue
            section.figures.append(
                embed(
                    pictures.sweep_figure(sweep, metric, confidence),
                    metric,
                    f"{metric} across the sweep.",
                )
            )
    if first.keeps_daily:
        section.figures.append(
            embed(
                daily_pictures.sweep_fan_figure(sweep, "cumulative_deaths", confidence),
                "cumulative deaths by point",
                "Median deaths so far, by sweep point.",
            )
        )
    manifest = sweep.sweep.manifest
    facts = [
        ("scenario", first.scenario.name),
        ("scenario file", str(manifest.get("scenario_file", "-"))),
        ("varied", ", ".join(paths)),
        ("points", str(len(sweep.points))),
        ("replications", f"{len(sweep):,} in all"),
        ("seed", f"{first.seed}, shared by every point (common random numbers)"),
    ]
    parameters, note = _parameters(first)
    return render(
        {
            "title": f"{first.scenario.name}: a sweep of {len(sweep.points)} points",
            "lead": first.scenario.description,
            "facts": facts,
            "commands": [_command(r.get("command", [])) for r in manifest.get("invocations", [])],
            "sections": [section],
            "parameters": parameters,
            "parameters_note": note + " Shown for the first point; the varied parameters "
            "take each point's values.",
            "footer": f"Written by truce {sim.__version__} from {sweep.label}.",
        }
    )


# a comparison ------------------------------------------------------------------------


def comparison_report(
    a: Results, b: Results, comparison: Comparison, confidence: float = 0.95
) -> str:
    """Two runs compared: what differs between them, outcome by outcome and by day."""
    pictures.figure_of()
    rows = [
        [
            r["label"],
            number_text(r["a"]),
            r["n_a"],
            number_text(r["b"]),
            r["n_b"],
            f"{r['difference']:.4g} [{r['low']:.4g}, {r['high']:.4g}]",
            f"{r['p_adjusted']:.3g}",
            "yes" if r["differs"] else "",
        ]
        for r in comparison.rows
    ]
    how = "paired by replication (a shared seed)" if comparison.paired else "as independent samples"
    section = Section(
        "comparison",
        "B against A",
        f"Outcomes compared {how}; an outcome differs when its Benjamini-Hochberg "
        f"adjusted p-value is below {comparison.alpha:g}.",
        tables=[
            Table(
                ["outcome", "A", "n A", "B", "n B", "B - A [interval]", "p adjusted", "differs"],
                rows,
            )
        ],
        grid=True,
    )
    divergence = comparison.divergence
    if divergence is not None:
        first, label = divergence.first_day, divergence.label
        if first is None:
            said = f" Day by day, no day's {label} differs beyond noise."
        elif divergence.to_the_end:
            said = f" Day by day, {label} differ from day {first} on, every day to the last."
        else:
            said = (
                f" Day by day, {label} first differ on day {first}; {divergence.differing} "
                f"of the {len(divergence.days)} days differ."
            )
        section.text += said
    runs = [a, b]
    if a.scenario.truce is not None and b.scenario.truce is not None:
        section.figures.append(
            embed(
                pictures.survival_figure(runs, confidence),
                "survival",
                "Survival of the truce, A and B.",
            )
        )
        section.figures.append(
            embed(
                pictures.survival_figure(runs, confidence, incidence=True),
                "incidence",
                "Cumulative incidence of collapse.",
            )
        )
    if a.keeps_daily and b.keeps_daily:
        section.figures.append(
            embed(
                daily_pictures.fan_figure(runs, "cumulative_deaths", confidence),
                "deaths so far",
                "Deaths so far, A and B.",
            )
        )
    changes = Table(
        ["parameter", "A", "B"],
        [[p, _value(va), _value(vb)] for p, va, vb in comparison.changes],
        caption="What B changes",
        numeric=False,
    )
    section.tables.insert(0, changes)
    facts = [
        ("A", a.label),
        ("B", b.label),
        ("replications", f"{len(a):,} and {len(b):,}"),
        ("seeds", f"{a.seed} and {b.seed}"),
    ]
    parameters, note = _parameters(a)
    return render(
        {
            "title": f"{a.scenario.name}: two runs compared",
            "lead": a.scenario.description,
            "facts": facts,
            "commands": _commands(a) + _commands(b),
            "sections": [section],
            "parameters": parameters,
            "parameters_note": note + " Shown for A.",
            "footer": f"Written by truce {sim.__version__} from {a.label} and {b.label}.",
        }
    )
