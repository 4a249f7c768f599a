"""Calibration targets from an event table in ACLED's columns: counted exactly, and
every bad file or mapping refused in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.calibration.targets import Target, read_targets, simulated
from sim.errors import InputError
from sim.model.catalogue import days
from sim.scenario import load_scenario
from tests.conftest import IDLIB, ROOT

HEADER = "event_date,actor1,actor2,fatalities,event_type,notes\n"
ROWS = [
    "2020-10-25,Military Forces of Russia (2000-),Faylaq al-Sham,3,Battles,before day 0",
    "26 October 2020,Military Forces of Russia (2000-),Faylaq al-Sham,50,"
    "Explosions/Remote violence,",
    "26 October 2020,Faylaq al-Sham,Military Forces of Syria (2000-),2,Battles,",
    "27 October 2020,Faylaq al-Sham,Military Forces of Syria (2000-),12,"
    "Explosions/Remote violence,",
    "27 October 2020,Faylaq al-Sham,Military Forces of Syria (2000-),0,"
    "Strategic developments,not a strike",
    "28 October 2020,Unknown armed group,Civilians (Syria),4,Violence against civilians,",
    "29 October 2020,Faylaq al-Sham,Military Forces of Syria (2000-),5,Battles,",
]
MAPPING = {
    "Military Forces of Russia (2000-)": "russia",
    "Faylaq al-Sham": "nfl",
    "Military Forces of Syria (2000-)": "government",
}


def targets_of(tmp_path: Path, rows: list[str], **events: Any) -> list[tuple[str, float, float]]:
    (tmp_path / "events.csv").write_text(HEADER + "\n".join(rows) + "\n")
    spec = {"file": str(tmp_path / "events.csv"), "actors": MAPPING, **events}
    found = read_targets({"events": spec}, load_scenario(IDLIB))
    return [(t.label, t.observed, round(t.sd, 4)) for t in found]


def test_events_are_counted_by_actor_and_day(tmp_path: Path) -> None:
    """Day 0 is the scenario's start date (26 October 2020); the event before it and the
    event that is no strike are left out; sd = max(1, sqrt(count), share x count)."""
    assert targets_of(tmp_path, ROWS, days=[1, 3]) == [
        ("strikes_government summed to day 1", 0, 1.0),
        ("strikes_government summed over days 2 to 3", 0, 1.0),
        ("strikes_nfl summed to day 1", 2, 1.4142),
        ("strikes_nfl summed over days 2 to 3", 1, 1.0),
        ("strikes_russia summed to day 1", 1, 1.0),
        ("strikes_russia summed over days 2 to 3", 0, 1.0),
        ("deaths_government summed to day 1", 14, 3.7417),
        ("deaths_government summed over days 2 to 3", 5, 2.2361),
        ("deaths_nfl summed to day 1", 50, 7.0711),
        ("deaths_nfl summed over days 2 to 3", 0, 1.0),
        ("deaths_russia summed to day 1", 0, 1.0),
        ("deaths_russia summed over days 2 to 3", 0, 1.0),
    ]
    by_default = targets_of(tmp_path, ROWS, sd_share=0.5)  # to the last event, day 3
    assert by_default[4] == ("deaths_nfl summed to day 3", 50, 25.0)


def test_an_interval_target_sums_its_own_days_only() -> None:
    """Plumbing, exact: a target over days 2 to 3 sums those columns of each
    replication's series, and averages over replications."""
    scenario = load_scenario(IDLIB)
    target = Target("deaths", "sum", 1.0, 1.0, day=3, first=2)
    series = np.zeros((2, days(scenario)))
    series[0, :5] = [1, 2, 3, 4, 5]
    series[1, :5] = [10, 20, 30, 40, 50]
    assert simulated(target, scenario, {}, {"deaths": series.ravel()}) == (7 + 70) / 2


def test_the_bundled_idlib_targets_read_the_article_events() -> None:
    found = read_targets(
        ROOT / "scenarios" / "observed" / "idlib-2020-10-targets.toml", load_scenario(IDLIB)
    )
    assert [(t.label, t.observed) for t in found] == [
        ("median of opening_answer_day", 1.0),
        ("strikes_government summed to day 1", 0),
        ("strikes_nfl summed to day 1", 1),
        ("strikes_russia summed to day 1", 1),
        ("deaths_government summed to day 1", 12),
        ("deaths_nfl summed to day 1", 50),
        ("deaths_russia summed to day 1", 0),
    ]


@pytest.mark.parametrize(
    ("rows", "events", "expected"),
    [
        (
            ["26/13/2020,a,b,1,Battles,"],
            {},
            "{csv}: line 2: event_date: expected a date such as 2020-10-26 or "
            "26 October 2020, got '26/13/2020'",
        ),
        (
            ["2020-10-26,Faylaq al-Sham,b,many,Battles,"],
            {},
            "{csv}: line 2: fatalities: expected a whole number >= 0, got 'many'",
        ),
        (
            ["2020-10-26,Faylaq al-Sham,b,1,Battles,"],
            {"actors": {"Faylaq al-Sham": "nlf"}},
            "targets: events.actors.Faylaq al-Sham: expected one of government, nfl, "
            'russia, turkey, got "nlf"; did you mean nfl?',
        ),
        (
            ["2020-10-26,Someone,b,1,Battles,"],
            {},
            "targets: events.actors: no event in {csv} from 2020-10-26 to day 59 has a "
            "mapped actor",
        ),
        (
            ["2020-10-26,Faylaq al-Sham,b,1,Battles,"],
            {"days": [60]},
            "targets: events.days: expected a whole number or an array of them, each "
            "from 0 to 59, got [60]",
        ),
        (
            ["2020-10-26,Faylaq al-Sham,b,1,Battles,"],
            {"day": 3},
            "targets: events.day: unknown key for the events; did you mean days?",
        ),
    ],
)
def test_a_bad_event_file_or_mapping_gets_one_line(
    tmp_path: Path, rows: list[str], events: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        targets_of(tmp_path, rows, **events)
    assert str(caught.value) == expected.format(csv=tmp_path / "events.csv")


def test_an_event_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("date,actor1,actor2,fatalities,event_type\n")
    with pytest.raises(InputError) as caught:
        read_targets(
            {"events": {"file": str(tmp_path / "e.csv"), "actors": MAPPING}}, load_scenario(IDLIB)
        )
    assert str(caught.value) == (
        f"{tmp_path / 'e.csv'}: event_date: missing column; expected the columns "
        "event_date, actor1, actor2, fatalities, event_type"
    )
    with pytest.raises(InputError, match="--events needs an"):
        read_targets(
            {"target": [{"outcome": "strikes", "statistic": "mean", "observed": 1, "sd": 1}]},
            load_scenario(IDLIB),
            events=tmp_path / "e.csv",
        )


def test_the_readmes_event_targets_are_the_bundled_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's target file, written where its event file's path leads, reads the
    same targets as scenarios/observed/idlib-2020-10-targets.toml."""
    from tests.test_readme import blocks

    (text,) = [b for b in blocks("toml") if b.startswith("# idlib-targets.toml")]
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    (tmp_path / "idlib-targets.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(IDLIB)
    shown = read_targets(tmp_path / "idlib-targets.toml", scenario)
    assert shown == read_targets(
        ROOT / "scenarios" / "observed" / "idlib-2020-10-targets.toml", scenario
    )
