"""The README says what the code does: its outcome table is the outcome catalogue."""

from __future__ import annotations

from sim.outputs.tables import catalogue_markdown
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_the_outcome_table_is_the_catalogue() -> None:
    table = catalogue_markdown()
    assert table in README, "README's outcome table differs from the catalogue; paste:\n" + table
