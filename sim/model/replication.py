"""One replication: ``f(scenario, seed, index) -> outcome``.

A fresh SimPy environment and theatre run to the horizon; the outcome record is then
computed from the event records. The same arguments always give the same outcome,
wherever and with whatever else it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from heapq import heappop

import simpy
from simpy.events import URGENT

from sim.model.budget import CHECK_EVERY, FIRST_CHECK, Budget, OverBudget, diagnosis, resident_mb
from sim.model.outcomes import Outcome, summarize
from sim.model.records import Keep, Record, Run
from sim.model.seeding import ChunkSeeds
from sim.model.streams import Streams
from sim.model.theatre import Theatre
from sim.scenario.spec import Scenario

UNLIMITED = Budget(events=2**62, memory_mb=2**40)
SEEDED_TOGETHER = 1000  # replications whose streams ``replicate`` seeds in one pass


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (``processed``) and
    stops, raising ``OverBudget``, at its budget of events or of memory growth."""

    def __init__(self, budget: Budget = UNLIMITED) -> None:
        super().__init__(initial_time=0.0)  # days are floats from the start
        self.processed = 0
        self.budget = budget
        self._memory_at_start: float | None = None  # read at the first checkpoint
        self._checkpoint = min(budget.events, FIRST_CHECK)

    def step(self) -> None:
        _step(self)  # raises at the end of the run, so that step is not counted
        self.processed += 1
        if self.processed >= self._checkpoint:
            self._check()

    def run_until(self, at: float) -> None:
        """``run(until=at)``, with SimPy's ``step`` written into the loop: the same
        events in the same order (the same urgent event marks the end), counted,
        without a method call per event."""
        until = simpy.Event(self)
        until._ok, until._value = True, None
        self.schedule(until, URGENT, at - self._now)
        queue, pop = self._queue, heappop
        processed, checkpoint = self.processed, self._checkpoint
        try:
            while True:
                self._now, _, _, event = pop(queue)
                if event is until:
                    return
                callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
                for callback in callbacks:
                    callback(event)
                if not event._ok and not hasattr(event, "_defused"):
                    # a failed event nobody handled crashes the run, as in SimPy
                    failure = event._value
                    raised = type(failure)(*failure.args)
                    raised.__cause__ = failure
                    raise raised
                processed += 1
                if processed >= checkpoint:
                    self.processed = processed
                    self._check()
                    checkpoint = self._checkpoint
        finally:
            self.processed = processed

    def _check(self) -> None:
        budget = self.budget
        if self.processed >= budget.events:
            raise OverBudget(
                f"stopped at the budget of {budget.events} SimPy events (--max-events)"
            )
        grown, start = resident_mb(), self._memory_at_start
        if start is None:
            self._memory_at_start = grown
        elif grown is not None and grown - start > budget.memory_mb:
            raise OverBudget(
                f"stopped at the budget of {budget.memory_mb} MB of memory (--max-memory)"
            )
        self._checkpoint = min(budget.events, self.processed + CHECK_EVERY)


_step = simpy.Environment.step


def simulate(
    scenario: Scenario,
    seed: int,
    replication: int,
    budget: Budget = UNLIMITED,
    seeds: ChunkSeeds | None = None,
    keep: Keep = Keep.ALL,
) -> Run:
    """Run replication ``replication`` of ``scenario`` under root ``seed``; past its
    ``budget`` it stops with ``OverBudget``, naming the likely cause. ``seeds`` are
    the seeds of the chunk it runs in, if any (the numbers are the same without).

    ``keep`` says what it records (``Keep``): every record by default, as traces and
    episodes read them; less for the outcome record alone, or with the daily series,
    which is faster and gives the same outcome record."""
    env = CountingEnvironment(budget)
    records: list[Record] = []
    streams = Streams(seed, replication, seeds)
    theatre = Theatre(env, scenario, streams, records.append, keep)
    try:
        env.run_until(scenario.horizon)
    except OverBudget as stopped:
        cause = diagnosis(records, env.now, scenario.horizon)
        raise OverBudget(f"{stopped}: {cause}") from None
    final = theatre.final_strain(scenario.horizon)
    changes = theatre.strain_changes()
    return Run(replication, records, env.processed, final, theatre.peak_strain(), changes)


def run_replication(
    scenario: Scenario, seed: int, replication: int, budget: Budget = UNLIMITED
) -> Outcome:
    """The outcome of replication ``replication`` under root ``seed``."""
    return summarize(scenario, simulate(scenario, seed, replication, budget, keep=Keep.OUTCOMES))


def replicate(
    scenario: Scenario, seed: int, runs: int, first: int = 0, budget: Budget = UNLIMITED
) -> Iterator[Outcome]:
    """Outcomes of replications ``first`` .. ``first + runs - 1``, in order."""
    for start in range(first, first + runs, SEEDED_TOGETHER):
        count = min(SEEDED_TOGETHER, first + runs - start)
        seeds = ChunkSeeds(seed, start, count)
        for replication in range(start, start + count):
            run = simulate(scenario, seed, replication, budget, seeds, Keep.OUTCOMES)
            yield summarize(scenario, run)
