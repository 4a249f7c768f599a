"""A run of many replications: chunks on an open executor (see ``executors``), stored
in a sink as they finish, optionally extended in batches until an interval is narrow
enough."""

from __future__ import annotations

import concurrent.futures as cf
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sim.experiments.chunks import Chunk, Failure, Intervals, chunk_ranges, chunk_size, run_chunks
from sim.experiments.precision import Precision
from sim.model.outcomes import Columns
from sim.scenario.spec import Scenario


class Sink(Protocol):
    """Where finished chunks go: a results directory, or memory (with a row file)."""

    def done(self) -> Intervals: ...

    def write(self, chunk: Chunk) -> None: ...

    def columns(self, fields: list[str]) -> Columns: ...


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
    half_width: float | None = None


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
        campaign.half_width = precision.half_width(values, confidence)
        if campaign.half_width <= precision.width or campaign.target >= precision.max_runs:
            break
        # the half-width shrinks as 1/sqrt(n): aim a little past the estimate
        needed = campaign.target * (campaign.half_width / precision.width) ** 2 * 1.1
        grow = max(math.ceil(needed) - campaign.target, size * workers)
        campaign.target = min(precision.max_runs, campaign.target + grow)
    campaign.seconds = time.perf_counter() - start
    return campaign
