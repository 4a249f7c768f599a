"""One replication as a picture (matplotlib, an optional extra): why it ended as it did.

Above, each armed actor's strikes as marks on the day axis (area by deaths, colour by
kind, an open ring for a guarantor's direct action), each retaliation linked to the
strike it answers; below them the guarantors' calls, the mediator's calls and the
rounds of talks. Beneath, the truce's strain with its thresholds. The truce's state
shades both panels.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.catalogue import REQUIREMENTS
from sim.model.records import (
    Call,
    Convened,
    MediatorCall,
    StateChange,
    Strain,
    Strike,
    StrikeKind,
    Talks,
    TruceState,
)
from sim.model.truce import strain_at
from sim.outputs.pictures import day_axis, figure_of
from sim.outputs.timelines import Trace

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

KIND_COLOURS = {
    StrikeKind.OPENING: "#000000",
    StrikeKind.ROUTINE: "#8c8c8c",
    StrikeKind.RETALIATION: "#d62728",
}
STATE_SHADES = {
    TruceState.IN_FORCE: "#4daf4a",
    TruceState.STRAINED: "#ff9f1c",
    TruceState.COLLAPSED: "#d62728",
}


def _states(trace: Trace) -> list[tuple[float, float, TruceState]]:
    """The truce's state as (from, to, state) spans over the run."""
    if trace.scenario.truce is None:
        return []
    spans: list[tuple[float, float, TruceState]] = []
    since, state = 0.0, TruceState.IN_FORCE
    for record in trace.run.records:
        if isinstance(record, StateChange):
            if record.day > since:
                spans.append((since, record.day, state))
            since, state = record.day, record.state
    spans.append((since, trace.scenario.horizon, state))
    return spans


def _strain_curve(trace: Trace, spans: list[tuple[float, float, TruceState]]) -> Any:
    """(days, strain) sampled finely, exact between changes; NaN while collapsed."""
    truce = trace.scenario.truce
    assert truce is not None
    levels = [(r.day, r.strain) for r in trace.run.records if isinstance(r, Strain)]
    grid = np.linspace(0.0, trace.scenario.horizon, 1200)
    days = np.unique(np.concatenate([grid, [d for d, _ in levels]]))
    strain = strain_at(truce, levels, days, at_change="right")  # a jump shows at its day
    for start, end, state in spans:
        if state is TruceState.COLLAPSED:
            strain[(days > start) & (days < end)] = np.nan
    return days, strain


def _shade(axes: Axes, spans: list[tuple[float, float, TruceState]], label: bool) -> None:
    shown: set[TruceState] = set()
    for start, end, state in spans:
        name = f"truce {state.value}" if label and state not in shown else None
        shown.add(state)
        axes.axvspan(start, end, color=STATE_SHADES[state], alpha=0.12, linewidth=0, label=name)


def _ending(trace: Trace) -> str:
    """What happened to the truce, in a few words, for the title."""
    changes = [r for r in trace.run.records if isinstance(r, StateChange)]
    collapses = [c for c in changes if c.state is TruceState.COLLAPSED]
    if trace.scenario.truce is None:
        strikes = sum(isinstance(r, Strike) for r in trace.run.records)
        return f"{strikes} strikes"
    if not collapses:
        final = changes[-1].state.value if changes else TruceState.IN_FORCE.value
        return f"the truce held to day {trace.scenario.horizon:g} ({final} at the horizon)"
    first = collapses[0]
    text = f"the truce collapsed on day {first.day:.1f} ({first.reason})"
    restored = [c for c in changes if c.reason == "restored by talks"]
    if restored:
        text += f", restored on day {restored[0].day:.1f}"
    if len(collapses) > 1:
        text += f", collapsed {len(collapses)} times in all"
    final = changes[-1].state.value if changes else TruceState.IN_FORCE.value
    return f"{text}; {final} at the horizon"


AREA_CAP = 100  # deaths beyond which a strike's mark grows no more


def _area(deaths: int) -> float:
    """A strike's mark: its area grows with its deaths, up to ``AREA_CAP``."""
    return 12 + 4 * min(deaths, AREA_CAP)


def _wrapped(name: str) -> str:
    """An actor's name on at most three lines of 24 characters."""
    return "\n".join(textwrap.wrap(name, 24, max_lines=3, placeholder="..."))


def _size_key(axes: Axes) -> list[Any]:
    """Legend entries that read a mark's area as deaths."""
    return [
        axes.scatter([], [], s=_area(deaths), color="#8c8c8c", alpha=0.7, label=f"{deaths} dead")
        for deaths in (0, 10, AREA_CAP)
    ]


def trace_figure(trace: Trace) -> Figure:
    """The replication as a picture: strikes by actor, diplomacy, strain and state."""
    scenario = trace.scenario
    records = trace.run.records
    armed = [a.id for a in scenario.armed]
    calls_lane = "guarantor calls" if scenario.guarantors else "calls between the parties"
    diplomatic = {
        calls_lane: scenario.negotiation is not None,
        "mediator": scenario.mediator is not None,
        "talks": REQUIREMENTS["restoration"](scenario),
    }
    # lanes: ("actor", id) for each armed actor, then ("diplomacy", name)
    lanes = [("actor", a) for a in armed]
    lanes += [("diplomacy", lane) for lane, used in diplomatic.items() if used]
    row = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    actor_row = {a: row["actor", a] for a in armed}
    has_truce = scenario.truce is not None
    figure = figure_of(6.5 if has_truce else 4.5, width=11.0)
    if has_truce:
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    else:
        top, bottom = figure.subplots(), None
    spans = _states(trace)
    strikes = {r.id: r for r in records if isinstance(r, Strike)}
    for strike in strikes.values():  # each answer linked to what it answers
        cause = strikes.get(strike.cause) if strike.cause is not None else None
        if cause is not None:
            top.plot(
                [cause.day, strike.day],
                [actor_row[cause.attacker], actor_row[strike.attacker]],
                color="#d62728",
                alpha=0.35,
                linewidth=0.8,
                zorder=1,
            )
    for kind, colour in KIND_COLOURS.items():
        chosen = [s for s in strikes.values() if s.kind is kind]
        if chosen:
            top.scatter(
                [s.day for s in chosen],
                [actor_row[s.attacker] for s in chosen],
                s=[_area(s.deaths) for s in chosen],
                color=colour,
                alpha=0.7,
                label=f"{kind.value} strike",
                zorder=2.5 if kind is StrikeKind.OPENING else 2,  # the scripted strikes on top
            )
    overt = [s for s in strikes.values() if s.overt]
    if overt:
        top.scatter(
            [s.day for s in overt],
            [actor_row[s.attacker] for s in overt],
            s=[48 + _area(s.deaths) for s in overt],
            facecolors="none",
            edgecolors="#6a3d9a",
            linewidths=1.5,
            label="direct action",
            zorder=3,
        )
    calls = [r.day for r in records if isinstance(r, Call)]
    mediator = [r.day for r in records if isinstance(r, MediatorCall)]
    failed = [r.day for r in records if isinstance(r, Talks) and not r.restored]
    failed += [r.day for r in records if isinstance(r, Convened) and not r.succeeded]
    restored = [r.day for r in records if isinstance(r, Talks) and r.restored]
    restored += [r.day for r in records if isinstance(r, Convened) and r.succeeded]
    diplomacy = [
        (calls, calls_lane, "^", "#1f77b4", "guarantors' call" if scenario.guarantors else "call"),
        (mediator, "mediator", "D", "#17becf", "mediator's call"),
        (failed, "talks", "s", "#7f7f7f", "talks, failed"),
        (restored, "talks", "s", "#2ca02c", "talks, restored the truce"),
    ]
    for days, lane, marker, colour, label in diplomacy:
        if days and ("diplomacy", lane) in row:
            lane_row = [row["diplomacy", lane]] * len(days)
            top.scatter(days, lane_row, marker=marker, color=colour, s=30, label=label)
    names = {("actor", a.id): _wrapped(a.name) for a in scenario.armed}
    top.set_yticks([row[n] for n in lanes], [names.get(n, n[1]) for n in lanes], fontsize=8)
    top.set_ylim(-0.7, len(lanes) - 0.3)
    top.grid(axis="x", alpha=0.3)
    _shade(top, spans, label=True)
    from matplotlib.collections import PathCollection

    handles, _ = top.get_legend_handles_labels()
    key = _size_key(top)
    legend = top.legend(
        handles=[*handles, *key],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title=f"mark area: deaths (to {AREA_CAP})",
        labelspacing=0.8,
        handletextpad=1.2,
    )
    # the legend's own marks: one size for each kind of mark, the key's sizes read deaths
    for mark, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        if isinstance(mark, PathCollection) and not text.get_text().endswith(" dead"):
            mark.set_sizes([30])
    top.set_title(
        f"{scenario.name}: replication {trace.replication} of seed {trace.seed}\n{_ending(trace)}",
        fontsize=10,
    )
    axis = top
    if bottom is not None and scenario.truce is not None:
        truce = scenario.truce
        days, strain = _strain_curve(trace, spans)
        bottom.plot(days, strain, color="black", linewidth=1.2, label="strain")
        for level, label, style in (
            (truce.collapse_at, "collapse threshold", "-"),
            (truce.strained_at, "strained threshold", "--"),
            (truce.relaxed_at, "back in force below", ":"),
        ):
            bottom.axhline(
                level,
                color="#d62728" if level == truce.collapse_at else "#ff9f1c",
                linestyle=style,
                linewidth=1,
                label=label,
            )
        _shade(bottom, spans, label=False)
        bottom.set_ylabel("strain")
        bottom.set_ylim(bottom=0)
        bottom.grid(alpha=0.3)
        bottom.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axis = bottom
    # with no truce to follow to the horizon, the axis ends soon after the last event
    last = max((r.day for r in records), default=0.0)
    until = None if has_truce else min(scenario.horizon, max(1.0, 1.1 * last))
    day_axis(axis, scenario, until)
    figure.tight_layout()
    return figure
