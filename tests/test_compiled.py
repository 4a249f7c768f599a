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
