"""The retaliation-cycle model: SimPy processes for the actors and mechanisms, their
records, and one replication's outcome."""

from sim.model.records import Run
from sim.model.replication import replicate, run_replication, run_until, simulate

__all__ = ["Run", "replicate", "run_replication", "run_until", "simulate"]
