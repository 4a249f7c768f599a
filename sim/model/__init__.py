"""The retaliation-cycle model: SimPy processes for the actors and mechanisms, their
records, and one replication's outcome."""

from sim.compiled import package_path

__path__ = package_path(__path__, "model")  # the compiled build first, when in use


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
