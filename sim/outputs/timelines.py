"""One replication as a readable timeline: what happened, to whom, and why, with the
truce's strain and state after each step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.model.records import (
    Call,
    Commitment,
    Convened,
    Decision,
    MediatorCall,
    Record,
    Report,
    Run,
    StateChange,
    Strain,
    Strike,
    Talks,
    TruceState,
)
from sim.optional import require
from sim.scenario.spec import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

UNPROMPTED = ("decay", "drift", "truce at the start")
COLUMNS = (
    "day",
    "date",
    "actor",
    "action",
    "target",
    "deaths",
    "reported",
    "answers",
    "strain",
    "state",
)


@dataclass(frozen=True)
class Trace:
    """One replication: its records and its timeline rows (``COLUMNS``)."""

    scenario: Scenario
    seed: int
    run: Run

    @property
    def replication(self) -> int:
        return self.run.replication

    @property
    def rows(self) -> list[dict[str, Any]]:
        return timeline(self.scenario, self.run)

    def figure(self) -> Figure:
        """The replication as a picture: strikes by actor (retaliations linked to their
        cause), calls and talks, the strain with its thresholds, the truce's state."""
        from sim.outputs.trace_picture import trace_figure

        return trace_figure(self)

    def to_pandas(self) -> pd.DataFrame:
        pandas = require("pandas", "to_pandas", "a trace", "a DataFrame")
        return pandas.DataFrame(self.rows, columns=list(COLUMNS))


def timeline(scenario: Scenario, run: Run) -> list[dict[str, Any]]:
    """Rows in time order. A strike's row shows its true deaths and, once the observer
    counted them, the reported deaths; a decision's row says which strike it weighs."""
    reported = {r.strike: r.deaths for r in run.records if isinstance(r, Report)}
    rows: list[dict[str, Any]] = []
    state = TruceState.IN_FORCE if scenario.truce else None
    strain: float | None = None
    for record in run.records:
        if isinstance(record, Strain):
            strain, state = record.strain, record.state
            if record.reason in UNPROMPTED or not rows:
                rows.append(
                    _row(
                        scenario,
                        record.day,
                        "truce",
                        f"strain: {record.reason}",
                        strain=strain,
                        state=state,
                    )
                )
            else:  # the strain moved because of the row just before
                rows[-1]["strain"], rows[-1]["state"] = strain, state
            continue
        if isinstance(record, StateChange):
            state = record.state
        row = _describe(scenario, record, reported)
        row["strain"], row["state"] = strain, state
        rows.append(row)
    for row in rows:
        row["state"] = row["state"].value if row["state"] is not None else None
    return rows


def _row(scenario: Scenario, day: float, actor: str, action: str, **extra: Any) -> dict[str, Any]:
    date = None
    if scenario.start_date is not None:
        date = (scenario.start_date + dt.timedelta(days=day)).isoformat()
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(day=day, date=date, actor=actor, action=action)
    row.update(extra)
    return row


def _describe(scenario: Scenario, record: Record, reported: dict[int, int]) -> dict[str, Any]:
    if isinstance(record, Strike):
        action = f"#{record.id} {record.kind.value} {record.capability} on {record.asset}"
        if record.cause is not None:
            action += f" answering #{record.cause}"
        if record.overt:
            action += " (direct action)"
        if record.personnel_killed:
            action += f"; kills {record.personnel_killed} {record.personnel_of} personnel"
        elif record.claimed_personnel:
            action += f"; claims {record.claimed_personnel} guarantor personnel (false)"
        row = _row(
            scenario,
            record.day,
            record.attacker,
            action,
            target=record.target,
            deaths=record.deaths,
            reported=reported.get(record.id, 0 if record.deaths == 0 else None),
            answers=record.cause,
        )
        return row
    if isinstance(record, Decision):
        verdict = "answers" if record.retaliates else "holds back from answering"
        return _row(
            scenario,
            record.day,
            record.actor,
            f"{verdict} #{record.strike} "
            f"(p={record.probability:.2f}, perceived {record.perceived} dead)",
        )
    if isinstance(record, Commitment):
        return _row(scenario, record.day, record.actor, f"vows publicly to answer #{record.strike}")
    if isinstance(record, Report):
        return _row(
            scenario,
            record.day,
            scenario.observer.actor if scenario.observer else "report",
            f"reports #{record.strike}",
            target=record.target,
            reported=record.deaths,
        )
    if isinstance(record, StateChange):
        return _row(scenario, record.day, "truce", f"{record.state.value}: {record.reason}")
    if isinstance(record, Call):
        level = f" by {record.level}" if record.level != "call" else ""
        return _row(
            scenario,
            record.day,
            "guarantors" if scenario.truce and scenario.truce.guarantors else "parties",
            f"consultation {record.outcome}{level} (effect {record.effect:.2f})",
        )
    if isinstance(record, Convened):
        verdict = "succeed" if record.succeeded else "fail"
        if record.succeeded and not record.standing:
            verdict = "restore the truce"
        held = "talks" if record.name == "talks" else f"{record.name}: talks"
        return _row(
            scenario, record.day, "parties", f"{held} {verdict} (p={record.probability:.2f})"
        )
    if isinstance(record, MediatorCall):
        return _row(
            scenario,
            record.day,
            record.actor,
            f"calls for containment ({record.window_deaths} reported dead)",
        )
    if isinstance(record, Talks):
        verdict = "restore the truce" if record.restored else "fail"
        return _row(
            scenario, record.day, "guarantors", f"talks {verdict} (p={record.probability:.2f})"
        )
    raise TypeError(f"unknown record {record!r}")
