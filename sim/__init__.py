"""Truce: a discrete-event simulator of retaliation cycles under truces.

The library does everything the ``truce`` command does, one call each::

    import sim

    results = sim.run("scenarios/idlib-2020-10.toml", runs=2000, jobs=2)
    results.to_pandas()        # one row per replication
    results.summary()          # the distributions, as data
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("truce")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from sim.api import Interrupted, compare, plot, run, sensitivity, sweep, trace
from sim.errors import InputError
from sim.model import replicate, run_replication
from sim.outputs.results import Results, SweepResults, open_results
from sim.scenario import Scenario, load_scenario

__all__ = [
    "InputError",
    "Interrupted",
    "Results",
    "Scenario",
    "SweepResults",
    "__version__",
    "compare",
    "load_scenario",
    "open_results",
    "plot",
    "replicate",
    "run",
    "run_replication",
    "sensitivity",
    "sweep",
    "trace",
]
