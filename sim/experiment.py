"""Running replications: ``one replication = f(scenario, seed, index) -> outcome``."""

from __future__ import annotations

from collections.abc import Iterator

from sim.model.replication import simulate
from sim.outcomes import Outcome, summarize
from sim.scenario.spec import Scenario


def run_replication(scenario: Scenario, seed: int, replication: int) -> Outcome:
    """The outcome of replication ``replication`` under root ``seed``; the same
    arguments always give the same outcome, wherever and with whatever else it runs."""
    return summarize(scenario, simulate(scenario, seed, replication))


def replicate(scenario: Scenario, seed: int, runs: int, first: int = 0) -> Iterator[Outcome]:
    """Outcomes of replications ``first`` .. ``first + runs - 1``, in order."""
    for replication in range(first, first + runs):
        yield run_replication(scenario, seed, replication)
