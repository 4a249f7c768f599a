"""Targets from an event table in the column layout of the public conflict-event
datasets (ACLED's ``event_date``, ``actor1``, ``actor2``, ``fatalities``,
``event_type``; other columns are ignored).

The target file's ``[events]`` table says how to read it::

    [events]
    file = "idlib-acled.csv"         # or --events FILE.csv; relative to the target file
    start_date = 2020-10-26          # the scenario's day 0 (default: its start_date)
    days = [0, 2, 9]                 # intervals ending on these days (default: the last event)
    types = ["Battles", "Explosions/Remote violence"]   # the event types that are strikes
    sd_share = 0.2                   # the error of a count: see below
    [events.actors]                  # dataset names -> the scenario's armed actors
    "Military Forces of Russia (2000-)" = "russia"

Only events of those types count, and ``days`` cuts the days from ``start_date`` into
intervals (above: day 0, days 1 to 2, days 3 to 9), so that no event is counted in two
targets. For each mapped actor and interval there is a target of its strikes (the
daily series ``strikes_<id>`` summed over the interval, observed as the number of its
events as ``actor1``) and one of its deaths (``deaths_<id>``, the deaths on the day of
the strike that caused them, observed as the fatalities of the events where it is
``actor2``): a mapped actor with no event is observed at zero. A dataset's fatalities
are compared with the model's deaths by the day of the event, not with the observer's
reports, which fall on the day of the report. A count's error is normal with
``sd = max(1, sqrt(count), sd_share * count)``: counting noise, and the share a dataset
is taken to be off by (0 by default). An event counts for the side that is mapped: a
strike of a mapped ``actor1`` on anyone, deaths of a mapped ``actor2`` from anyone.
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


def read_events(path: Path, option: str = "--events") -> list[tuple[dt.date, str, str, int, str]]:
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
        raise InputError(option, file, f"cannot be read ({error.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError(option, file, f"expected a CSV file ({error})") from None


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
    ids = {a.id for a in scenario.armed}  # only they strike and are struck
    names: dict[str, str] = {}
    for name in mapping.data:
        names[name] = mapping.string(name, choices=sorted(ids))
    mapping.close()
    rows = [
        ((date - start).days, names.get(one), names.get(two), deaths, kind)
        for date, one, two, deaths, kind in read_events(
            path, "--events" if events is not None else table.source.origin(table.path_of("file"))
        )
    ]
    rows = [r for r in rows if 0 <= r[0] <= last and r[4] in types]
    if not any(r[1] or r[2] for r in rows):
        table.fail("actors", f"no event in {path} from {start} to day {last} has a mapped actor")
    mapped = [r[0] for r in rows if r[1] or r[2]]
    chosen = table.integers("days", [max(mapped)] if mapped else [last], high=last)
    table.close("the events")
    targets = []
    intervals = list(zip([0] + [d + 1 for d in chosen[:-1]], chosen, strict=True))
    for actor in sorted(set(names.values())):
        for first, day in intervals:
            count = sum(1 for r in rows if r[1] == actor and first <= r[0] <= day)
            sd = _sd(count, share)
            targets.append(Target(f"strikes_{actor}", "sum", count, sd, day=day, first=first))
    for actor in sorted(set(names.values())):
        for first, day in intervals:
            deaths = sum(r[3] for r in rows if r[2] == actor and first <= r[0] <= day)
            sd = _sd(deaths, share)
            targets.append(Target(f"deaths_{actor}", "sum", deaths, sd, day=day, first=first))
    return targets
