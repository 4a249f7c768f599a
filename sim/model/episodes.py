"""Episodes of violence in one replication: each unprovoked strike (an opening or a
routine violation) and the tree of answers it set off, read from the records after
the run.

An episode is *one-sided* when nobody answered its first strike. Its *answers* are
all the retaliations in its tree; its *exchange* is the longest run of successive
answers in it (answer, counter-answer, ...), the figure the literature on
retaliation reports for two-sided episodes. Each episode also says whether the truce
stood when it began.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.budget import Budget
from sim.model.records import Record, StateChange, Strike, TruceState
from sim.model.replication import simulate
from sim.model.seeding import ChunkSeeds
from sim.scenario.spec import Scenario


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode of one replication."""

    replication: int
    day: float  # of its first strike
    attacker: str
    target: str
    standing: bool  # the truce stood (or there is none) when it began
    strikes: int  # its first strike and every answer in its tree
    answers: int
    exchange: int  # the longest run of successive answers (0: one-sided)
    deaths: int  # true deaths of all its strikes


@dataclass(frozen=True, slots=True)
class Strikes:
    """The strikes of one replication by the truce's phase when they were made."""

    standing: int
    standing_answers: int  # of those, retaliations
    all: int
    all_answers: int


class _Growing:
    """An episode while its answers are read."""

    __slots__ = ("deaths", "exchange", "first", "standing", "strikes")

    def __init__(self, first: Strike, standing: bool) -> None:
        self.first = first
        self.standing = standing
        self.strikes = 1
        self.exchange = 0
        self.deaths = first.deaths


def episodes_of(replication: int, records: list[Record]) -> tuple[list[Episode], Strikes]:
    """The replication's episodes, in the order they began, and its strike counts."""
    collapsed = False
    episode_of: dict[int, _Growing] = {}  # strike id -> its episode
    depth: dict[int, int] = {}  # strike id -> answers before it in its run (0: first)
    growing: list[_Growing] = []
    standing = standing_answers = total = answers = 0
    for record in records:
        if isinstance(record, StateChange):
            collapsed = record.state is TruceState.COLLAPSED
            continue
        if not isinstance(record, Strike):
            continue
        total += 1
        standing += not collapsed
        cause = record.cause
        if cause is None:
            episode = _Growing(record, not collapsed)
            growing.append(episode)
            episode_of[record.id], depth[record.id] = episode, 0
            continue
        answers += 1
        standing_answers += not collapsed
        episode = episode_of[record.id] = episode_of[cause]
        level = depth[record.id] = depth[cause] + 1
        episode.strikes += 1
        episode.exchange = max(episode.exchange, level)
        episode.deaths += record.deaths
    episodes = [
        Episode(
            replication=replication,
            day=e.first.day,
            attacker=e.first.attacker,
            target=e.first.target,
            standing=e.standing,
            strikes=e.strikes,
            answers=e.strikes - 1,
            exchange=e.exchange,
            deaths=e.deaths,
        )
        for e in growing
    ]
    return episodes, Strikes(standing, standing_answers, total, answers)


def run_episodes(
    scenario: Scenario, seed: int, first: int, count: int, budget: Budget
) -> list[tuple[list[Episode], Strikes]]:
    """The episodes and strike counts of replications ``first`` .. ``first + count - 1``
    (a task for an executor)."""
    seeds = ChunkSeeds(seed, first, count)
    return [
        episodes_of(r, simulate(scenario, seed, r, budget, seeds).records)
        for r in range(first, first + count)
    ]
