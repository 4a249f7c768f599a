"""The retaliation-cycle model: SimPy processes for the actors and mechanisms, their
records, and one replication's outcome."""

from sim.model.budget import Budget, OverBudget
from sim.model.records import Run
from sim.model.replication import CountingEnvironment, replicate, run_replication, simulate

__all__ = [
    "Budget",
    "CountingEnvironment",
    "OverBudget",
    "Run",
    "replicate",
    "run_replication",
    "simulate",
]
