"""Export escaping and import unescaping undo each other, whatever the cell holds."""

from __future__ import annotations

import pytest

from crm_core.csv_cells import escape, unescape


@pytest.mark.parametrize("value", [
    "=cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "'=already quoted", "''=twice", "'-x",
    "O'Brien", "'", "plain", "+15550001001", "-3",
])
def test_a_cell_reads_back_as_it_was_written(value: str) -> None:
    assert unescape(escape(value)) == value


def test_a_formula_is_written_as_text() -> None:
    assert escape("=1+1") == "'=1+1"
    assert escape("'=1+1") == "''=1+1"  # its own quote survives the import's strip
