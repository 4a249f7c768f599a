"""The README says what the code does: its outcome table is the outcome catalogue, and
its Python example runs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sim.outputs.tables import catalogue_markdown
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_outcome_table_is_the_catalogue() -> None:
    table = catalogue_markdown()
    assert table in README, "README's outcome table differs from the catalogue; paste:\n" + table


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
    assert os.path.isfile(tmp_path / "results" / "levers" / "summary.csv")
    printed = capsys.readouterr().out
    assert "actors.nfl.retaliation.probability" not in printed  # overrides are not columns
    assert "(1200, " in printed  # 4 points x 300 replications, read back from disk
