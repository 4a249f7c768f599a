"""A replication's daily series, gathered in one pass over its records.

Day ``d`` is the interval ``[d, d + 1)`` since the scenario opened; the grid runs from
day 0 to the last day that begins before the horizon. Counts (strikes, deaths,
calls) fall on the day they happen; reported deaths on the day the observer reported
them. The truce's state and strain are read at the end of each day (at the horizon
for the last day): the strain evaluated exactly from its last change, since it decays
between changes; no strain once the truce has collapsed (NaN).

The series catalogue (``sim.model.catalogue.SERIES``) declares what each series is;
this module only gathers what they are computed from. Nothing here runs during the
simulation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.model.catalogue import STATES, days, series
from sim.model.records import (
    Call,
    Convened,
    Decision,
    MediatorCall,
    Report,
    Run,
    StateChange,
    Strain,
    Strike,
    StrikeKind,
    Talks,
    TruceState,
)
from sim.model.truce import strain_at
from sim.scenario.spec import Scenario

# a state's code: its place in ``STATES``
_CODE = {TruceState(value): code for code, value in enumerate(STATES)}
RETALIATION = StrikeKind.RETALIATION

Counts = NDArray[np.int32]  # counts a day: int32 halves what a chunk carries and holds
DailyData = dict[str, NDArray[Any]]  # long-layout columns


class DailyTally:
    """One replication's per-day counts, and its state and strain at each day's end."""

    def __init__(self, scenario: Scenario, run: Run) -> None:
        self.scenario = scenario
        self.replication = run.replication
        n = self.days = days(scenario)
        strikes: list[Strike] = []
        reports: list[Report] = []
        changes: list[StateChange] = []
        levels: list[Strain] = []
        calls: list[float] = []
        mediator: list[float] = []
        talks: list[float] = []
        for record in run.records:  # by kind, most frequent first
            kind = type(record)
            if kind is Decision:
                continue
            if kind is Strike:
                strikes.append(record)  # type: ignore[arg-type]
            elif kind is Strain:
                levels.append(record)  # type: ignore[arg-type]
            elif kind is Report:
                reports.append(record)  # type: ignore[arg-type]
            elif kind is StateChange:
                changes.append(record)  # type: ignore[arg-type]
            elif kind is Call:
                if record.outcome != "crowded out":  # type: ignore[union-attr]
                    calls.append(record.day)
            elif kind is MediatorCall:
                mediator.append(record.day)
            elif kind is Talks or kind is Convened:
                talks.append(record.day)
        armed = [a.id for a in scenario.armed]
        place = {actor: i for i, actor in enumerate(armed)}
        at = [int(s.day) for s in strikes]
        self.strikes_by = self._per_actor(armed, [place[s.attacker] for s in strikes], at)
        targets = [place[s.target] for s in strikes]
        self.deaths_of = self._per_actor(armed, targets, at, [s.deaths for s in strikes])
        self.reported_of = self._per_actor(
            armed,
            [place[r.target] for r in reports],
            [int(r.day) for r in reports],
            [r.deaths for r in reports],
        )
        answers = [d for d, s in zip(at, strikes, strict=True) if s.kind is RETALIATION]
        self.retaliations = self._count(answers)
        self.consultations = self._count([int(d) for d in calls])
        self.mediator_calls = self._count([int(d) for d in mediator])
        self.talks = self._count([int(d) for d in talks])
        # each day's end: the next day's start, or the horizon
        self.ends = np.minimum(np.arange(1, n + 1, dtype=np.float64), scenario.horizon)
        self.state = self._states([(c.day, c.state) for c in changes])
        self.strain = self._strains([(s.day, s.strain) for s in levels])

    def _count(self, at: list[int]) -> Counts:
        """Events per day; one at the horizon counts on the last day."""
        if not at:
            return self.zeros()
        day = np.minimum(np.array(at, np.int64), self.days - 1)
        return np.bincount(day, minlength=self.days).astype(np.int32)

    def _per_actor(
        self, armed: list[str], who: list[int], at: list[int], weights: list[int] | None = None
    ) -> dict[str, Counts]:
        n = self.days
        if not at:
            return {actor: self.zeros() for actor in armed}
        day = np.minimum(np.array(at, np.int64), n - 1)
        flat = np.array(who, np.int64) * n + day
        counts = np.bincount(flat, weights, minlength=len(armed) * n).reshape(len(armed), n)
        whole = counts.astype(np.int32)
        return {actor: whole[i] for i, actor in enumerate(armed)}

    def _states(self, changes: list[tuple[float, TruceState]]) -> NDArray[np.int8]:
        """The state's code at each day's end (changes at the very end belong to the
        next day); -1 without a truce."""
        if self.scenario.truce is None:
            return np.full(self.days, -1, np.int8)
        at = np.array([day for day, _ in changes], np.float64)
        codes = np.array([_CODE[TruceState.IN_FORCE]] + [_CODE[s] for _, s in changes], np.int8)
        return codes[np.searchsorted(at, self.ends, side="left")]

    def _strains(self, levels: list[tuple[float, float]]) -> NDArray[np.float64]:
        """The strain at each day's end, from the last change before it; NaN when the
        truce has collapsed (or without a truce)."""
        truce = self.scenario.truce
        if truce is None:
            return np.full(self.days, np.nan)
        strain: NDArray[np.float64] = strain_at(truce, levels, self.ends)
        return np.where(self.state == _CODE[TruceState.COLLAPSED], np.nan, strain)

    # totals the catalogue reads ---------------------------------------------------------

    def total(self, per: dict[str, Counts]) -> Counts:
        return np.sum(list(per.values()), axis=0, dtype=np.int32) if per else self.zeros()

    def zeros(self) -> Counts:
        return np.zeros(self.days, np.int32)


class DailyColumns:
    """The daily series of a chunk's replications, added one at a time, in the long
    layout: a row per replication and day, ``replication`` and ``day`` first, then each
    series the scenario has (a state as its code in ``STATES``)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.declared = series(scenario)
        self.replications: list[int] = []
        self.parts: dict[str, list[NDArray[Any]]] = {s.name: [] for s in self.declared}

    def add(self, run: Run) -> None:
        tally = DailyTally(self.scenario, run)
        values = [entry.compute(tally) for entry in self.declared]
        self.replications.append(run.replication)
        for entry, value in zip(self.declared, values, strict=True):
            self.parts[entry.name].append(value)

    def columns(self) -> DailyData:
        n = days(self.scenario)
        index = np.array(self.replications, np.int64)
        out: DailyData = {
            "replication": np.repeat(index, n),
            "day": np.tile(np.arange(n, dtype=np.int32), len(index)),
        }
        for entry in self.declared:
            parts = self.parts[entry.name]
            out[entry.name] = np.concatenate(parts) if parts else np.zeros(0, DTYPES[entry.kind])
        return out


DTYPES: dict[type, Any] = {int: np.int32, float: np.float64, str: np.int8}
