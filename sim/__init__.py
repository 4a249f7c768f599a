"""Truce: a discrete-event simulator of retaliation cycles under truces.

The library does everything the ``truce`` command does, one call each::

    import sim

    results = sim.run("scenarios/idlib-2020-10.toml", runs=2000, jobs=2)
    results.to_pandas()        # one row per replication
    results.summary()          # the distributions, as data

Names are imported when first used, so ``import sim`` (and a worker process that only
needs the model) stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from sim.api import (
        Interrupted as Interrupted,
    )
    from sim.api import (
        compare as compare,
    )
    from sim.api import (
        daily_summary as daily_summary,
    )
    from sim.api import (
        plot as plot,
    )
    from sim.api import (
        report as report,
    )
    from sim.api import (
        run as run,
    )
    from sim.api import (
        sensitivity as sensitivity,
    )
    from sim.api import (
        sweep as sweep,
    )
    from sim.api import (
        trace as trace,
    )
    from sim.errors import InputError as InputError
    from sim.model import replicate as replicate
    from sim.model import run_replication as run_replication
    from sim.outputs.results import (
        Results as Results,
    )
    from sim.outputs.results import (
        SweepResults as SweepResults,
    )
    from sim.outputs.results import (
        open_results as open_results,
    )
    from sim.scenario import Scenario as Scenario
    from sim.scenario import load_scenario as load_scenario

_HOMES = {
    "Interrupted": "sim.api",
    "compare": "sim.api",
    "daily_summary": "sim.api",
    "plot": "sim.api",
    "report": "sim.api",
    "run": "sim.api",
    "sensitivity": "sim.api",
    "sweep": "sim.api",
    "trace": "sim.api",
    "InputError": "sim.errors",
    "replicate": "sim.model",
    "run_replication": "sim.model",
    "Results": "sim.outputs.results",
    "SweepResults": "sim.outputs.results",
    "open_results": "sim.outputs.results",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
}

__all__ = ["__version__", *_HOMES]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("truce")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read when asked for: the metadata costs start-up time
        found = globals()["__version__"] = _version()
        return found
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
