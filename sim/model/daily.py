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
from sim.model.truce import strain_since
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
        # what each replication adds, in flat lists (a replication's entries follow the
        # previous one's; ``_ends``: where each replication's end in each group)
        self._strikes: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
        self._answers: list[int] = []  # days
        self._reports: tuple[list[int], list[int], list[int]] = ([], [], [])
        self._calls: list[int] = []
        self._mediator: list[int] = []
        self._talks: list[int] = []
        # the truce's changes of state and of strain, (day, code or level), in the
        # order they happened within each replication
        self._changes: tuple[list[float], list[int]] = ([], [])
        self._levels: tuple[list[float], list[float]] = ([], [])
        self._groups: list[list[Any]] = [
            self._strikes[0], self._answers, self._reports[0], self._calls, self._mediator,
            self._talks, self._changes[0], self._levels[0],
        ]  # fmt: skip
        self._ends: list[list[int]] = [[] for _ in self._groups]

    def add(self, run: Run) -> None:
        """Gather one replication's records, in one pass (by kind, most frequent first).
        A replication whose records cannot be read adds nothing."""
        flat: list[list[Any]] = [*self._strikes, self._answers, *self._reports, self._calls]
        flat += [self._mediator, self._talks, *self._changes, *self._levels]
        kept = [len(values) for values in flat]
        try:
            self._add(run)
        except BaseException:
            for values, length in zip(flat, kept, strict=True):
                del values[length:]
            raise
        for group, ends in zip(self._groups, self._ends, strict=True):
            ends.append(len(group))
        self.rows += 1

    def _add(self, run: Run) -> None:
        place = self._place
        s_attacker, s_target, s_day, s_deaths = self._strikes
        c_day, c_code = self._changes
        l_day, l_level = self._levels
        numbers = run.strain_changes  # the strain's changes kept as numbers, not as records
        for record in run.records:
            kind = type(record)
            if kind is Decision:
                continue
            if kind is Strike:
                day = int(record.day)
                s_attacker.append(place[record.attacker])  # type: ignore[union-attr]
                s_target.append(place[record.target])  # type: ignore[union-attr]
                s_day.append(day)
                s_deaths.append(record.deaths)  # type: ignore[union-attr]
                if record.kind is RETALIATION:  # type: ignore[union-attr]
                    self._answers.append(day)
            elif kind is Strain and numbers is None:
                l_day.append(record.day)
                l_level.append(record.strain)  # type: ignore[union-attr]
            elif kind is Report:
                targets, at, deaths = self._reports
                targets.append(place[record.target])  # type: ignore[union-attr]
                at.append(int(record.day))
                deaths.append(record.deaths)  # type: ignore[union-attr]
            elif kind is StateChange:
                c_day.append(record.day)
                c_code.append(_CODE[record.state])  # type: ignore[union-attr]
            elif kind is Call:
                if record.outcome != "crowded out":  # type: ignore[union-attr]
                    self._calls.append(int(record.day))
            elif kind is MediatorCall:
                self._mediator.append(int(record.day))
            elif kind is Talks or kind is Convened:
                self._talks.append(int(record.day))
        if numbers is not None:
            changed, level = numbers
            if len(changed) != len(level):
                raise ValueError("the strain's changes and levels differ in number")
            l_day.extend(changed)
            l_level.extend(level)

    def close(self) -> None:
        """Make the counts, states and strains of every replication added."""
        (
            strikes, answers, reports, calls, mediator, talks, changes, levels
        ) = (self._rows(ends) for ends in self._ends)  # fmt: skip
        attacker, target, s_day, deaths = (np.array(v, np.int64) for v in self._strikes)
        self.strikes_by = self._per_actor(strikes, attacker, s_day)
        self.deaths_of = self._per_actor(strikes, target, s_day, deaths)
        self.reported_of = self._per_actor(reports, *(np.array(v, np.int64) for v in self._reports))
        self.retaliations = self._count(answers, self._answers)
        self.consultations = self._count(calls, self._calls)
        self.mediator_calls = self._count(mediator, self._mediator)
        self.talks = self._count(talks, self._talks)
        # each day's end: the next day's start, or the horizon
        self.ends = np.minimum(np.arange(1, self.days + 1, dtype=np.float64), self.scenario.horizon)
        truce = self.scenario.truce
        if truce is None or not self.rows:
            self.state = np.full((self.rows, self.days), -1, np.int8)
            self.strain = np.full((self.rows, self.days), np.nan)
            return
        c_day, c_code = self._changes
        last = self._last_before(changes, c_day)
        codes = np.array([_CODE[TruceState.IN_FORCE], *c_code], np.int8)
        self.state = codes[last + 1]
        l_day, l_level = self._levels
        last = self._last_before(levels, l_day)
        strain = strain_since(
            truce, np.array(l_day, np.float64), np.array(l_level, np.float64), last, self.ends
        )
        self.strain = np.where(self.state == _CODE[TruceState.COLLAPSED], np.nan, strain)

    def _rows(self, ends: list[int]) -> NDArray[np.int64]:
        """The replication (row) of each entry of a group, from where each one's end."""
        bounds = np.array([0, *ends], np.int64)
        return np.repeat(np.arange(self.rows, dtype=np.int64), bounds[1:] - bounds[:-1])

    def _last_before(self, rows: NDArray[np.int64], at: list[float]) -> NDArray[np.int64]:
        """For each replication and day, the index of the replication's last change
        (of ``rows`` and ``at``, in the order they happened) before the day's end;
        -1 before its first. Changes at the very end belong to the next day.

        The whole chunk at once: a change counts from the first day whose end is
        after it, so each change marks that day of its replication with its index,
        and the highest index marked up to each day (indices grow with time within
        a replication) is that day's last change."""
        n = self.days
        last = np.full((self.rows, n + 1), -1, np.int64)  # a last column for the horizon
        if at:
            first = np.searchsorted(self.ends, np.array(at, np.float64), side="right")
            np.maximum.at(last, (rows, first), np.arange(len(at)))
        return np.maximum.accumulate(last, axis=1)[:, :n]

    def _count(self, rows: NDArray[np.int64], at: list[int]) -> Counts:
        """Events per replication and day; one at the horizon counts on the last day."""
        n = self.days
        if not at:
            return self.zeros()
        flat = rows * n + np.minimum(np.array(at, np.int64), n - 1)
        return np.bincount(flat, minlength=self.rows * n).astype(np.int32).reshape(self.rows, n)

    def _per_actor(
        self,
        rows: NDArray[np.int64],
        who: NDArray[np.int64],
        at: NDArray[np.int64],
        weights: NDArray[np.int64] | None = None,
    ) -> dict[str, Counts]:
        n, actors = self.days, len(self.armed)
        if not len(at):
            return {actor: self.zeros() for actor in self.armed}
        flat = (rows * actors + who) * n + np.minimum(at, n - 1)
        counts = np.bincount(flat, weights, minlength=self.rows * actors * n)
        whole = counts.astype(np.int32).reshape(self.rows, actors, n)
        return {actor: whole[:, i, :] for i, actor in enumerate(self.armed)}

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
