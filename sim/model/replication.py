"""One replication: ``f(scenario, seed, index) -> outcome``.

A fresh SimPy environment and theatre run to the horizon; the outcome record is then
computed from the event records. The same arguments always give the same outcome,
wherever and with whatever else it runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import simpy
from simpy.core import StopSimulation
from simpy.events import URGENT

from sim.model.outcomes import Outcome, summarize
from sim.model.records import Record, Run
from sim.model.streams import Streams
from sim.model.theatre import Theatre
from sim.scenario.spec import Scenario


def simulate(scenario: Scenario, seed: int, replication: int) -> Run:
    """Run replication ``replication`` of ``scenario`` under root ``seed``."""
    env = simpy.Environment()
    records: list[Record] = []
    theatre = Theatre(env, scenario, Streams(seed, replication), records.append)
    events = run_until(env, scenario.horizon)
    truce = theatre.truce
    final = truce.strain(scenario.horizon) if truce is not None and not theatre.collapsed else None
    return Run(replication, records, events, final)


def run_until(env: simpy.Environment, horizon: float) -> int:
    """Process every event scheduled before ``horizon``; return how many there were."""
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    stop.callbacks.append(StopSimulation.callback)
    env.schedule(stop, URGENT, horizon - env.now)
    step = env.step
    count = 0
    try:
        while True:
            step()
            count += 1
    except (StopSimulation, simpy.core.EmptySchedule):
        pass
    return count


def run_replication(scenario: Scenario, seed: int, replication: int) -> Outcome:
    """The outcome of replication ``replication`` under root ``seed``."""
    return summarize(scenario, simulate(scenario, seed, replication))


def replicate(scenario: Scenario, seed: int, runs: int, first: int = 0) -> Iterator[Outcome]:
    """Outcomes of replications ``first`` .. ``first + runs - 1``, in order."""
    for replication in range(first, first + runs):
        yield run_replication(scenario, seed, replication)
