"""The README says what the code does, and every example in it runs:

- its outcome table is the outcome catalogue;
- every ``$ truce ...`` command in its console blocks runs, in order, in a workspace
  holding the scenarios and the TOML files it shows, and prints the lines shown (``...``
  stands for any lines); an example whose output is an ``error:`` line exits with 2,
  unless a last line ``(exit status N)`` says otherwise;
- every TOML example parses, and a named one (``# path`` on its first line) is the
  file a command uses;
- its Python example runs;
- its test command is what CI runs, and its run command works in a fresh virtual
  environment;
- the benchmarks it names run (with small sizes: their defaults take minutes).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from sim.outputs.tables import catalogue_markdown, series_markdown
from tests.conftest import ROOT, invoke

README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language`` (dedented: some sit in lists)."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", README, flags=re.DOTALL | re.M)
    return [textwrap.dedent(body) for _, body in found]


def examples() -> list[tuple[str, list[str]]]:
    """Each ``$`` command of the console blocks with the lines shown after it, then the
    commands in the table of pictures."""
    found: list[tuple[str, list[str]]] = []
    for block in blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line.rstrip())
    found += [(command, []) for command in re.findall(r"^\| `(truce [^`]+)` \|", README, re.M)]
    return found


def shows(expected: list[str], output: str) -> bool:
    """Whether ``output`` has the ``expected`` lines in order, ``...`` standing for any
    number of lines."""
    lines = [line.rstrip() for line in output.splitlines()]
    at, gap = 0, False
    for want in expected:
        if want.strip() == "...":
            gap = True
            continue
        while at < len(lines) and lines[at] != want:
            if not gap:
                return False
            at += 1
        if at == len(lines):
            return False
        at, gap = at + 1, False
    return True


def test_the_outcome_table_is_the_catalogue() -> None:
    table = catalogue_markdown()
    assert table in README, "README's outcome table differs from the catalogue; paste:\n" + table


def test_the_series_table_is_the_series_catalogue() -> None:
    table = series_markdown()
    assert table in README, "README's series table differs from the catalogue; paste:\n" + table


def test_every_picture_the_readme_shows_is_in_the_repository() -> None:
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert shown == ["docs/discovery-tradeoff.png", "docs/trace.png", "docs/report.png"]
    for path in shown:
        assert (ROOT / path).stat().st_size > 10_000, path


def test_every_command_runs_and_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    for toml in blocks("toml"):
        first = toml.splitlines()[0]
        if first.startswith("# ") and first.endswith(".toml"):
            target = tmp_path / first[2:]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(toml)
    monkeypatch.chdir(tmp_path)
    found = examples()
    assert len(found) >= 20
    for command, expected in found:
        words = shlex.split(command)
        assert words[0] == "truce", command
        result = invoke(*words[1:])
        status = re.fullmatch(r"\(exit status (\d+)\)", expected[-1]) if expected else None
        if status is not None:
            expected, code = expected[:-1], int(status.group(1))
        else:
            code = 2 if any(line.startswith("error:") for line in expected) else 0
        assert result.exit_code == code, f"{command}\n{result.output}"
        assert shows(expected, result.output), f"{command}: printed\n{result.output}"


def test_every_toml_example_parses_and_its_distributions_build() -> None:
    from sim.scenario.reader import Source, Table

    for toml in blocks("toml"):
        data = tomllib.loads(toml)
        for key, value in data.items():
            if isinstance(value, dict) and "distribution" in value:
                Table(data, "", Source("README.md")).distribution(key)


def test_the_python_example_runs_and_gives_a_dataframe_of_a_parallel_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = blocks("python")
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    frame = namespace["frame"]
    assert frame.shape[0] == 1000  # type: ignore[attr-defined]
    assert str(frame["collapsed"].dtype) == "boolean"  # type: ignore[index]
    assert (tmp_path / "survival.png").stat().st_size > 5000
    assert (tmp_path / "results" / "levers" / "summary.csv").is_file()
    printed = capsys.readouterr().out
    assert "(1200, " in printed  # 4 points x 300 replications, read back from disk


def test_ci_runs_the_readmes_test_command() -> None:
    install_and_test = blocks("sh")[1].strip()
    assert install_and_test in (ROOT / ".ci" / "run").read_text()


def test_the_compiled_build_command_is_the_one_its_test_runs() -> None:
    """The README's compiled build: the extra it installs exists and brings what mypyc
    and Cython need, and its build command is what ``tests/test_compiled.py`` runs (in a copy
    of the project, with this environment, which has the test extra)."""
    install_and_build = blocks("sh")[2].strip()
    assert install_and_build == (
        '.venv/bin/pip install -e ".[compiled]" && .venv/bin/python -m sim.compiled build'
    )
    with (ROOT / "pyproject.toml").open("rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]
    assert {r.split(">")[0] for r in extras["compiled"]} == {"mypy", "setuptools", "cython"}
    assert set(extras["compiled"]) <= set(extras["test"])
    assert '"-m", "sim.compiled", "build"' in (ROOT / "tests" / "test_compiled.py").read_text()


def test_the_readmes_run_command_works_in_a_fresh_environment(tmp_path: Path) -> None:
    """The first command of the README, as written, in a fresh virtual environment made
    in a copy of the project (pip installs from its index or its cache)."""
    install_and_run = blocks("sh")[0].strip()
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    copy = tmp_path / "truce"
    for name in tracked:
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    done = subprocess.run(
        ["bash", "-c", install_and_run], cwd=copy, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Idlib, October 2020: 1000 replications, seed 1" in done.stdout
    assert "P(truce collapsed by day 60)" in done.stdout


@pytest.mark.parametrize(
    "command",
    [
        "benchmarks/speed.py --runs 20 --rounds 1",
        "benchmarks/scale.py --runs 100",
        "benchmarks/summary.py --runs 200 --chunks 10 --rounds 1",
        "benchmarks/startup.py --rounds 1",
        "benchmarks/peer.py --runs 200 --rounds 1",
        "benchmarks/sweep.py --runs 10 --baseline-seconds 1",
        "benchmarks/replications.py --runs 300 --width 0.05",
    ],
)
def test_the_benchmarks_run(command: str) -> None:
    script, *args = command.split()
    assert f"python {script}" in README
    done = subprocess.run(
        [sys.executable, str(ROOT / script), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
