"""Truce: a discrete-event simulator of retaliation cycles under truces."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("truce")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from sim.errors import InputError
from sim.model import replicate, run_replication
from sim.scenario import load_scenario

__all__ = ["InputError", "__version__", "load_scenario", "replicate", "run_replication"]
