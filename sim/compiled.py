"""The optional compiled build: the model's hot modules compiled to C by mypyc.

    python -m sim.compiled build     compile (needs .[compiled] and a C compiler)
    python -m sim.compiled clean     remove the compiled modules
    python -m sim.compiled status    say whether they are built and in use

The compiled modules go to ``sim/_compiled/`` (``model/`` and ``scenario/`` beside a
shared library), never over the sources. The random stream has a Cython twin
(``sim/model/stream.pyx``), compiled in place of ``stream.py`` against numpy's C
distribution functions; the build needs Cython for it, and is for the numpy it was made
with (a numpy of another version makes it out of date). ``sim.model`` and ``sim.scenario`` put those
folders first on their ``__path__`` only when the build is whole and every compiled
source is unchanged since (a hash each, in ``manifest.json``); otherwise they run the
pure Python modules, and an out-of-date build says so once. The compiled build runs
the same code, so it gives the same numbers, replication by replication; a test
checks that its outputs are the pure build's, byte for byte.

A build that cannot finish (no mypyc, no C compiler, a compiler error) changes
nothing: it is made in a temporary folder, and replaces the old one only whole.
"""

from __future__ import annotations

import sys
import warnings
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FOLDER = PACKAGE / "_compiled"
MANIFEST = FOLDER / "manifest.json"
GROUP = "sim._compiled.group"  # the shared library: sim/_compiled/group__mypyc.*.so
# the modules a replication spends its time in; all compiled together or none
MODULES = (
    "sim/model/catalogue.py",
    "sim/model/combatants.py",
    "sim/model/daily.py",
    "sim/model/diplomacy.py",
    "sim/model/information.py",
    "sim/model/memo.py",
    "sim/model/outcomes.py",
    "sim/model/phase.py",
    "sim/model/records.py",
    "sim/model/replication.py",
    "sim/model/seeding.py",
    "sim/model/streams.py",
    "sim/model/tally.py",
    "sim/model/theatre.py",
    "sim/model/timers.py",
    "sim/model/truce.py",
    "sim/scenario/distributions.py",
)
# modules with a Cython twin (``name.pyx`` beside ``name.py``), compiled in its place:
# the stream calls numpy's C distribution functions, which mypyc cannot reach
TWINS = ("sim/model/stream.pyx",)
SUFFIX = EXTENSION_SUFFIXES[0]  # what this interpreter loads: .cpython-311-x86_64-linux-gnu.so


# the build's setup script: mypyc over MODULES, Cython over TWINS (linked with numpy's
# static libraries of distribution functions, as numpy's own Cython example does)
SETUP = """
import os
import numpy
from Cython.Build import cythonize
from mypyc.build import mypycify
from setuptools import Extension, setup

root = os.path.dirname(numpy.__file__)
libraries = [os.path.join(root, "random", "lib"), os.path.join(root, "_core", "lib")]
twins = [
    Extension(
        twin[: -len(".pyx")].replace("/", "."),
        [twin],
        include_dirs=[numpy.get_include()],
        library_dirs=[folder for folder in libraries if os.path.isdir(folder)],
        libraries=["npyrandom", "npymath"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for twin in {twins!r}
]
compiled = mypycify({modules!r}, group_name={group!r}, opt_level="3")
setup(
    name="truce-compiled",
    ext_modules=compiled + cythonize(twins, quiet=True),
    script_args=["build_ext", "--inplace"],
)
"""


class BuildFailed(Exception):
    """The compiled build could not be made; the message says why in one line."""


def _digest(relative: str, root: Path = PACKAGE.parent) -> str:
    import hashlib

    return hashlib.sha256((root / relative).read_bytes()).hexdigest()


def state() -> str:
    """``"in use"``, ``"not built"``, or why a build is not used."""
    import json

    try:
        manifest = json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return "not built"
    except (OSError, ValueError):
        return "not used: its manifest cannot be read"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sources"), dict):
        return "not used: its manifest cannot be read"
    if manifest.get("suffix") != SUFFIX:
        return f"not used: built for {manifest.get('suffix')}, this Python loads {SUFFIX}"
    if manifest.get("numpy") != _numpy_version():
        return f"not used: built with numpy {manifest.get('numpy')}, this is {_numpy_version()}"
    sources: dict[str, str] = manifest["sources"]
    modules = watched()
    if set(sources) != set(modules):
        return "not used: built for another list of modules"
    changed = [m for m in modules if not (PACKAGE.parent / m).exists() or _digest(m) != sources[m]]
    if changed:
        return f"not used: {changed[0]} changed since it was compiled"
    missing = [f for f in _built_files() if not (FOLDER / f).exists()]
    if missing:
        return f"not used: {missing[0]} is missing"
    return "in use"


def _numpy_version() -> str:
    """numpy's version: the twin is linked with its C distribution functions."""
    import numpy

    return str(numpy.__version__)


def watched() -> list[str]:
    """The sources a build depends on: every module of the packages compiled (the
    compiled ones read the others' types) and the twins, whose change makes the build
    out of date."""
    root = PACKAGE.parent
    found = {str(p.relative_to(root)) for p in (PACKAGE / "model").glob("*.py")}
    found |= {str(p.relative_to(root)) for p in (PACKAGE / "scenario").glob("*.py")}
    return sorted(found | set(MODULES) | set(TWINS))


def _built_files() -> list[str]:
    """The compiled files, relative to ``FOLDER``."""
    files = [str(Path(m).relative_to("sim").with_suffix(SUFFIX)) for m in (*MODULES, *TWINS)]
    return [*files, "group__mypyc" + SUFFIX]


_checked: str | None = None


def package_path(path: list[str], package: str) -> list[str]:
    """A package's ``__path__``, with its compiled folder first when the build is in
    use. An out-of-date build is left out, with a warning."""
    global _checked
    if _checked is None:
        _checked = state() if FOLDER.exists() else "not built"
        if _checked.startswith("not used"):
            warnings.warn(
                f"the compiled build is {_checked}; running the pure Python modules "
                "(python -m sim.compiled build to rebuild, or clean to remove it)",
                stacklevel=2,
            )
    if _checked != "in use":
        return path
    return [str(FOLDER / package), *path]


def in_use() -> bool:
    """Whether this process runs the compiled modules."""
    import sim.model.truce

    return Path(sim.model.truce.__file__ or "").suffix != ".py"


def compiler() -> str | None:
    """The C compiler that would build extensions, if there is one."""
    import shutil
    import sysconfig

    configured = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(configured) or shutil.which("cc") or shutil.which("gcc")


def build() -> None:
    """Compile ``MODULES`` into ``FOLDER``; raises ``BuildFailed`` and changes nothing
    if it cannot. Imported here: starting a command needs none of this."""
    import json
    import os
    import shutil
    import subprocess
    import tempfile

    try:
        import Cython  # noqa: F401
        import mypyc  # noqa: F401
    except ImportError as missing:
        raise BuildFailed(
            f"the compiled build needs {missing.name}: pip install -e '.[compiled]'"
        ) from None
    if compiler() is None:
        raise BuildFailed("no C compiler found (cc); the pure Python modules run as before")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(PACKAGE, work / "sim", ignore=shutil.ignore_patterns("_compiled", "*.so"))
        shutil.copy2(PACKAGE.parent / "pyproject.toml", work)  # mypy's settings
        (work / "sim" / "_compiled").mkdir()
        (work / "sim" / "_compiled" / "__init__.py").write_text("")
        script = SETUP.format(modules=list(MODULES), twins=list(TWINS), group=GROUP)
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=work, capture_output=True, text=True
        )
        if done.returncode != 0:
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            last = lines[-1] if lines else f"exit status {done.returncode}"
            raise BuildFailed(f"the compiled build failed: {last}")
        fresh = work / "built"
        fresh.mkdir()
        (fresh / "__init__.py").write_text('"""The compiled build (see sim.compiled)."""\n')
        for relative in _built_files():
            made = work / "sim" / relative
            if relative.startswith("group__mypyc"):
                made = work / "sim" / "_compiled" / relative
            target = fresh / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(made, target)
        manifest = {
            "suffix": SUFFIX,
            "numpy": _numpy_version(),
            # the sources as compiled: one edited meanwhile leaves the build out of date
            "sources": {m: _digest(m, work) for m in watched()},
        }
        (fresh / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        old = PACKAGE / "_compiled.old"
        shutil.rmtree(old, ignore_errors=True)
        if FOLDER.exists():
            os.replace(FOLDER, old)
        shutil.move(str(fresh), FOLDER)
        shutil.rmtree(old, ignore_errors=True)


def clean() -> bool:
    """Remove the compiled build; whether there was one."""
    import shutil

    if not FOLDER.exists():
        return False
    shutil.rmtree(FOLDER)
    return True


def main(arguments: list[str] | None = None) -> int:
    """``python -m sim.compiled build|clean|status``: 0 when done, 2 when refused."""
    given = sys.argv[1:] if arguments is None else arguments
    if given not in (["build"], ["clean"], ["status"]):
        print("usage: python -m sim.compiled build|clean|status", file=sys.stderr)
        return 2
    if given == ["build"]:
        try:
            build()
        except BuildFailed as failed:
            print(f"error: {failed}", file=sys.stderr)
            return 2
        print(f"compiled {len(MODULES) + len(TWINS)} modules into {FOLDER}")
    elif given == ["clean"]:
        print("removed the compiled build" if clean() else "no compiled build to remove")
    else:
        print(f"compiled build: {state()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
