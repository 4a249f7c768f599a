"""One seed determines every number; nothing depends on what else ran."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import simulate
from sim.model.catalogue import outcome_fields
from sim.model.daily import DailyColumns
from sim.model.outcomes import summarize
from sim.model.records import Decision, Keep, Strain, Strike
from sim.model.replication import replicate, run_replication
from sim.model.seeding import WINDOW, ChunkSeeds, exact, numpy_words
from sim.model.streams import Concept, Stream, owner_key
from sim.scenario import load_scenario
from tests.conftest import IDLIB, ROOT

SCENARIO = load_scenario(IDLIB)


def test_the_same_seed_gives_identical_outcomes() -> None:
    assert list(replicate(SCENARIO, 42, 25)) == list(replicate(SCENARIO, 42, 25))


def test_different_seeds_give_different_outcomes() -> None:
    first = list(replicate(SCENARIO, 42, 25))
    second = list(replicate(SCENARIO, 43, 25))
    differing = sum(a != b for a, b in zip(first, second, strict=True))
    assert differing >= 20  # each replication draws anew; a tie on every field is rare


def test_a_replication_does_not_depend_on_its_chunk_or_order() -> None:
    whole = list(replicate(SCENARIO, 7, 20))
    chunk = list(replicate(SCENARIO, 7, 5, first=10))
    assert chunk == whole[10:15]
    assert run_replication(SCENARIO, 7, 19) == whole[19]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63), replication=st.integers(0, 10**6))
def test_clones_agree_for_any_seed(seed: int, replication: int) -> None:
    """The same (seed, replication) gives the same records and outcome, whatever ran
    before; the invariants of outcomes are in test_properties.py."""
    run = simulate(SCENARIO, seed, replication)
    assert simulate(SCENARIO, seed, replication).records == run.records
    outcome = run_replication(SCENARIO, seed, replication)
    assert list(outcome) == outcome_fields(SCENARIO)
    assert outcome["replication"] == replication
    assert outcome["deaths"] >= 51  # the opening strike's fixed toll
    assert not any(isinstance(v, float) and math.isnan(v) for v in outcome.values())


SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_run_for_outcomes_alone_gives_the_outcomes_of_a_full_record(path: Path) -> None:
    """Without every record (no decisions, the strain's peak for its changes, or its
    changes as numbers for the daily series) a replication gives the very outcome
    record and daily series it gives with them, events included."""
    scenario = load_scenario(path)
    for replication in range(40):
        full = simulate(scenario, 3, replication)
        lean = simulate(scenario, 3, replication, keep=Keep.OUTCOMES)
        series = simulate(scenario, 3, replication, keep=Keep.SERIES)
        assert summarize(scenario, lean) == summarize(scenario, full)
        assert summarize(scenario, series) == summarize(scenario, full)
        assert not any(isinstance(r, Decision | Strain) for r in lean.records + series.records)
        assert len(lean.records) < len(full.records) or not full.records
        daily_full, daily_series = DailyColumns(scenario), DailyColumns(scenario)
        daily_full.add(full)
        daily_series.add(series)
        made, expected = daily_series.columns(), daily_full.columns()
        assert made.keys() == expected.keys()
        for name, values in expected.items():
            assert np.array_equal(made[name], values, equal_nan=True), name


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**80),
    first=st.integers(0, 2**32 - 50),
    concept=st.sampled_from(list(Concept)),
    owner=st.text(max_size=12),
)
def test_a_chunks_seeds_are_numpys_seeds(
    seed: int, first: int, concept: Concept, owner: str
) -> None:
    """The vectorised seeding gives each stream the generator numpy's own
    ``SeedSequence(seed, spawn_key=(replication, concept, owner))`` gives."""
    seeds = ChunkSeeds(seed, first, 7)
    for replication in (first, first + 3, first + 6):
        made = Stream(seed, replication, concept, owner, seeds)
        key = (replication, int(concept), owner_key(owner))
        numpy = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
        assert made.generator.random(5).tolist() == numpy.random(5).tolist()
    assert exact()


def test_a_replication_outside_its_chunk_or_past_two_to_the_32_is_seeded_by_numpy() -> None:
    seeds = ChunkSeeds(1, 2**32 - 2, 4)  # the last two replications take two words each
    for replication in (5, 2**32 - 2, 2**32 + 1):
        made = Stream(1, replication, Concept.LAGS, "a", seeds).generator.random(3).tolist()
        alone = Stream(1, replication, Concept.LAGS, "a").generator.random(3).tolist()
        key = (replication, int(Concept.LAGS), owner_key("a"))
        numpy = np.random.Generator(np.random.PCG64(np.random.SeedSequence(1, spawn_key=key)))
        assert made == alone == numpy.random(3).tolist()


TIES = """
[scenario]
name = "ties"
description = "an answer with a fixed lag due when an opening is"
horizon = 5

[actors.a]
role = "client"
enemy = "b"
[actors.a.assets.post]
count = 1
personnel = 1000
[actors.a.capabilities.fire]
lethality = 1.0
dispersion = 1.0

[actors.b]
role = "client"
enemy = "a"
[actors.b.assets.post]
count = 1
personnel = 1000
[actors.b.capabilities.fire]
lethality = 5.0
dispersion = 1.0
[actors.b.retaliation]
probability = 1.0
lag = 1

[[openings]]
day = {first}
attacker = "a"
target = "b"

[[openings]]
day = {second}
attacker = "a"
target = "b"
"""


def strikes_of(tmp_path: Path, first: float, second: float) -> list[tuple[float, int, str, Any]]:
    path = tmp_path / "ties.toml"
    path.write_text(TIES.format(first=first, second=second))
    run = simulate(load_scenario(path), 1, 0)
    return [(s.day, s.id, s.kind.value, s.cause) for s in run.records if isinstance(s, Strike)]


def test_an_answer_due_with_an_opening_comes_after_it_as_a_started_process_would(
    tmp_path: Path,
) -> None:
    """The answer's timer is set where SimPy would start its process, after what the
    striking moment had scheduled: the opening of day 1 strikes first."""
    assert strikes_of(tmp_path, 0, 1) == [
        (0.0, 1, "opening", None),
        (1.0, 2, "opening", None),
        (1.0, 3, "retaliation", 1),
        (2.0, 4, "retaliation", 2),
    ]


def test_an_opening_strikes_when_its_timer_fires_whatever_the_rounding(tmp_path: Path) -> None:
    days = [day for day, *_ in strikes_of(tmp_path, 0.2, 0.9)]
    assert days[:2] == [0.2, 0.2 + (0.9 - 0.2)]  # 0.8999999999999999, as a wait gives it


def test_a_negative_seed_or_replication_is_refused_as_numpy_refuses_it() -> None:
    with pytest.raises(ValueError):
        ChunkSeeds(-1, 0, 2).words(0, (1, 2))
    with pytest.raises(ValueError):
        ChunkSeeds(1, -2, 4).words(-1, (1, 2))


def test_a_large_chunk_is_seeded_window_by_window_with_numpys_words() -> None:
    seeds = ChunkSeeds(5, 100, 3000)
    for replication in (100, 100 + WINDOW - 1, 100 + WINDOW, 3099):
        assert np.array_equal(seeds.words(replication, (2, 7)), numpy_words(5, (replication, 2, 7)))
    assert len(seeds._by_key) == 3  # the windows asked for, not one table of 3,000 rows
