"""A replication's budget: how many SimPy events and how much memory it may take before
it is stopped, so that a scenario whose violence never dies out (answers that beget
answers, or routine rates of thousands a day) fails with a message instead of running
forever while its memory grows.

The events are counted as they are processed; memory is read at checkpoints (every
``CHECK_EVERY`` events) as the growth of this process's resident size since the
replication's first checkpoint (``FIRST_CHECK`` events in), where the system says
(Linux ``/proc/self/statm``). Reading it when every replication began would cost a
short replication more than its simulation; what the first few thousand events take
is a few megabytes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sim.model.records import Record, Strike, StrikeKind

CHECK_EVERY = 65_536
FIRST_CHECK = 4_096  # where memory is first read (Idlib's replications take about 300)
MAX_EVENTS = 1_000_000  # a replication's SimPy events by default (Idlib takes about 300)
MAX_MEMORY_MB = 2_048  # a replication's growth of memory by default


@dataclass(frozen=True, slots=True)
class Budget:
    """Per replication: SimPy events (``--max-events``) and megabytes of memory growth
    (``--max-memory``)."""

    events: int = MAX_EVENTS
    memory_mb: int = MAX_MEMORY_MB


class OverBudget(Exception):
    """A replication went past its budget; the message names the likely cause."""


def resident_mb() -> float | None:
    """This process's resident memory, in megabytes (None where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def diagnosis(records: Sequence[Record], day: float, horizon: float) -> str:
    """What most likely ran away: answers that beget answers (the offspring mean of the
    cascade, measured as answers per strike, at or near 1 or above), or routine
    violations at a rate no truce could contain."""
    strikes = [r for r in records if isinstance(r, Strike)]
    if not strikes:
        return "no strike yet; check the scenario's delays"
    answers = sum(1 for s in strikes if s.kind is StrikeKind.RETALIATION)
    routine = sum(1 for s in strikes if s.kind is StrikeKind.ROUTINE)
    where = f"by day {day:.3g} of {horizon:g}"
    if answers >= routine:
        offspring = answers / len(strikes)
        return (
            f"{len(strikes)} strikes {where}, and each strike drew {offspring:.2f} answers "
            "on average: a cycle that never dies out (an offspring mean of answers at or "
            "above 1); lower the chances of answering, or raise the budget"
        )
    rate = routine / max(day, 1e-9)
    return (
        f"{len(strikes)} strikes {where}: routine violations at about {rate:,.0f} a day; "
        "lower the routine rates, or raise the budget"
    )
