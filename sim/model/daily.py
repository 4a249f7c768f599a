"""The daily series of a chunk's replications, gathered in one pass over each one's
records and counted for the whole chunk at once.

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
    """The per-day counts of a chunk's replications (a row each, replications by days),
    and the truce's state and strain at each day's end. Records are read one
    replication at a time as it finishes (``add``), into flat lists; the counts are
    then made for the whole chunk in a few numpy calls (``close``), since a call per
    series and replication would cost more than the replication's simulation."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.days = days(scenario)
        self.armed = [a.id for a in scenario.armed]
        self._place = {actor: i for i, actor in enumerate(self.armed)}
        self.rows = 0
        # (row, actor, day, deaths) of strikes, answers and reports
        self._strikes: tuple[list[int], list[int], list[int], list[int], list[int]] = (
            [], [], [], [], [],
        )  # fmt: skip
        self._answers: tuple[list[int], list[int]] = ([], [])
        self._reports: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
        self._calls: tuple[list[int], list[int]] = ([], [])
        self._mediator: tuple[list[int], list[int]] = ([], [])
        self._talks: tuple[list[int], list[int]] = ([], [])
        self._changes: list[list[tuple[float, TruceState]]] = []
        self._levels: list[list[tuple[float, float]]] = []

    def add(self, run: Run) -> None:
        """Gather one replication's records, in one pass (by kind, most frequent first).
        A replication whose records cannot be read adds nothing."""
        flat = [*self._strikes, *self._answers, *self._reports, *self._calls, *self._mediator]
        flat += self._talks
        kept = [len(values) for values in flat]
        try:
            self._add(run)
        except BaseException:
            for values, length in zip(flat, kept, strict=True):
                del values[length:]
            raise

    def _add(self, run: Run) -> None:
        row, place = self.rows, self._place
        s_row, s_attacker, s_target, s_day, s_deaths = self._strikes
        changes: list[tuple[float, TruceState]] = []
        levels: list[tuple[float, float]] = []
        for record in run.records:
            kind = type(record)
            if kind is Decision:
                continue
            if kind is Strike:
                day = int(record.day)
                s_row.append(row)
                s_attacker.append(place[record.attacker])  # type: ignore[union-attr]
                s_target.append(place[record.target])  # type: ignore[union-attr]
                s_day.append(day)
                s_deaths.append(record.deaths)  # type: ignore[union-attr]
                if record.kind is RETALIATION:  # type: ignore[union-attr]
                    self._answers[0].append(row)
                    self._answers[1].append(day)
            elif kind is Strain:
                levels.append((record.day, record.strain))  # type: ignore[union-attr]
            elif kind is Report:
                rows, targets, at, deaths = self._reports
                rows.append(row)
                targets.append(place[record.target])  # type: ignore[union-attr]
                at.append(int(record.day))
                deaths.append(record.deaths)  # type: ignore[union-attr]
            elif kind is StateChange:
                changes.append((record.day, record.state))  # type: ignore[union-attr]
            elif kind is Call:
                if record.outcome != "crowded out":  # type: ignore[union-attr]
                    self._calls[0].append(row)
                    self._calls[1].append(int(record.day))
            elif kind is MediatorCall:
                self._mediator[0].append(row)
                self._mediator[1].append(int(record.day))
            elif kind is Talks or kind is Convened:
                self._talks[0].append(row)
                self._talks[1].append(int(record.day))
        if run.strain_changes is not None:  # kept as numbers, not as records
            levels = list(zip(*run.strain_changes, strict=True))
        self._changes.append(changes)
        self._levels.append(levels)
        self.rows += 1

    def close(self) -> None:
        """Make the counts, states and strains of every replication added."""
        s_row, s_attacker, s_target, s_day, s_deaths = self._strikes
        self.strikes_by = self._per_actor(s_row, s_attacker, s_day)
        self.deaths_of = self._per_actor(s_row, s_target, s_day, s_deaths)
        self.reported_of = self._per_actor(*self._reports)
        self.retaliations = self._count(*self._answers)
        self.consultations = self._count(*self._calls)
        self.mediator_calls = self._count(*self._mediator)
        self.talks = self._count(*self._talks)
        # each day's end: the next day's start, or the horizon
        self.ends = np.minimum(np.arange(1, self.days + 1, dtype=np.float64), self.scenario.horizon)
        truce = self.scenario.truce
        if truce is None or not self.rows:
            self.state = np.full((self.rows, self.days), -1, np.int8)
            self.strain = np.full((self.rows, self.days), np.nan)
            return
        self.state = np.array([self._states(c) for c in self._changes], np.int8)
        self.state = self.state.reshape(self.rows, self.days)
        strain = np.array([strain_at(truce, levels, self.ends) for levels in self._levels])
        strain = strain.reshape(self.rows, self.days)
        self.strain = np.where(self.state == _CODE[TruceState.COLLAPSED], np.nan, strain)

    def _count(self, rows: list[int], at: list[int]) -> Counts:
        """Events per replication and day; one at the horizon counts on the last day."""
        n = self.days
        if not at:
            return self.zeros()
        flat = np.array(rows, np.int64) * n + np.minimum(np.array(at, np.int64), n - 1)
        return np.bincount(flat, minlength=self.rows * n).astype(np.int32).reshape(self.rows, n)

    def _per_actor(
        self, rows: list[int], who: list[int], at: list[int], weights: list[int] | None = None
    ) -> dict[str, Counts]:
        n, actors = self.days, len(self.armed)
        if not at:
            return {actor: self.zeros() for actor in self.armed}
        day = np.minimum(np.array(at, np.int64), n - 1)
        flat = (np.array(rows, np.int64) * actors + np.array(who, np.int64)) * n + day
        counts = np.bincount(flat, weights, minlength=self.rows * actors * n)
        whole = counts.astype(np.int32).reshape(self.rows, actors, n)
        return {actor: whole[:, i, :] for i, actor in enumerate(self.armed)}

    def _states(self, changes: list[tuple[float, TruceState]]) -> NDArray[np.int8]:
        """One replication's state code at each day's end (changes at the very end
        belong to the next day)."""
        at = np.array([day for day, _ in changes], np.float64)
        codes = np.array([_CODE[TruceState.IN_FORCE]] + [_CODE[s] for _, s in changes], np.int8)
        return codes[np.searchsorted(at, self.ends, side="left")]

    # totals the catalogue reads ---------------------------------------------------------

    def total(self, per: dict[str, Counts]) -> Counts:
        return np.sum(list(per.values()), axis=0, dtype=np.int32) if per else self.zeros()

    def zeros(self) -> Counts:
        return np.zeros((self.rows, self.days), np.int32)


class DailyColumns:
    """The daily series of a chunk's replications, added one at a time, in the long
    layout: a row per replication and day, ``replication`` and ``day`` first, then each
    series the scenario has (a state as its code in ``STATES``)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.declared = series(scenario)
        self.replications: list[int] = []
        self.tally = DailyTally(scenario)

    def add(self, run: Run) -> None:
        self.tally.add(run)
        self.replications.append(run.replication)

    def columns(self) -> DailyData:
        n = days(self.scenario)
        index = np.array(self.replications, np.int64)
        out: DailyData = {
            "replication": np.repeat(index, n),
            "day": np.tile(np.arange(n, dtype=np.int32), len(index)),
        }
        tally = self.tally
        tally.close()
        for entry in self.declared:
            value = np.asarray(entry.compute(tally))
            out[entry.name] = value.reshape(-1).astype(DTYPES[entry.kind], copy=False)
        return out


DTYPES: dict[type, Any] = {int: np.int32, float: np.float64, str: np.int8}
