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

from sim.errors import RunFailed
from sim.experiments.chunks import (
    DEFAULT_BUDGET,
    Chunk,
    Failure,
    Intervals,
    chunk_ranges,
    chunk_size,
    run_chunks,
)
from sim.experiments.draws import Draws
from sim.experiments.precision import Precision
from sim.model.budget import Budget
from sim.model.outcomes import Columns
from sim.scenario.spec import Scenario

HOPELESS = 10  # replications that all failed, first of a run, that stop it
MAX_RUNS = 1_000_000_000  # replications in one run; more are refused before any work


class Sink(Protocol):
    """Where finished chunks go: a results directory, or memory (with a row file).
    ``daily``: whether it keeps the replications' daily series."""

    @property
    def daily(self) -> bool: ...

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
    budget: Budget = DEFAULT_BUDGET,
    draws: Draws | None = None,
) -> Campaign:
    """Run replications ``0 .. runs - 1`` that ``sink`` does not hold yet, on an open
    executor (a sweep runs all its points on one). With ``precision``, keep adding
    batches until its half-width is reached or its cap. ``campaign`` (filled in as
    chunks finish) stays readable if this is interrupted. Each replication runs within
    ``budget``; when the first ``HOPELESS`` all fail, the run stops (``RunFailed``).
    When the sink keeps daily series, each chunk carries its replications' series.
    With ``draws``, each replication runs at its own posterior draw."""
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
        chunks = run_chunks(
            executor, scenario, seed, ranges, 4 * workers, budget, sink.daily, draws
        )
        for finished in chunks:
            sink.write(finished)
            done.add(finished.first, finished.count)
            campaign.replications += finished.count
            campaign.added += finished.count
            campaign.failures.extend(finished.failures)
            campaign.seconds = time.perf_counter() - start
            if on_chunk is not None:
                on_chunk(finished, campaign)
            if campaign.added >= HOPELESS and len(campaign.failures) == campaign.added:
                chunks.close()  # cancels what has not started
                first = campaign.failures[0].describe()
                raise RunFailed(
                    f"every one of the first {campaign.added} replications failed; stopping. "
                    f"The first: {first}"
                )
        if precision is None:
            break
        campaign.half_width = precision.half_width(sink, confidence)
        if campaign.half_width <= precision.width or campaign.target >= precision.max_runs:
            break
        grow = size * workers  # no estimate yet: one more round of chunks
        if math.isfinite(campaign.half_width):
            # the half-width shrinks as 1/sqrt(n): aim a little past the estimate
            needed = campaign.target * (campaign.half_width / precision.width) ** 2 * 1.1
            grow = max(math.ceil(needed) - campaign.target, grow)
        campaign.target = min(precision.max_runs, campaign.target + grow)
    campaign.seconds = time.perf_counter() - start
    return campaign
