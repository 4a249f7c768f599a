"""One replication: ``f(scenario, seed, index) -> outcome``.

A fresh SimPy environment and theatre run to the horizon; the outcome record is then
computed from the event records. The same arguments always give the same outcome,
wherever and with whatever else it runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import simpy

from sim.model.outcomes import Outcome, summarize
from sim.model.records import Record, Run
from sim.model.streams import Streams
from sim.model.theatre import Theatre
from sim.scenario.spec import Scenario


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (``processed``)."""

    def __init__(self) -> None:
        super().__init__(initial_time=0.0)  # days are floats from the start
        self.processed = 0

    def step(self) -> None:
        _step(self)  # raises at the end of the run, so that step is not counted
        self.processed += 1


_step = simpy.Environment.step


def simulate(scenario: Scenario, seed: int, replication: int) -> Run:
    """Run replication ``replication`` of ``scenario`` under root ``seed``."""
    env = CountingEnvironment()
    records: list[Record] = []
    theatre = Theatre(env, scenario, Streams(seed, replication), records.append)
    env.run(until=scenario.horizon)
    return Run(replication, records, env.processed, theatre.final_strain(scenario.horizon))


def run_replication(scenario: Scenario, seed: int, replication: int) -> Outcome:
    """The outcome of replication ``replication`` under root ``seed``."""
    return summarize(scenario, simulate(scenario, seed, replication))


def replicate(scenario: Scenario, seed: int, runs: int, first: int = 0) -> Iterator[Outcome]:
    """Outcomes of replications ``first`` .. ``first + runs - 1``, in order."""
    for replication in range(first, first + runs):
        yield run_replication(scenario, seed, replication)
