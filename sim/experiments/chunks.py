"""Running replications in chunks on an executor, streaming the chunks back as they
finish. A chunk is a task of many replications, because one task per replication
costs more in transfer than it saves."""

from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import simpy

from sim.model.budget import Budget, OverBudget
from sim.model.catalogue import outcome_fields
from sim.model.daily import DailyColumns, DailyData
from sim.model.outcomes import Columns, summarize, to_columns
from sim.model.records import Keep
from sim.model.replication import simulate
from sim.model.seeding import ChunkSeeds
from sim.scenario.spec import Scenario

if TYPE_CHECKING:
    from sim.experiments.draws import Draws

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Failure:
    """A replication that raised, with what reproduces it: ``(seed, replication)``."""

    replication: int
    seed: int
    error: str

    def describe(self) -> str:
        return f"replication {self.replication} (seed {self.seed}) failed: {self.error}"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Replications ``first`` .. ``first + count - 1``: the outcomes of those that ran
    (as columns), those that failed, the seconds the chunk took, and the daily series
    of those that ran (long layout, see ``sim.model.daily``) when they were asked for."""

    first: int
    count: int
    columns: Columns
    failures: tuple[Failure, ...]
    seconds: float
    daily: DailyData | None = None

    @property
    def rows(self) -> int:
        return len(self.columns["replication"])


# the engines' own code: a failure is placed at the innermost line outside them
ENGINES = tuple(str(Path(module.__file__ or "").parent) for module in (simpy, np))


def failure_text(error: Exception) -> str:
    """What went wrong and where: the innermost line of the model (or of whatever
    called into SimPy and numpy), not a line inside them. A replication stopped at its
    budget says why instead."""
    if isinstance(error, OverBudget):
        return str(error)
    origin: BaseException = error
    while origin.__cause__ is not None:  # SimPy raises a process's error anew, from it
        origin = origin.__cause__
    frames = traceback.extract_tb(origin.__traceback__)
    ours = [f for f in frames if not f.filename.startswith(ENGINES)] or frames
    where = ours[-1]
    return f"{type(error).__name__}: {error} ({where.filename}:{where.lineno})"


DEFAULT_BUDGET = Budget()


def run_chunk(
    scenario: Scenario,
    seed: int,
    first: int,
    count: int,
    budget: Budget = DEFAULT_BUDGET,
    daily: bool = False,
    draws: Draws | None = None,
) -> Chunk:
    """Run a chunk, with its daily series if ``daily``; a replication that raises (or
    outruns its ``budget``) is recorded and the rest go on. With ``draws``, each
    replication runs the scenario at its own posterior draw."""
    start = time.perf_counter()
    outcomes = []
    failures = []
    series = DailyColumns(scenario) if daily else None
    seeds = ChunkSeeds(seed, first, count)
    keep = Keep.SERIES if daily else Keep.OUTCOMES  # no more records than they read
    for replication in range(first, first + count):
        try:
            drawn = scenario if draws is None else draws.at(seed, replication)
            run = simulate(drawn, seed, replication, budget, seeds, keep)
            outcome = summarize(drawn, run)
            if series is not None:
                series.add(run)
        except Exception as error:
            failures.append(Failure(replication, seed, failure_text(error)))
            continue
        outcomes.append(outcome)
    columns = to_columns(outcomes, outcome_fields(scenario))
    seconds = time.perf_counter() - start
    return Chunk(
        first, count, columns, tuple(failures), seconds, series.columns() if series else None
    )


class Intervals:
    """A set of replication indices kept as sorted, disjoint (first, count) runs, so
    a million finished replications take a few runs, not a million integers."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, int]] = []

    def add(self, first: int, count: int) -> None:
        merged: list[tuple[int, int]] = []
        start, end = first, first + count
        for run_first, run_count in self.runs:
            run_end = run_first + run_count
            if run_end < start or run_first > end:
                merged.append((run_first, run_count))
            else:
                start, end = min(start, run_first), max(end, run_end)
        merged.append((start, end - start))
        self.runs = sorted(merged)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.runs)

    def missing(self, below: int) -> list[tuple[int, int]]:
        """The (first, count) runs of indices under ``below`` not in the set."""
        gaps, cursor = [], 0
        for first, count in self.runs:
            if first >= below:
                break
            if first > cursor:
                gaps.append((cursor, first - cursor))
            cursor = max(cursor, first + count)
        if cursor < below:
            gaps.append((cursor, below - cursor))
        return gaps


def chunk_ranges(runs: Iterable[tuple[int, int]], size: int) -> Iterator[tuple[int, int]]:
    """(first, count) pieces of at most ``size`` covering the given runs, made as they
    are taken: a billion replications are not a list of two million ranges up front."""
    for first, count in runs:
        for start in range(first, first + count, size):
            yield start, min(size, first + count - start)


def chunk_size(runs: int, workers: int) -> int:
    """Enough chunks for the workers to share the load evenly (about eight each) and
    for progress to show, but not so many that transfer dominates."""
    return max(10, min(500, -(-runs // (8 * workers))))


def run_chunks(
    executor: cf.Executor,
    scenario: Scenario,
    seed: int,
    ranges: Iterable[tuple[int, int]],
    in_flight: int,
    budget: Budget = DEFAULT_BUDGET,
    daily: bool = False,
    draws: Draws | None = None,
) -> Generator[Chunk, None, None]:
    """Submit the chunks, at most ``in_flight`` at a time, and yield each as it
    finishes. Closing the iterator (an interrupt) cancels what has not started."""
    tasks = ((None, scenario, first, count) for first, count in ranges)
    for _, chunk in run_tasks(executor, seed, tasks, in_flight, budget, daily, draws):
        yield chunk


def run_tasks(
    executor: cf.Executor,
    seed: int,
    tasks: Iterable[tuple[K, Scenario, int, int]],
    in_flight: int,
    budget: Budget = DEFAULT_BUDGET,
    daily: bool = False,
    draws: Draws | None = None,
) -> Iterator[tuple[K, Chunk]]:
    """Chunks of possibly different scenarios, each task tagged with a key, yielded
    with their keys as they finish (a sensitivity analysis runs many small points at
    once this way)."""
    pending: dict[cf.Future[Chunk], K] = {}
    waiting = iter(tasks)

    def fill() -> None:
        while len(pending) < in_flight:
            task = next(waiting, None)
            if task is None:
                return
            key, scenario, first, count = task
            future = executor.submit(run_chunk, scenario, seed, first, count, budget, daily, draws)
            pending[future] = key
            if future.done():  # ran at once (serial): hand it over before running more
                return

    try:
        fill()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                yield key, future.result()
            fill()
    finally:
        for future in pending:
            future.cancel()
