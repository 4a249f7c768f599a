"""One replication: a fresh SimPy environment, the theatre, and the run to the horizon."""

from __future__ import annotations

from dataclasses import dataclass

import simpy
from simpy.core import StopSimulation
from simpy.events import URGENT

from sim.model.records import Record
from sim.model.theatre import Theatre
from sim.scenario.spec import Scenario
from sim.streams import Streams


@dataclass(frozen=True, slots=True)
class Run:
    """Everything one replication produced."""

    replication: int
    records: list[Record]
    events: int  # SimPy events processed before the horizon
    final_strain: float | None  # the truce's strain at the horizon


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
