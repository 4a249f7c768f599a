"""Optional extras, imported where they are used: a missing one is a one-line error
naming what needs it and how to install it, never an ImportError."""

from __future__ import annotations

import importlib
from types import ModuleType

from sim.errors import InputError

EXTRAS = {
    "pyarrow": "parquet",
    "pyarrow.parquet": "parquet",
    "pyarrow.dataset": "parquet",
    "dask": "dask",
    "distributed": "dask",
    "matplotlib": "plot",
    "pandas": "pandas",
    "SALib": "sensitivity",
    "jinja2": "report",
    "pyabc": "calibrate",
    "tomlkit": "calibrate",
    "sklearn": "discover",
}


def require(module: str, origin: str, value: str, purpose: str) -> ModuleType:
    """Import ``module``, or fail with ``origin: value: purpose needs module: pip ...``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        extra = EXTRAS.get(module, EXTRAS.get(top, top.lower()))
        raise InputError(
            origin, value, f"{purpose} needs {top}: pip install -e '.[{extra}]'"
        ) from None
