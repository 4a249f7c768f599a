"""The optional compiled build (``python -m sim.compiled build``) gives the pure build's
numbers byte for byte, is used only while whole and current, and a build that cannot
be made changes nothing.

The build is made once, in a copy of the project (so this checkout's own modules stay
pure), and the goldens are run there in fresh interpreters.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim import compiled
from tests.conftest import ROOT

GOLDENS = (
    "import json\n"
    "from tests.goldens import FOLDER, outputs\n"
    "made = outputs()\n"
    "print(json.dumps(sorted(n for n, data in made.items() "
    "if data != (FOLDER / n).read_bytes())))\n"
)


def run_in(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the project with the compiled build made in it."""
    project = tmp_path_factory.mktemp("compiled") / "truce"
    skip = shutil.ignore_patterns("__pycache__", "_compiled", "*.so")
    for part in ("sim", "tests", "scenarios"):
        shutil.copytree(ROOT / part, project / part, ignore=skip)
    for part in ("cli.py", "pyproject.toml"):
        shutil.copy2(ROOT / part, project / part)
    done = run_in(project, "-m", "sim.compiled", "build")
    assert done.returncode == 0, done.stderr
    yield project


def test_the_compiled_build_is_used_and_gives_the_goldens_byte_for_byte(built: Path) -> None:
    status = run_in(built, "-m", "sim.compiled", "status")
    assert status.stdout.strip() == "compiled build: in use"
    probe = run_in(built, "-c", "from sim import compiled; print(compiled.in_use())")
    assert probe.stdout.strip() == "True", probe.stderr
    differing = run_in(built, "-c", GOLDENS)
    assert differing.returncode == 0, differing.stderr[-2000:]
    assert json.loads(differing.stdout.splitlines()[-1]) == []  # runs and traces alike


def test_the_compiled_build_gives_the_same_rows_on_two_workers(built: Path) -> None:
    rows = {}
    for jobs in ("1", "2"):
        out = built / f"rows-{jobs}.csv"
        done = run_in(
            built, "cli.py", "run", "scenarios/idlib-2020-10.toml", "--runs", "300",
            "--seed", "4", "--jobs", jobs, "--chunk", "7", "--quiet", "--output", str(out),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        rows[jobs] = out.read_bytes()
    pure = subprocess.run(
        [sys.executable, "cli.py", "run", "scenarios/idlib-2020-10.toml", "--runs", "300",
         "--seed", "4", "--jobs", "1", "--quiet", "--output", str(built / "pure.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert pure.returncode == 0, pure.stderr[-2000:]
    assert rows["1"] == rows["2"] == (built / "pure.csv").read_bytes()


# Both streams, the compiled twin and the pure module loaded from its file, take the
# same random walk of calls (every kind of draw, interleaved, on several streams and
# gamma shapes, with arguments numpy refuses among them); every value or error must
# match. Printed: how many calls matched, and the first difference if any.
TWINS = """
import importlib.util, math, random, sys
import sim.model.stream as twin
from sim.model.seeding import ChunkSeeds
spec = importlib.util.spec_from_file_location("pure_stream", "sim/model/stream.py")
pure = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pure)
assert twin.__file__.endswith(".so"), twin.__file__
walk = random.Random(20261125)
seeds = ChunkSeeds(7, 0, 50)
pairs = [
    (pure.Stream(7, r, c, o, seeds if r % 2 else None),
     twin.Stream(7, r, c, o, seeds if r % 2 else None))
    for r in range(4) for c in (1, 2) for o in ("a", "nfl")
]
odd = [0.0, -1.0, math.nan, math.inf, 1e300, 1e-300]
def arguments(kind):
    if kind == "gamma":
        return (walk.choice([0.25, 1.0, 4.0, 0.0, -0.0, math.nan, -1.0]),)
    if kind == "negative_binomial":
        pick = lambda: walk.choice(odd) if walk.random() < 0.05 else walk.uniform(0, 60)
        return pick(), pick()
    if kind == "binomial":
        p = walk.choice(odd + [1.5]) if walk.random() < 0.05 else walk.random()
        return walk.randrange(-2, 300), p
    return ()
def outcome(stream, kind, args):
    try:
        value = getattr(stream, kind)(*args)
    except Exception as error:
        return (type(error).__name__, str(error))
    return ("nan",) if value != value else (type(value).__name__, value)
kinds = ["uniform", "exponential", "normal", "gamma", "negative_binomial", "binomial"]
for call in range(200_000):
    kind = walk.choice(kinds)
    args = arguments(kind)
    one, other = walk.choice(pairs)
    a, b = outcome(one, kind, args), outcome(other, kind, args)
    if a != b:
        print(call, kind, args, a, b)
        sys.exit(1)
for one, other in pairs:
    assert one.generator.random(3).tolist() == other.generator.random(3).tolist()
print(call + 1)
"""


def test_the_compiled_stream_draws_as_the_pure_stream_draw_for_draw(built: Path) -> None:
    done = run_in(built, "-c", TWINS)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.split() == ["200000"]


def test_a_build_for_another_numpy_is_not_used(built: Path) -> None:
    manifest = built / "sim" / "_compiled" / "manifest.json"
    original = manifest.read_text()
    try:
        manifest.write_text(original.replace('"numpy": "', '"numpy": "0.0+'))
        status = run_in(built, "-m", "sim.compiled", "status")
        assert "not used: built with numpy 0.0+" in status.stdout, status.stdout
        probe = run_in(built, "-c", "from sim import compiled; print(compiled.in_use())")
        assert probe.stdout.strip() == "False"
    finally:
        manifest.write_text(original)
    assert run_in(built, "-m", "sim.compiled", "status").stdout.strip().endswith("in use")


def test_a_build_older_than_its_source_is_not_used(built: Path) -> None:
    source = built / "sim" / "model" / "phase.py"
    original = source.read_text()
    try:
        source.write_text(original + "\n# edited after the build\n")
        status = run_in(built, "-m", "sim.compiled", "status")
        assert "not used: sim/model/phase.py changed since it was compiled" in status.stdout
        probe = run_in(built, "-c", "from sim import compiled; print(compiled.in_use())")
        assert probe.stdout.strip() == "False"
        assert "the compiled build is not used" in probe.stderr  # said once, as a warning
    finally:
        source.write_text(original)
    assert run_in(built, "-m", "sim.compiled", "status").stdout.strip().endswith("in use")


def test_a_build_without_a_compiler_is_refused_in_one_line_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_compiled"
    monkeypatch.setattr(compiled, "FOLDER", folder)
    monkeypatch.setattr(compiled, "compiler", lambda: None)
    assert compiled.main(["build"]) == 2
    error = capsys.readouterr().err
    assert error == "error: no C compiler found (cc); the pure Python modules run as before\n"
    assert not folder.exists()
    assert compiled.main(["status"]) == 0
    assert capsys.readouterr().out == "compiled build: not built\n"
    assert compiled.main(["wrong"]) == 2


def test_a_damaged_manifest_leaves_the_build_unused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(compiled, "FOLDER", tmp_path)
    for text in ("[]", "{not json", '{"suffix": 1}'):
        (tmp_path / "manifest.json").write_text(text)
        monkeypatch.setattr(compiled, "MANIFEST", tmp_path / "manifest.json")
        assert compiled.state() == "not used: its manifest cannot be read"
