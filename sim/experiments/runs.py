"""A run of many replications: chunks on an executor, stored in a sink as they
finish, optionally extended in batches until an interval is narrow enough.

The command line's ``truce run`` is this module plus printing; it can be driven from
Python the same way.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sim.errors import InputError
from sim.experiments.chunks import Chunk, Failure, Intervals, chunk_ranges, chunk_size, run_chunks
from sim.experiments.executors import Backend, open_executor
from sim.model.catalogue import outcome_schema
from sim.model.outcomes import Columns
from sim.outputs.rows import RowWriter
from sim.scenario.spec import Scenario
from sim.statistics.estimators import estimate


class Sink(Protocol):
    """Where finished chunks go."""

    def done(self) -> Intervals: ...

    def write(self, chunk: Chunk) -> None: ...

    def columns(self, fields: list[str]) -> Columns: ...


class MemorySink:
    """Keeps outcome columns in memory, and streams rows to a CSV or JSON file."""

    def __init__(self, fields: list[str], writer: RowWriter | None = None) -> None:
        self.fields = fields
        self.writer = writer
        self._columns: Columns = {name: [] for name in fields}

    def done(self) -> Intervals:
        return Intervals()

    def write(self, chunk: Chunk) -> None:
        for name in self.fields:
            self._columns[name].extend(chunk.columns[name])
        if self.writer is not None:
            for index in range(chunk.rows):
                self.writer.write({name: chunk.columns[name][index] for name in self.fields})

    def columns(self, fields: list[str]) -> Columns:
        order = sorted(
            range(len(self._columns["replication"])), key=self._columns["replication"].__getitem__
        )
        wanted = list(dict.fromkeys(["replication", *fields]))
        return {name: [self._columns[name][i] for i in order] for name in wanted}


@dataclass(frozen=True, slots=True)
class Precision:
    """Run until the ``metric``'s interval has a half-width of at most ``width``: a
    probability's Wilson interval for a true/false outcome, else the mean's."""

    metric: str
    width: float
    max_runs: int

    @classmethod
    def parse(cls, text: str, scenario: Scenario, max_runs: int) -> Precision:
        metric, sep, width = text.partition("=")
        schema = outcome_schema(scenario)
        if not sep:
            raise InputError("--until-ci", text, "expected METRIC=WIDTH, e.g. collapsed=0.01")
        if metric not in schema or schema[metric] is str or metric == "replication":
            numeric = [f for f, k in schema.items() if k is not str and f != "replication"]
            raise InputError(
                "--until-ci", text, f"expected a numeric outcome, one of {', '.join(numeric)}"
            )
        try:
            value = float(width)
        except ValueError:
            value = math.nan
        if not value > 0:
            raise InputError("--until-ci", text, f"expected a positive half-width, got {width!r}")
        return cls(metric, value, max_runs)

    def half_width(self, values: list[Any], kind: type, confidence: float) -> float:
        half = estimate(values, kind, confidence).half_width
        return math.inf if math.isnan(half) else half


@dataclass
class Campaign:
    """What a run did: replications stored (this run and earlier ones in the same
    directory), those this run added, its failures and, for adaptive runs, the
    interval reached."""

    replications: int = 0
    added: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    target: int = 0
    workers: int = 1
    half_width: float | None = None


def run_campaign(
    scenario: Scenario, seed: int, runs: int, sink: Sink, backend: Backend, **options: Any
) -> Campaign:
    """Open ``backend``'s executor and ``run_on`` it; ``options`` are ``run_on``'s."""
    with open_executor(backend) as (executor, workers):
        return run_on(executor, workers, scenario, seed, runs, sink, **options)


def run_on(
    executor: cf.Executor,
    workers: int,
    scenario: Scenario,
    seed: int,
    runs: int,
    sink: Sink,
    *,
    chunk: int | None = None,
    precision: Precision | None = None,
    confidence: float = 0.95,
    on_chunk: Callable[[Chunk, Campaign], None] | None = None,
    campaign: Campaign | None = None,
) -> Campaign:
    """Run replications ``0 .. runs - 1`` that ``sink`` does not hold yet, on an open
    executor (a sweep runs all its points on one). With ``precision``, keep adding
    batches until its half-width is reached or its cap. ``campaign`` (filled in as
    chunks finish) stays readable if this is interrupted."""
    campaign = campaign if campaign is not None else Campaign()
    start = time.perf_counter()
    done = sink.done()
    campaign.replications = done.total
    campaign.target = runs
    campaign.workers = workers
    kind = outcome_schema(scenario)[precision.metric] if precision else bool
    size = chunk or chunk_size(runs, workers)
    while True:
        ranges = chunk_ranges(done.missing(campaign.target), size)
        # four chunks a worker in flight: a worker never waits for the next task to
        # arrive (with two, a Dask cluster idled long enough to cost 20% more)
        for finished in run_chunks(executor, scenario, seed, ranges, in_flight=4 * workers):
            sink.write(finished)
            done.add(finished.first, finished.count)
            campaign.replications += finished.count
            campaign.added += finished.count
            campaign.failures.extend(finished.failures)
            campaign.seconds = time.perf_counter() - start
            if on_chunk is not None:
                on_chunk(finished, campaign)
        if precision is None:
            break
        values = sink.columns([precision.metric])[precision.metric]
        campaign.half_width = precision.half_width(values, kind, confidence)
        if campaign.half_width <= precision.width or campaign.target >= precision.max_runs:
            break
        # the half-width shrinks as 1/sqrt(n): aim a little past the estimate
        needed = campaign.target * (campaign.half_width / precision.width) ** 2 * 1.1
        grow = max(math.ceil(needed) - campaign.target, size * workers)
        campaign.target = min(precision.max_runs, campaign.target + grow)
    campaign.seconds = time.perf_counter() - start
    return campaign
