"""Parameter sweeps: a design of points over scenario parameters, each point run with
the same replications (common random numbers: replication r of every point draws from
the same streams), stored point by point, resumable.

Where a point's replications go is the caller's: ``open_point`` gives a ``Store`` for
each (a results directory, for ``sim.sweep``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sim.errors import RunFailed
from sim.experiments.chunks import DEFAULT_BUDGET, Chunk, Failure
from sim.experiments.executors import Backend, open_executor
from sim.experiments.experiment_files import Experiment
from sim.experiments.runs import Campaign, Sink, run_on
from sim.model.budget import Budget
from sim.scenario.spec import Scenario


class Store(Sink, Protocol):
    """A sink that records each command that writes to it."""

    def begin(self, command: Sequence[str], backend: dict[str, Any], requested: int) -> None: ...

    def end(self, seconds: float, outcome: str, note: dict[str, Any] | None = None) -> None: ...

    def close(self) -> None: ...


OpenPoint = Callable[[int, Scenario, Mapping[str, float | int]], Store]


@dataclass
class SweepProgress:
    """Replications done over all points, for progress bars."""

    target: int = 0
    done: int = 0
    failures: list[Failure] = field(default_factory=list)  # this call's


def run_sweep(
    experiment: Experiment,
    points: Sequence[tuple[dict[str, float | int], Scenario]],
    open_point: OpenPoint,
    backend: Backend,
    command: Sequence[str],
    *,
    chunk: int | None = None,
    on_chunk: Callable[[Chunk, SweepProgress], None] | None = None,
    progress: SweepProgress | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> None:
    """Run every point's replications not yet stored (``experiment`` is finished, and
    ``points`` are its validated points). ``progress`` (its target set here) stays
    readable if this is interrupted."""
    assert experiment.runs is not None and experiment.seed is not None
    progress = progress if progress is not None else SweepProgress()
    progress.target = experiment.runs * len(points)

    def forward(finished: Chunk, state: Campaign) -> None:
        progress.done += finished.count
        progress.failures.extend(finished.failures)
        if on_chunk is not None:
            on_chunk(finished, progress)

    with open_executor(backend) as (executor, workers):
        for index, (point, scenario) in enumerate(points):
            store = open_point(index, scenario, point)
            store.begin(command, backend.describe(), experiment.runs)
            campaign = Campaign()
            progress.done += store.done().total
            outcome = "interrupted"
            try:
                run_on(
                    executor,
                    workers,
                    scenario,
                    experiment.seed,
                    experiment.runs,
                    store,
                    chunk=chunk,
                    on_chunk=forward,
                    campaign=campaign,
                    budget=budget,
                )
                outcome = "finished"
            except RunFailed as error:
                outcome = f"failed: {error}"
                raise
            except OSError as error:
                outcome = f"failed: {error.strerror}"
                raise
            finally:
                try:
                    # after a failure, closing may fail the same way (a full disk): the
                    # first failure is the one to report
                    with contextlib.suppress(*(() if outcome == "finished" else (OSError,))):
                        store.end(campaign.seconds, outcome, {"replications_added": campaign.added})
                finally:
                    store.close()
