"""The command line starts without the heavy libraries: each is imported where it is
used, so ``truce --help`` and every command's start costs numpy, SimPy and click, not
scipy, pyarrow, Dask or matplotlib (``benchmarks/startup.py`` times it)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = (
    "scipy",
    "pyarrow",
    "pandas",
    "dask",
    "distributed",
    "matplotlib",
    "jinja2",
    "SALib",
    "pyabc",
    "sklearn",
    "tomlkit",
)


def imported_after(code: str) -> set[str]:
    """The heavy top-level modules imported once ``code`` has run in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    modules = json.loads(done.stdout.splitlines()[-1])
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_the_command_line_imports_no_heavy_library_to_start() -> None:
    assert imported_after("import cli") == set()


def test_the_library_imports_no_heavy_library_to_start() -> None:
    assert imported_after("import sim.api, sim.model, sim.scenario") == set()


def test_help_of_every_command_imports_no_heavy_library() -> None:
    code = (
        "import cli, contextlib, io\n"
        "for name in cli.truce.commands:\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "        cli.truce.main([name, '--help'], standalone_mode=True)\n"
    )
    assert imported_after(code) == set()
