"""The retaliation-cycle model: SimPy processes for the actors and mechanisms."""

from sim.model.replication import Run, run_until, simulate

__all__ = ["Run", "run_until", "simulate"]
