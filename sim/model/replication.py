"""One replication: ``f(scenario, seed, index) -> outcome``.

A fresh SimPy environment and theatre run to the horizon; the outcome record is then
computed from the event records. The same arguments always give the same outcome,
wherever and with whatever else it runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import simpy

from sim.model.budget import CHECK_EVERY, Budget, OverBudget, diagnosis, resident_mb
from sim.model.outcomes import Outcome, summarize
from sim.model.records import Record, Run
from sim.model.streams import Streams
from sim.model.theatre import Theatre
from sim.scenario.spec import Scenario

UNLIMITED = Budget(events=2**62, memory_mb=2**40)


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (``processed``) and
    stops, raising ``OverBudget``, at its budget of events or of memory growth."""

    def __init__(self, budget: Budget = UNLIMITED) -> None:
        super().__init__(initial_time=0.0)  # days are floats from the start
        self.processed = 0
        self.budget = budget
        self._memory_at_start = resident_mb()
        self._checkpoint = min(budget.events, CHECK_EVERY)

    def step(self) -> None:
        _step(self)  # raises at the end of the run, so that step is not counted
        self.processed += 1
        if self.processed >= self._checkpoint:
            self._check()

    def _check(self) -> None:
        budget = self.budget
        if self.processed >= budget.events:
            raise OverBudget(
                f"stopped at the budget of {budget.events} SimPy events (--max-events)"
            )
        grown, start = resident_mb(), self._memory_at_start
        if grown is not None and start is not None and grown - start > budget.memory_mb:
            raise OverBudget(
                f"stopped at the budget of {budget.memory_mb} MB of memory (--max-memory)"
            )
        self._checkpoint = min(budget.events, self.processed + CHECK_EVERY)


_step = simpy.Environment.step


def simulate(scenario: Scenario, seed: int, replication: int, budget: Budget = UNLIMITED) -> Run:
    """Run replication ``replication`` of ``scenario`` under root ``seed``; past its
    ``budget`` it stops with ``OverBudget``, naming the likely cause."""
    env = CountingEnvironment(budget)
    records: list[Record] = []
    theatre = Theatre(env, scenario, Streams(seed, replication), records.append)
    try:
        env.run(until=scenario.horizon)
    except OverBudget as stopped:
        cause = diagnosis(records, env.now, scenario.horizon)
        raise OverBudget(f"{stopped}: {cause}") from None
    return Run(replication, records, env.processed, theatre.final_strain(scenario.horizon))


def run_replication(
    scenario: Scenario, seed: int, replication: int, budget: Budget = UNLIMITED
) -> Outcome:
    """The outcome of replication ``replication`` under root ``seed``."""
    return summarize(scenario, simulate(scenario, seed, replication, budget))


def replicate(
    scenario: Scenario, seed: int, runs: int, first: int = 0, budget: Budget = UNLIMITED
) -> Iterator[Outcome]:
    """Outcomes of replications ``first`` .. ``first + runs - 1``, in order."""
    for replication in range(first, first + runs):
        yield run_replication(scenario, seed, replication, budget)
