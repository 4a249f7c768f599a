"""The outcome catalogue: every field of a replication's outcome record, declared once.

Each entry gives the field's name, type, unit, a readable label (for tables and
pictures), a one-line meaning, when it is defined (``None``: always; otherwise it is
empty in the replications where it did not happen) and how it is computed from the
``Tally`` of the records. Fields that exist once per armed actor or per guarantor are
templates (``deaths_{actor}``) expanded over the scenario's actors, in file order.

The outcome record, results files, summaries, comparisons, pictures and the README's
outcome table all read this catalogue: adding an outcome is one entry here (plus, if it
needs something new from the records, a line in ``tally.py``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sim.errors import InputError
from sim.model.memo import by_identity
from sim.model.records import TruceState
from sim.model.tally import Tally
from sim.scenario.spec import Ladder, Scenario

# what a field (or a rung) needs in the scenario to mean anything
REQUIREMENTS: dict[str, Callable[[Scenario], bool]] = {
    "truce": lambda s: s.truce is not None,
    "restoration": lambda s: (
        s.truce is not None and (s.truce.restoration is not None or s.talks is not None)
    ),
    "talks": lambda s: s.talks is not None,
    "guarantors": lambda s: bool(s.guarantors),
    "embedded": lambda s: any(g.embedded is not None for g in s.guarantors),
    "negotiation": lambda s: s.negotiation is not None,
    "mediator": lambda s: s.mediator is not None,
    "openings": lambda s: bool(s.openings),
    "commitments": lambda s: any(a.commitment is not None for a in s.armed),
}


# what a scenario lacks when a requirement fails, for errors
LACKS = {
    "truce": "no truce",
    "restoration": "no restoration talks",
    "talks": "no convened talks",
    "guarantors": "no guarantors",
    "embedded": "no embedded guarantor personnel",
    "negotiation": "no negotiation",
    "mediator": "no mediator",
    "openings": "no opening strikes",
    "commitments": "no public commitments",
}


def _applies(requires: str | None, scenario: Scenario) -> bool:
    return requires is None or REQUIREMENTS[requires](scenario)


@dataclass(frozen=True, slots=True)
class Rung:
    """A rung of the escalation ladder: reached when outcome ``field`` is at least
    ``at_least(ladder)`` (the first rung, with no field, always is)."""

    name: str
    label: str
    field: str | None
    at_least: Callable[[Ladder], float]
    requires: str | None = None

    def reached(self, value: Any, ladder: Ladder) -> bool:
        if self.field is None:
            return True
        return value is not None and bool(value >= self.at_least(ladder))

    def applies(self, scenario: Scenario) -> bool:
        return _applies(self.requires, scenario)


RUNGS = (
    Rung("quiet", "quiet: nobody killed", None, lambda ladder: 0),
    Rung("deadly_strike", "a deadly strike", "deaths", lambda ladder: 1),
    Rung(
        "mass_casualty_strike",
        "a mass-casualty strike",
        "deadliest_strike",
        lambda ladder: ladder.mass_casualty,
    ),
    Rung("retaliation_cycle", "a retaliation cycle", "longest_chain", lambda ladder: ladder.cycle),
    Rung(
        "guarantor_personnel_killed",
        "guarantor personnel killed",
        "personnel_killed",
        lambda ladder: 1,
        "embedded",
    ),
    Rung(
        "guarantor_direct_action",
        "a guarantor's direct action",
        "guarantor_direct_action",
        lambda ladder: 1,
        "guarantors",
    ),
    Rung("truce_collapse", "the truce collapsed", "collapsed", lambda ladder: 1, "truce"),
)
LADDER = tuple(rung.name for rung in RUNGS)


def highest_rung(record: Mapping[str, Any], ladder: Ladder) -> str:
    """The highest rung an outcome record reached."""
    for name, field, least in _from_the_top(ladder):
        if field is None:
            return name
        value = record.get(field)
        if value is not None and value >= least:
            return name
    raise AssertionError("the first rung is always reached")


@by_identity
def _from_the_top(ladder: Ladder) -> tuple[tuple[str, str | None, float], ...]:
    """Each rung's name, field and threshold on this ladder, the highest first."""
    return tuple((r.name, r.field, r.at_least(ladder)) for r in reversed(RUNGS))


ARMED = "armed"  # one field per armed actor (clients and guarantors)
GUARANTORS = "guarantors"  # one field per guarantor

OUTCOME, INDEX, DIAGNOSTIC = "outcome", "index", "diagnostic"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the outcome record."""

    name: str
    kind: type  # bool, int, float or str
    unit: str  # "" for true/false and categories
    label: str
    meaning: str
    # (tally) or, for a field per actor, (tally, actor id); the fields before this one
    # are in tally.record
    value: Callable[..., Any]
    when: str | None = None  # when it is defined, if not always
    per: str | None = None  # ARMED or GUARANTORS: a template expanded per actor
    role: str = OUTCOME  # INDEX (which replication) and DIAGNOSTIC are not outcomes
    categories: tuple[str, ...] = ()  # the ordered values of a categorical field
    states: tuple[str, str] = ("no", "yes")  # a true/false field's values, in words
    given: str | None = None  # a true/false field that means something only where this is true
    requires: str | None = None  # what the scenario must have (see REQUIREMENTS)
    actor: str | None = None  # set on a template's expansion

    @property
    def conditional(self) -> bool:
        return self.when is not None

    def applies(self, scenario: Scenario) -> bool:
        """Whether the scenario has what this field measures."""
        return _applies(self.requires, scenario)

    def text(self, scenario: Scenario) -> str:
        """The label, with the scenario's horizon where it names one."""
        return self.label.replace("{horizon}", f"{scenario.horizon:g}")

    @property
    def numeric(self) -> bool:
        """A number or true/false: something with a mean or a probability."""
        return self.kind is not str

    def compute(self, tally: Tally) -> Any:
        return self.value(tally) if self.actor is None else self.value(tally, self.actor)

    def bounds(self, scenario: Scenario) -> tuple[float, float]:
        """The values the field can take: every outcome counts or measures something
        non-negative, and a day lies within the horizon."""
        return (0.0, scenario.horizon if self.unit == "days" else math.inf)


def _day(strike: Any) -> float | None:
    return None if strike is None else strike.day


def _deaths(strike: Any) -> int | None:
    return None if strike is None else strike.deaths


# fmt: off
CATALOGUE: tuple[Field, ...] = (
    Field(
        "replication", int, "", "replication", "index of the replication under the run's seed",
        lambda t: t.replication, role=INDEX,
    ),
    Field(
        "collapsed", bool, "", "truce collapsed by day {horizon}",
        "the truce collapsed before the horizon", lambda t: t.collapses > 0,
        states=("held", "collapsed"), requires="truce",
    ),
    Field(
        "collapse_day", float, "days", "day of the first collapse",
        "day of the first collapse (survival treats a truce that held as censored at the "
        "horizon)",
        lambda t: t.collapse_day, when="the truce collapsed", requires="truce",
    ),
    Field(
        "collapse_cause", str, "", "cause of the first collapse",
        "`strain past the collapse threshold`, `guarantor direct action`, or `ID personnel killed`",
        lambda t: t.collapse_cause, when="the truce collapsed", requires="truce",
    ),
    Field(
        "restored", bool, "", "truce restored by talks by day {horizon}",
        "talks restored a truce after a collapse (a probability among the replications "
        "that collapsed)", lambda t: t.restored_day is not None,
        states=("not restored", "restored"), given="collapsed", requires="restoration",
    ),
    Field(
        "restored_day", float, "days", "day of the first restoration",
        "day talks first restored a truce", lambda t: t.restored_day,
        when="talks restored the truce", requires="restoration",
    ),
    Field(
        "collapses", int, "collapses", "collapses",
        "number of collapses (a restored truce may collapse again)", lambda t: t.collapses,
        requires="truce",
    ),
    Field(
        "strikes", int, "strikes", "strikes", "all strikes, the openings included",
        lambda t: t.strikes,
    ),
    Field(
        "routine_strikes", int, "strikes", "routine strikes", "unprovoked violations",
        lambda t: t.routine,
    ),
    Field(
        "retaliations", int, "strikes", "retaliations", "strikes answering another strike",
        lambda t: t.retaliations,
    ),
    Field(
        "longest_chain", int, "strikes", "longest retaliation chain",
        "strikes in the longest chain of answers (a strike alone is 1; 0 without strikes)",
        lambda t: t.longest,
    ),
    Field(
        "deadliest_strike", int, "people", "deaths in the deadliest strike",
        "the most deaths in one strike (0 when nobody was killed)", lambda t: t.deadliest,
    ),
    Field(
        "first_retaliation_day", float, "days", "day of the first retaliation",
        "day of the first retaliation", lambda t: _day(t.first_retaliation),
        when="there was a retaliation",
    ),
    Field(
        "first_retaliation_deaths", int, "people", "deaths in the first retaliation",
        "true deaths of the first retaliation", lambda t: _deaths(t.first_retaliation),
        when="there was a retaliation",
    ),
    Field(
        "first_retaliation_reported", int, "people", "reported deaths in the first retaliation",
        "the first retaliation's deaths as the observer reported them",
        lambda t: t.first_retaliation_reported,
        when="there was a retaliation, reported by the horizon",
    ),
    Field(
        "opening_answered", bool, "", "opening strike answered",
        "the (first) opening strike was answered", lambda t: t.answer is not None,
        states=("not answered", "answered"), requires="openings",
    ),
    Field(
        "opening_answer_day", float, "days", "day of the answer to the opening strike",
        "day of the first answer to the opening strike", lambda t: _day(t.answer),
        when="the opening strike was answered", requires="openings",
    ),
    Field(
        "opening_answer_deaths", int, "people", "deaths in the answer to the opening strike",
        "true deaths of the first answer to the opening strike", lambda t: _deaths(t.answer),
        when="the opening strike was answered", requires="openings",
    ),
    Field(
        "opening_answer_reported", int, "people",
        "reported deaths in the answer to the opening strike",
        "that answer's deaths as the observer reported them", lambda t: t.answer_reported,
        when="the opening strike was answered, and the answer reported by the horizon",
        requires="openings",
    ),
    Field(
        "last_strike_day", float, "days", "day of the last strike", "day of the last strike",
        lambda t: t.last_strike_day, when="there was a strike",
    ),
    Field(
        "deaths", int, "people", "deaths", "true deaths, all actors",
        lambda t: sum(t.deaths.values()),
    ),
    Field(
        "reported_deaths", int, "people", "reported deaths",
        "deaths as the observer reported them, all actors", lambda t: sum(t.reported.values()),
    ),
    Field(
        "deaths_{actor}", int, "people", "deaths of {actor}",
        "true deaths of an armed actor's people", lambda t, actor: t.deaths[actor], per=ARMED,
    ),
    Field(
        "reported_{actor}", int, "people", "reported deaths of {actor}",
        "reported deaths of an armed actor's people", lambda t, actor: t.reported[actor],
        per=ARMED,
    ),
    Field(
        "personnel_killed", int, "people", "guarantor personnel killed",
        "embedded guarantor personnel killed, all guarantors",
        lambda t: sum(t.personnel.values()), requires="embedded",
    ),
    Field(
        "personnel_killed_{actor}", int, "people", "{actor} personnel killed",
        "embedded personnel of a guarantor killed", lambda t, actor: t.personnel[actor],
        per=GUARANTORS, requires="embedded",
    ),
    Field(
        "guarantor_direct_action", bool, "", "guarantor direct action",
        "a guarantor struck overtly", lambda t: t.direct_action,
        states=("none", "direct action"), requires="guarantors",
    ),
    Field(
        "commitments", int, "promises", "public commitments", "public promises to retaliate",
        lambda t: t.commitments, requires="commitments",
    ),
    Field(
        "consultations", int, "calls", "guarantor consultations",
        "guarantor calls held (shared ones included)", lambda t: t.held,
        requires="negotiation",
    ),
    Field(
        "calls_shared", int, "calls", "calls shared with another crisis",
        "calls that shared bandwidth with another crisis", lambda t: t.shared,
        requires="negotiation",
    ),
    Field(
        "calls_crowded_out", int, "calls", "calls crowded out",
        "calls crowded out by another crisis and postponed", lambda t: t.crowded,
        requires="negotiation",
    ),
    Field(
        "mediator_calls", int, "calls", "mediator's calls",
        "the mediator's calls for containment", lambda t: t.mediator_calls,
        requires="mediator",
    ),
    Field(
        "talks", int, "rounds", "rounds of talks",
        "rounds of talks: restoration rounds, talks the parties convened, summits",
        lambda t: t.talks, requires="restoration",
    ),
    Field(
        "peak_strain", float, "strain", "peak strain", "highest strain reached",
        lambda t: t.peak_strain, requires="truce",
    ),
    Field(
        "final_strain", float, "strain", "strain at the horizon", "strain at the horizon",
        lambda t: t.final_strain, when="the truce stands at the horizon", requires="truce",
    ),
    Field(
        "highest_rung", str, "", "highest rung of the escalation ladder",
        "highest rung of the escalation ladder reached (below)",
        lambda t: highest_rung(t.record, t.scenario.ladder), categories=LADDER,
    ),
    Field(
        "events", int, "events", "SimPy events", "SimPy events processed in the replication",
        lambda t: t.events, role=DIAGNOSTIC,
    ),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Series:
    """A daily series: a value for each replication and day (see ``sim.model.daily``)."""

    name: str
    kind: type  # int, float, or str for a state
    unit: str
    label: str
    meaning: str
    value: Callable[..., Any]  # (daily tally) or (daily tally, actor id) -> one value a day
    per: str | None = None
    requires: str | None = None
    categories: tuple[str, ...] = ()  # a state's values, in order
    at_end: bool = False  # a level at the day's end, not a count over the day
    actor: str | None = None

    def applies(self, scenario: Scenario) -> bool:
        return _applies(self.requires, scenario)

    def axis_label(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def compute(self, tally: Any) -> Any:
        return self.value(tally) if self.actor is None else self.value(tally, self.actor)


def _cumulative(counts: Any) -> Any:
    """Running totals along the days (the last axis: a chunk's rows are replications)."""
    return counts.cumsum(axis=-1, dtype=counts.dtype)


STATES = tuple(state.value for state in TruceState)

# fmt: off
SERIES: tuple[Series, ...] = (
    Series(
        "strikes", int, "strikes", "strikes a day", "strikes that day, the openings included",
        lambda d: d.total(d.strikes_by),
    ),
    Series(
        "strikes_{actor}", int, "strikes", "strikes by {actor} a day",
        "strikes an armed actor made that day", lambda d, actor: d.strikes_by[actor], per=ARMED,
    ),
    Series(
        "retaliations", int, "strikes", "retaliations a day",
        "strikes that day answering another strike", lambda d: d.retaliations,
    ),
    Series(
        "deaths", int, "people", "deaths a day", "true deaths that day, all actors",
        lambda d: d.total(d.deaths_of),
    ),
    Series(
        "deaths_{actor}", int, "people", "deaths of {actor} a day",
        "true deaths of an armed actor's people that day", lambda d, actor: d.deaths_of[actor],
        per=ARMED,
    ),
    Series(
        "reported_deaths", int, "people", "reported deaths a day",
        "deaths the observer reported that day (on the day of the report), all actors",
        lambda d: d.total(d.reported_of),
    ),
    Series(
        "reported_{actor}", int, "people", "reported deaths of {actor} a day",
        "an armed actor's deaths the observer reported that day",
        lambda d, actor: d.reported_of[actor], per=ARMED,
    ),
    Series(
        "cumulative_deaths", int, "people", "deaths so far", "true deaths up to the day's end",
        lambda d: _cumulative(d.total(d.deaths_of)), at_end=True,
    ),
    Series(
        "cumulative_reported", int, "people", "reported deaths so far",
        "deaths reported up to the day's end", lambda d: _cumulative(d.total(d.reported_of)),
        at_end=True,
    ),
    Series(
        "consultations", int, "calls", "guarantor consultations a day",
        "guarantor calls held that day (shared ones included)", lambda d: d.consultations,
        requires="negotiation",
    ),
    Series(
        "mediator_calls", int, "calls", "mediator's calls a day",
        "the mediator's calls for containment that day", lambda d: d.mediator_calls,
        requires="mediator",
    ),
    Series(
        "talks", int, "rounds", "rounds of talks a day", "rounds of talks of any kind that day",
        lambda d: d.talks, requires="restoration",
    ),
    Series(
        "state", str, "", "state of the truce", "the truce's state at the day's end",
        lambda d: d.state, requires="truce", categories=STATES, at_end=True,
    ),
    Series(
        "strain", float, "strain", "strain at the day's end",
        "the truce's strain at the day's end (empty once it has collapsed)",
        lambda d: d.strain, requires="truce", at_end=True,
    ),
)
# fmt: on


def days(scenario: Scenario) -> int:
    """Days on the daily grid: day d runs from d to d + 1, and the last begins before
    the horizon."""
    return max(1, math.ceil(scenario.horizon))


@dataclass(frozen=True, slots=True)
class SeriesAt:
    """A sweep metric ``SERIES@DAY``: a numeric daily series' value on one day, whose
    mean over replications the sweep's tidy table carries."""

    series: Series
    day: int

    @property
    def name(self) -> str:
        return f"{self.series.name}@{self.day}"


def series_at(scenario: Scenario, name: str, option: str) -> SeriesAt | None:
    """``name`` as ``SERIES@DAY`` (None when it has no ``@``), or a one-line error."""
    if "@" not in name:
        return None
    label, _, day_text = name.partition("@")
    found = find_series(scenario, label, option)
    if found.kind is str:
        raise InputError(
            option,
            name,
            f"expected a numeric daily series, got {label} (a state; the "
            "outcome collapsed gives the probability of a collapse)",
        )
    last = days(scenario) - 1
    canonical = day_text.isascii() and day_text.isdigit() and str(int(day_text)) == day_text
    if not (canonical and int(day_text) <= last):
        raise InputError(
            option,
            name,
            f"expected SERIES@DAY with a day from 0 to {last} (day d runs from d to d + 1)",
        )
    return SeriesAt(found, int(day_text))


def check_metric(scenario: Scenario, name: str, option: str) -> Field | SeriesAt:
    """An outcome, or a daily series on a day (``SERIES@DAY``), or a one-line error."""
    return series_at(scenario, name, option) or metric(scenario, name, option)


def series(scenario: Scenario) -> tuple[Series, ...]:
    """The daily series the scenario has, templates expanded per armed actor."""
    armed = [a.id for a in scenario.armed]
    found: list[Series] = []
    for entry in SERIES:
        if not entry.applies(scenario):
            continue
        for actor in armed if entry.per == ARMED else (None,):
            if actor is None:
                found.append(entry)
            else:
                found.append(
                    dataclasses.replace(
                        entry,
                        name=entry.name.format(actor=actor),
                        label=entry.label.format(actor=actor),
                        actor=actor,
                    )
                )
    return tuple(found)


def find_series(scenario: Scenario, name: str, option: str) -> Series:
    """The daily series ``name``, or a one-line error naming the option and the nearest
    valid name."""
    found = {s.name: s for s in series(scenario)}
    if name in found:
        return found[name]
    entry = next((s for s in SERIES if s.name == name), None)
    if entry is not None and not entry.applies(scenario):
        lacks = LACKS[entry.requires or ""]
        raise InputError(option, name, f"the scenario has {lacks}, so {name} has no values")
    close = difflib.get_close_matches(name, list(found), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"valid: {', '.join(found)}"
    raise InputError(option, name, f"no daily series is named {name}; {hint}")


def fields(scenario: Scenario) -> tuple[Field, ...]:
    """The scenario's outcome fields in record order, templates expanded per actor."""
    return _expanded(tuple(a.id for a in scenario.armed), tuple(g.id for g in scenario.guarantors))


@lru_cache(maxsize=64)
def _expanded(armed: tuple[str, ...], guarantors: tuple[str, ...]) -> tuple[Field, ...]:
    found: list[Field] = []
    for entry in CATALOGUE:
        if entry.per is None:
            found.append(entry)
            continue
        for actor in armed if entry.per == ARMED else guarantors:
            found.append(
                dataclasses.replace(
                    entry,
                    name=entry.name.format(actor=actor),
                    label=entry.label.format(actor=actor),
                    actor=actor,
                )
            )
    return tuple(found)


def check_columns(scenario: Scenario, origin: str) -> None:
    """Refuse actor ids that would give two outcome fields one name (an actor named
    ``deaths`` would make ``reported_deaths`` both its count and the total)."""
    seen: dict[str, Field] = {}
    for field in fields(scenario):
        other = seen.get(field.name)
        if other is not None:
            actor = field.actor or other.actor
            raise InputError(
                origin,
                f"actors.{actor}",
                f"the id {actor} would make outcome column {field.name} name two things; "
                "choose another id",
            )
        seen[field.name] = field


def outcome_fields(scenario: Scenario) -> list[str]:
    """The outcome's field names, in order."""
    return [f.name for f in fields(scenario)]


def outcome_schema(scenario: Scenario) -> dict[str, type]:
    """Each field's type (bool, int, float or str); any conditional field may be None."""
    return {f.name: f.kind for f in fields(scenario)}


def find(scenario: Scenario, name: str) -> Field | None:
    return next((f for f in fields(scenario) if f.name == name), None)


def metric(scenario: Scenario, name: str, option: str, *, shown: str | None = None) -> Field:
    """The numeric or true/false outcome ``name``, or a one-line error naming the
    option, with the nearest valid name."""
    found = find(scenario, name)
    if found is not None and found.numeric and found.role != INDEX:
        if not found.applies(scenario):
            lacks = LACKS[found.requires or ""]
            raise InputError(
                option, shown or name, f"the scenario has {lacks}, so {name} has no values"
            )
        return found
    if found is not None and found.role == INDEX:
        expected = f"expected an outcome, got {name} (it numbers the replications)"
    elif found is not None:
        expected = f"expected a numeric or true/false outcome, got {name} (a category)"
    else:
        valid = [f.name for f in fields(scenario) if f.numeric and f.role != INDEX]
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"valid: {', '.join(valid)}"
        expected = f"no outcome is named {name}; {hint}"
    raise InputError(option, shown or name, expected)
