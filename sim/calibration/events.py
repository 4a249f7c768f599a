"""Targets from an event table in the column layout of the public conflict-event
datasets (ACLED's ``event_date``, ``actor1``, ``actor2``, ``fatalities``,
``event_type``; other columns are ignored).

The target file's ``[events]`` table says how to read it::

    [events]
    file = "idlib-acled.csv"         # or --events FILE.csv; relative to the target file
    start_date = 2020-10-26          # the scenario's day 0 (default: its start_date)
    days = [0, 2, 9]                 # sums to these days (default: to the last event)
    types = ["Battles", "Explosions/Remote violence"]   # the event types that are strikes
    sd_share = 0.2                   # the error of a count: see below
    [events.actors]                  # dataset names -> scenario actor ids
    "Military Forces of Russia (2000-)" = "russia"

Only events of those types count. For each mapped actor that strikes (``actor1``)
there is a target of its strikes, the daily series ``strikes_<id>`` summed to each day,
observed as the number of its events from ``start_date`` to that day; for each mapped
actor struck (``actor2``), a target of ``reported_<id>``, the deaths the observer
reports, summed the same way, observed as the events' fatalities. A count's error is normal with
``sd = max(1, sqrt(count), sd_share * count)``: counting noise, and the share a dataset
is taken to be off by (0 by default). Events of actors not in the mapping are left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

from sim.calibration.targets import Target
from sim.errors import InputError
from sim.model.catalogue import days as horizon_days
from sim.scenario.reader import Table
from sim.scenario.spec import Scenario

COLUMNS = ("event_date", "actor1", "actor2", "fatalities", "event_type")
STRIKE_TYPES = ("Battles", "Explosions/Remote violence")
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y")


def _date(text: str, file: str, line: int) -> dt.date:
    for layout in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    raise InputError(
        file,
        f"line {line}: event_date",
        f"expected a date such as 2020-10-26 or 26 October 2020, got {text!r}",
    )


def _fatalities(text: str, file: str, line: int) -> int:
    try:
        value = int(text.strip() or "0")
    except ValueError:
        value = -1
    if value < 0:
        raise InputError(
            file, f"line {line}: fatalities", f"expected a whole number >= 0, got {text!r}"
        )
    return value


def read_events(path: Path) -> list[tuple[dt.date, str, str, int, str]]:
    """Every row: (date, actor1, actor2, fatalities, event_type)."""
    file = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    file,
                    missing[0],
                    "missing column; expected the columns " + ", ".join(COLUMNS),
                )
            return [
                (
                    _date(row["event_date"] or "", file, line),
                    (row["actor1"] or "").strip(),
                    (row["actor2"] or "").strip(),
                    _fatalities(row["fatalities"] or "", file, line),
                    (row["event_type"] or "").strip(),
                )
                for line, row in enumerate(reader, start=2)
            ]
    except OSError as error:
        raise InputError("--events", file, f"cannot be read ({error.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError("--events", file, f"expected a CSV file ({error})") from None


def _sd(count: float, share: float) -> float:
    return max(1.0, math.sqrt(count), share * count)


def event_targets(
    table: Table, scenario: Scenario, events: str | Path | None, relative_to: Path | None
) -> list[Target]:
    """The targets the ``[events]`` table and its event file give (see the module)."""
    given = table.string("file", None)
    if events is None and given is None:
        table.fail("file", "missing; name the event file here or with --events FILE.csv")
    path = Path(events) if events is not None else Path(str(given))
    if events is None and relative_to is not None and not path.is_absolute():
        path = relative_to / path
    start = table.date("start_date") or scenario.start_date
    if start is None:
        table.fail("start_date", "missing; the scenario has no start_date to count days from")
    last = horizon_days(scenario) - 1
    types = table.strings("types", STRIKE_TYPES)
    share = table.number("sd_share", 0.0, low=0.0, high=10.0)
    mapping = table.table("actors", required=True)
    assert mapping is not None
    ids = {a.id for a in scenario.actors}
    names: dict[str, str] = {}
    for name in mapping.data:
        names[name] = mapping.string(name, choices=sorted(ids))
    mapping.close()
    rows = [
        ((date - start).days, names.get(one), names.get(two), deaths, kind)
        for date, one, two, deaths, kind in read_events(path)
    ]
    rows = [r for r in rows if 0 <= r[0] <= last and r[4] in types]
    if not any(r[1] or r[2] for r in rows):
        table.fail("actors", f"no event in {path} from {start} to day {last} has a mapped actor")
    mapped = [r[0] for r in rows if r[1] or r[2]]
    chosen = table.integers("days", [max(mapped)] if mapped else [last], high=last)
    table.close("the events")
    targets = []
    for actor in sorted({r[1] for r in rows if r[1]}):
        for day in chosen:
            count = sum(1 for r in rows if r[1] == actor and r[0] <= day)
            targets.append(Target(f"strikes_{actor}", "sum", count, _sd(count, share), day=day))
    for actor in sorted({r[2] for r in rows if r[2]}):
        for day in chosen:
            deaths = sum(r[3] for r in rows if r[2] == actor and r[0] <= day)
            targets.append(Target(f"reported_{actor}", "sum", deaths, _sd(deaths, share), day=day))
    return targets
